import { createHash } from 'node:crypto';
import { isEui64 } from '../../hal/eui64.js';
import type { NetworkInfo, Radio } from '../../hal/radio.js';
import type { DeviceLog, RestoredDevice } from './device-log.js';
import { isDeviceType, DEVICE_TYPES, type DeviceType } from '../security/device-types.js';
import { DeviceLogError } from './errors.js';
import { HASHED_LINK_KEY_LENGTH } from './link-key-hash.js';

/**
 * Backup and restore of the CHF Device Log (CS14 carries a backup; CCS03 restores one, possibly
 * taken on another hub, then forms the network with the extended PAN id it names).
 *
 * A backup holds what CS14 holds — each Device's EUI-64 and hashed TC link key — plus its type, and a
 * SHA-256 digest of that content so a damaged or edited backup is refused. It holds no install code
 * and no key: a restored Device has neither, so it joins again after CCS01 gives its install code.
 */
export const BACKUP_FORMAT = 'gb-chf-device-log-backup';
export const BACKUP_VERSION = 1;

export interface BackupDevice {
  eui64: string;
  deviceType: DeviceType;
  /** Hex: 32 digits, or empty where no TC link key had been established. */
  hashedTcLinkKey: string;
}

export interface DeviceLogBackup {
  format: typeof BACKUP_FORMAT;
  version: typeof BACKUP_VERSION;
  /** ISO 8601. */
  takenAt: string;
  devices: BackupDevice[];
  /** SHA-256 (hex) of the canonical JSON of every other field. */
  digest: string;
}

type BackupContent = Omit<DeviceLogBackup, 'digest'>;

function digestOf(content: BackupContent): string {
  const canonical = JSON.stringify({
    format: content.format,
    version: content.version,
    takenAt: content.takenAt,
    devices: content.devices.map((d) => ({ eui64: d.eui64, deviceType: d.deviceType, hashedTcLinkKey: d.hashedTcLinkKey })),
  });
  return createHash('sha256').update(canonical).digest('hex');
}

export function createBackup(log: DeviceLog, at: number): DeviceLogBackup {
  const content: BackupContent = {
    format: BACKUP_FORMAT,
    version: BACKUP_VERSION,
    takenAt: new Date(at).toISOString(),
    devices: log.view().map((v) => ({ eui64: v.eui64, deviceType: v.deviceType, hashedTcLinkKey: v.hashedTcLinkKey.toString('hex') })),
  };
  return { ...content, digest: digestOf(content) };
}

const invalid = (message: string, where: string): DeviceLogError => new DeviceLogError('BACKUP_INVALID', message, { where });

function checkDevice(value: unknown, index: number, seen: Set<string>): BackupDevice {
  const where = `backup devices[${index}]`;
  const device = value as Partial<BackupDevice> | null;
  if (typeof device !== 'object' || device === null) throw invalid('is not an object', where);
  if (typeof device.eui64 !== 'string' || !isEui64(device.eui64)) throw invalid('eui64 is not 16 upper-case hex digits', where);
  if (seen.has(device.eui64)) throw invalid(`${device.eui64} appears twice`, where);
  seen.add(device.eui64);
  if (!isDeviceType(device.deviceType) || !DEVICE_TYPES[device.deviceType].loggable) throw invalid('deviceType is not a Device Log device type', where);
  const hash = device.hashedTcLinkKey;
  if (typeof hash !== 'string' || !(hash === '' || new RegExp(`^[0-9a-f]{${HASHED_LINK_KEY_LENGTH * 2}}$`).test(hash))) {
    throw invalid(`hashedTcLinkKey is neither empty nor ${HASHED_LINK_KEY_LENGTH} bytes of lower-case hex`, where);
  }
  return { eui64: device.eui64, deviceType: device.deviceType, hashedTcLinkKey: hash };
}

