import { HubError } from '../../hal/errors.js';
import type { StoredIdentity } from './network-identity.js';

/**
 * The kept network identity as the open coordinator backup JSON that zigbee2mqtt (zigbee-herdsman)
 * and zigpy read and write (format "zigpy/open-coordinator-backup", version 1), and back. Only the
 * network's part is carried: the hub's Devices have their own backup (CCS02/CCS03).
 */

export class NetworkBackupError extends HubError {}

export interface CoordinatorBackup {
  metadata: { format: 'zigpy/open-coordinator-backup'; version: 1; source: string; internal: { date: string } };
  coordinator_ieee: string;
  pan_id: string;
  extended_pan_id: string;
  security_level: number;
  nwk_update_id: number;
  channel: number;
  channel_mask: number[];
  network_key: { key: string; sequence_number: number; frame_counter: number };
  devices: never[];
}

const FORMAT = 'zigpy/open-coordinator-backup';
/** Zigbee PRO's network security level: AES-128 with a 32-bit MIC (ENC-MIC-32). */
const SECURITY_LEVEL = 5;

export function toCoordinatorBackup(identity: StoredIdentity, source: string, now: Date): CoordinatorBackup {
  return {
    metadata: { format: FORMAT, version: 1, source, internal: { date: now.toISOString() } },
    coordinator_ieee: (identity.coordinator ?? '0000000000000000').toLowerCase(),
    pan_id: identity.panId.toString(16).padStart(4, '0'),
    extended_pan_id: identity.extendedPanId.toLowerCase(),
    security_level: SECURITY_LEVEL,
    nwk_update_id: 0,
    channel: identity.channel,
    channel_mask: [identity.channel],
    network_key: { key: identity.networkKey, sequence_number: identity.sequenceNumber, frame_counter: identity.frameCounter },
    devices: [],
  };
}

function field<T>(ok: boolean, value: T, where: string, what: string): T {
  if (!ok) throw new NetworkBackupError('NETWORK_BACKUP_INVALID', what, { where });
  return value;
}

function hex(value: unknown, digits: number, where: string): string {
  const text = typeof value === 'string' ? value.replace(/^0x/i, '').toLowerCase() : '';
  return field(new RegExp(`^[0-9a-f]{${digits}}$`).test(text), text, where, `is not ${digits} hex digits`);
}

function integer(value: unknown, min: number, max: number, where: string): number {
  return field(Number.isInteger(value) && (value as number) >= min && (value as number) <= max, value as number, where, `is not a whole number ${min}..${max}`);
}

/** A coordinator backup read back as the identity to keep; every field it relies on is checked, and named when wrong. */
export function fromCoordinatorBackup(parsed: unknown): StoredIdentity {
  const backup = field(typeof parsed === 'object' && parsed !== null, parsed as Record<string, unknown>, 'backup', 'is not a JSON object');
  const metadata = (backup.metadata ?? {}) as Record<string, unknown>;
  field(metadata.format === FORMAT, null, 'metadata.format', `is not "${FORMAT}"`);
  field(metadata.version === 1, null, 'metadata.version', 'is not 1 (the version this hub reads)');
  const key = (backup.network_key ?? {}) as Record<string, unknown>;
  const panIdText = typeof backup.pan_id === 'string' ? backup.pan_id.replace(/^0x/i, '') : '';
  const panId = field(/^[0-9a-f]{1,4}$/i.test(panIdText), Number.parseInt(panIdText, 16), 'pan_id', 'is not a hex PAN id');
  field(panId <= 0xfffe, null, 'pan_id', 'is 0xFFFF, which no network has');
  const coordinator = backup.coordinator_ieee === undefined ? undefined : hex(backup.coordinator_ieee, 16, 'coordinator_ieee').toUpperCase();
  return {
    channel: integer(backup.channel, 11, 26, 'channel'),
    panId,
    extendedPanId: hex(backup.extended_pan_id, 16, 'extended_pan_id').toUpperCase(),
    networkKey: hex(key.key, 32, 'network_key.key'),
    sequenceNumber: integer(key.sequence_number, 0, 255, 'network_key.sequence_number'),
    frameCounter: integer(key.frame_counter, 0, 0xffff_ffff, 'network_key.frame_counter'),
    ...(coordinator === undefined || coordinator === '0000000000000000' ? {} : { coordinator }),
  };
}