/** Check a backup (an object, or its JSON text) completely; throws BACKUP_INVALID or BACKUP_CORRUPT. */
export function parseBackup(input: unknown, capacity: number): DeviceLogBackup {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch {
      throw invalid('is not JSON', 'backup');
    }
  }
  const backup = value as Partial<DeviceLogBackup> | null;
  if (typeof backup !== 'object' || backup === null) throw invalid('is not an object', 'backup');
  if (backup.format !== BACKUP_FORMAT) throw invalid(`format is not "${BACKUP_FORMAT}"`, 'backup format');
  if (backup.version !== BACKUP_VERSION) throw invalid(`version ${String(backup.version)} is not supported (expected ${BACKUP_VERSION})`, 'backup version');
  if (typeof backup.takenAt !== 'string' || Number.isNaN(Date.parse(backup.takenAt))) throw invalid('takenAt is not a date-time', 'backup takenAt');
  if (!Array.isArray(backup.devices)) throw invalid('devices is not a list', 'backup devices');
  if (backup.devices.length > capacity) throw invalid(`holds ${backup.devices.length} Devices; this hub holds at most ${capacity}`, 'backup devices');
  if (typeof backup.digest !== 'string') throw invalid('has no digest', 'backup digest');
  const seen = new Set<string>();
  const devices = backup.devices.map((d: unknown, i: number) => checkDevice(d, i, seen));
  const content: BackupContent = { format: BACKUP_FORMAT, version: BACKUP_VERSION, takenAt: backup.takenAt, devices };
  if (digestOf(content) !== backup.digest) {
    throw new DeviceLogError('BACKUP_CORRUPT', 'the digest does not match the content: the backup was damaged or edited', { where: 'backup digest' });
  }
  return { ...content, digest: backup.digest };
}

/** Replace the log with a backup's Devices, after checking all of it; on any failure nothing changes. */
export async function restoreDeviceLog(log: DeviceLog, input: unknown): Promise<DeviceLogBackup> {
  const backup = parseBackup(input, log.capacity);
  const devices: RestoredDevice[] = backup.devices.map((d) => ({ eui64: d.eui64, deviceType: d.deviceType }));
  await log.replaceAll(devices);
  return backup;
}

export function parseExtendedPanId(text: string): string {
  const compact = text.replace(/[-:\s]/g, '').toUpperCase();
  if (!/^[0-9A-F]{16}$/.test(compact)) {
    throw new DeviceLogError('EXTENDED_PAN_ID_INVALID', 'is not 16 hex digits', { where: 'extended PAN id' });
  }
  return compact;
}

/** What CCS03 needs of the radio: forming a network, nothing else. */
export type NetworkFormer = Pick<Radio, 'formNetwork'>;

/**
 * CCS03's two steps on Devices already checked: replace the log, then form the network with the
 * given extended PAN id (checked first). If forming fails, the restored log stays and the error says so.
 */
export async function replaceLogAndFormNetwork(
  log: DeviceLog,
  radio: NetworkFormer,
  devices: readonly RestoredDevice[],
  extendedPanIdText: string,
): Promise<NetworkInfo> {
  const extendedPanId = parseExtendedPanId(extendedPanIdText);
  await log.replaceAll(devices);
  return radio.formNetwork({ extendedPanId });
}

/** CCS03 from a backup file: both inputs are checked before anything changes. */
export async function restoreAndFormNetwork(
  log: DeviceLog,
  radio: NetworkFormer,
  input: unknown,
  extendedPanIdText: string,
): Promise<{ backup: DeviceLogBackup; network: NetworkInfo }> {
  parseExtendedPanId(extendedPanIdText);
  const backup = parseBackup(input, log.capacity);
  const devices: RestoredDevice[] = backup.devices.map((d) => ({ eui64: d.eui64, deviceType: d.deviceType }));
  const network = await replaceLogAndFormNetwork(log, radio, devices, extendedPanIdText);
  return { backup, network };
}
