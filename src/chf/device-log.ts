import { EventEmitter } from 'node:events';
import { SystemClock, type Clock, type Timer } from '../../hal/clock.js';
import { isEui64, parseEui64 } from '../../hal/eui64.js';
import { parseInstallCode } from '../../hal/install-code.js';
import type { Eui64 } from '../../hal/radio.js';
import { PERSONAL_DATA } from '../privacy/index.js';
import { jsonCodec, type Domain, type Store } from '../store/index.js';
import { DEVICE_TYPES, findDeviceType, isDeviceType, NAMEABLE_DEVICE_TYPES, TYPE_NOT_YET_KNOWN, type DeviceType } from '../security/device-types.js';
import { DeviceLogError } from './errors.js';
import { HistoricDeviceLog } from './historic-device-log.js';
import { hashTcLinkKey, LINK_KEY_LENGTH } from './link-key-hash.js';

/**
 * The CHF Device Log: the HAN whitelist (CCS01/CCS02/CCS06/CCS07). Every mutation is on disk before
 * it resolves, and a request that fails validation changes nothing. A `changed` event follows every
 * change a CS14 alert must report, carrying the whole log with each entry's hashed TC link key.
 *
 * Capacity: 16 Devices. A GB hub's HAN holds one ESME, one GSME, the GPF, a PPMID, an HCALCS and a
 * few Type 2 Devices; 16 is also the Silicon Labs GBCS device-log plugin's default (range 16..32).
 */
export const DEVICE_LOG_CAPACITY = 16;
/** Last-communication times are kept in memory and written at most this often (not once per message). */
export const LAST_COMMUNICATION_FLUSH_MS = 60_000;

export interface DeviceLogEntry {
  eui64: Eui64;
  deviceType: DeviceType;
  /** With its CRC; absent for a Device restored from a backup (until CCS01 supplies one) and for the GPF. */
  installCode?: Buffer;
  /** The TC link key, once one has been established with the Device. */
  tcLinkKey?: Buffer;
  addedAt: number;
  /** When the hub last heard from the Device, ms since the epoch. */
  lastCommunication?: number;
  /** Link signal strength (RSSI, dBm) with that message; CCS06 reports it for Sub GHz Devices. */
  signalStrength?: number;
}

/** What CS14 and CCS07 show of an entry: no keys, only the hash of the established one. */
export interface DeviceLogView {
  eui64: Eui64;
  deviceType: DeviceType;
  /** 16 bytes, or empty when no TC link key has been established. */
  hashedTcLinkKey: Buffer;
}

export type DeviceLogChangeKind = 'added' | 'removed' | 'linkKeyChanged' | 'restored';

/** Who put a Device in the log: its supplier's CCS01, or an installer at the hub (the CLI or the local page). */
export type WhitelistOrigin = 'CCS01' | 'local';

export interface DeviceLogChange {
  kind: DeviceLogChangeKind;
  /** For `added`: who added it (not kept in the entry: a Device's entry is the same whoever added it). */
  origin?: WhitelistOrigin;
  /** The Devices the change concerns (for `restored`: every EUI added or removed). */
  eui64s: Eui64[];
  at: number;
  /** The whole log after the change. */
  devices: DeviceLogView[];
}

export interface DeviceLogEvents {
  changed: [change: DeviceLogChange];
}

export interface AddDeviceRequest {
  eui64: string;
  deviceType: string;
  /** Hex or bytes, CRC included; checked before anything is written. */
  installCode?: Buffer | string;
  /** Default `local`. */
  origin?: WhitelistOrigin;
}

export type AddOutcome = { added: true } | { added: false; installCodeTaken: boolean };
export type RemoveOutcome = { removed: false } | { removed: true; keptInHistoricLog: boolean };
export interface LinkKeyOutcome {
  changed: boolean;
  /** The key was the one the Historic Device Log held: it moved back into the Device Log. */
  fromHistoricLog: boolean;
}

export interface RestoredDevice {
  eui64: Eui64;
  deviceType: DeviceType;
}

export interface DeviceLogOptions {
  clock?: Clock;
  capacity?: number;
  flushIntervalMs?: number;
}

interface StoredDevice {
  eui64: string;
  deviceType: DeviceType;
  installCode?: string;
  tcLinkKey?: string;
  addedAt: number;
}

interface StoredCommunication {
  at: number;
  signalStrength?: number;
}

const HEX = /^([0-9a-f]{2})+$/;

function isStoredDevice(value: unknown): value is StoredDevice {
  const v = value as StoredDevice;
  return (
    typeof v === 'object' && v !== null && typeof v.eui64 === 'string' && isEui64(v.eui64) && isDeviceType(v.deviceType) &&
    (v.installCode === undefined || (typeof v.installCode === 'string' && HEX.test(v.installCode))) &&
    (v.tcLinkKey === undefined || (typeof v.tcLinkKey === 'string' && /^[0-9a-f]{32}$/.test(v.tcLinkKey))) &&
    Number.isSafeInteger(v.addedAt)
  );
}

function isStoredCommunication(value: unknown): value is StoredCommunication {
  const v = value as StoredCommunication;
  return typeof v === 'object' && v !== null && Number.isSafeInteger(v.at) && (v.signalStrength === undefined || Number.isFinite(v.signalStrength));
}

/** Install codes and link keys are personal data: encrypted at rest. */
export const DEVICE_LOG_DOMAIN = { name: 'deviceLog', codec: jsonCodec(isStoredDevice), personal: true } as const;
export const LAST_COMMUNICATION_DOMAIN = { name: 'deviceLastCommunication', codec: jsonCodec(isStoredCommunication) } as const;

/** Retention (PERSONAL_DATA): an install code is needed only until the Device's link key is established. */
const CODE_SPENT_WITH_KEY = PERSONAL_DATA.installCode.retention.kind === 'untilLinkKeyEstablished';

function withoutSpentCode(stored: StoredDevice): StoredDevice {
  if (!CODE_SPENT_WITH_KEY || stored.tcLinkKey === undefined || stored.installCode === undefined) return stored;
  const { installCode: _spent, ...kept } = stored;
  return kept;
}

function toEntry(stored: StoredDevice, seen: StoredCommunication | undefined): DeviceLogEntry {
  const entry: DeviceLogEntry = { eui64: stored.eui64, deviceType: stored.deviceType, addedAt: stored.addedAt };
  if (stored.installCode) entry.installCode = Buffer.from(stored.installCode, 'hex');
  if (stored.tcLinkKey) entry.tcLinkKey = Buffer.from(stored.tcLinkKey, 'hex');
  if (seen) entry.lastCommunication = seen.at;
  if (seen?.signalStrength !== undefined) entry.signalStrength = seen.signalStrength;
  return entry;
}

export function parseDeviceType(text: string, where = 'device type'): DeviceType {
  const type = findDeviceType(text);
  if (!type || type === TYPE_NOT_YET_KNOWN) {
    throw new DeviceLogError('DEVICE_TYPE_UNKNOWN', `"${text}" is not a device type (${NAMEABLE_DEVICE_TYPES.join(', ')})`, { where });
  }
  if (!DEVICE_TYPES[type].loggable) throw new DeviceLogError('DEVICE_TYPE_NOT_LOGGABLE', `a ${type} is never entered in the CHF Device Log`, { where });
  return type;
}

export class DeviceLog extends EventEmitter<DeviceLogEvents> {
  readonly capacity: number;
  private readonly clock: Clock;
  private readonly flushIntervalMs: number;
  private readonly seen = new Map<Eui64, StoredCommunication>();
  private readonly unsaved = new Set<Eui64>();
  private flushTimer: Timer | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly store: Store,
    private readonly devices: Domain<StoredDevice>,
    private readonly lastCommunication: Domain<StoredCommunication>,
    private readonly entries: Map<Eui64, StoredDevice>,
    readonly historic: HistoricDeviceLog,
    options: DeviceLogOptions,
  ) {
    super();
    this.clock = options.clock ?? new SystemClock();
    this.capacity = options.capacity ?? DEVICE_LOG_CAPACITY;
    this.flushIntervalMs = options.flushIntervalMs ?? LAST_COMMUNICATION_FLUSH_MS;
  }

  /** Load both logs from the store (they are small: held in memory, so lookups never touch disk). */
  static async open(store: Store, options: DeviceLogOptions = {}): Promise<DeviceLog> {
    const devices = await store.domain(DEVICE_LOG_DOMAIN);
    const lastCommunication = await store.domain(LAST_COMMUNICATION_DOMAIN);
    const entries = new Map<Eui64, StoredDevice>();
    for await (const [, stored] of devices.entries()) entries.set(stored.eui64, stored);
    const log = new DeviceLog(store, devices, lastCommunication, entries, await HistoricDeviceLog.open(store), options);
    for await (const [eui64, seen] of lastCommunication.entries()) if (entries.has(eui64)) log.seen.set(eui64, seen);
    return log;
  }

  get size(): number {
    return this.entries.size;
  }

  has(eui64: Eui64): boolean {
    return this.entries.has(eui64);
  }

  get(eui64: Eui64): DeviceLogEntry | undefined {
    const stored = this.entries.get(eui64);
    return stored && toEntry(stored, this.seen.get(eui64));
  }

  /** In the order the Devices were added. */
  list(): DeviceLogEntry[] {
    return [...this.entries.values()].sort((a, b) => a.addedAt - b.addedAt || a.eui64.localeCompare(b.eui64)).map((s) => toEntry(s, this.seen.get(s.eui64)));
  }

  view(): DeviceLogView[] {
    return this.list().map((e) => ({ eui64: e.eui64, deviceType: e.deviceType, hashedTcLinkKey: hashTcLinkKey(e.tcLinkKey) }));
  }

  /**
   * CCS01's log step. A Device already present keeps its link key and install code and the answer
   * is success with nothing written — except a Device restored from a backup, which learns its type
   * if the backup could not say it, and a Device with no install code (restored from a backup, or
   * its code dropped once its link key was established), which takes the one given, as joining
   * cannot be opened for it without one.
   */
  async add(request: AddDeviceRequest): Promise<AddOutcome> {
    const eui64 = parseEui64(request.eui64, 'ieee_address');
    const deviceType = parseDeviceType(request.deviceType);
    const installCode = request.installCode === undefined ? undefined : parseInstallCode(request.installCode, 'install code');
    if (!installCode && DEVICE_TYPES[deviceType].joinsWithInstallCode) {
      throw new DeviceLogError('INSTALL_CODE_MISSING', `a ${deviceType} joins with an install code, and none was given`, { where: eui64 });
    }
    return this.serial(async () => {
      const existing = this.entries.get(eui64);
      if (existing) {
        const takesCode = !existing.installCode && installCode !== undefined;
        const learnsType = existing.deviceType === TYPE_NOT_YET_KNOWN;
        if (!takesCode && !learnsType) return { added: false, installCodeTaken: false };
        const updated: StoredDevice = { ...existing, deviceType: learnsType ? deviceType : existing.deviceType };
        if (takesCode) updated.installCode = installCode.toString('hex');
        await this.devices.put(eui64, updated);
        this.entries.set(eui64, updated);
        return { added: false, installCodeTaken: takesCode };
      }
      if (this.entries.size >= this.capacity) {
        throw new DeviceLogError('DEVICE_LOG_FULL', `the CHF Device Log already holds its maximum of ${this.capacity} Devices; remove one first`, { where: eui64 });
      }
      const stored: StoredDevice = { eui64, deviceType, addedAt: this.clock.now() };
      if (installCode) stored.installCode = installCode.toString('hex');
      await this.devices.put(eui64, stored);
      this.entries.set(eui64, stored);
      this.announce('added', [eui64], request.origin ?? 'local');
      return { added: true };
    });
  }

  /** CCS02's log step: an established key (not an HHT's) goes to the Historic Device Log in the same write. */
  async remove(eui64Text: string): Promise<RemoveOutcome> {
    const eui64 = parseEui64(eui64Text);
    return this.serial(async () => {
      const existing = this.entries.get(eui64);
      if (!existing) return { removed: false };
      const batch = this.store.batch();
      const keep = existing.tcLinkKey !== undefined && DEVICE_TYPES[existing.deviceType].keptInHistoricLog;
      const applyHistoric = keep ? this.historic.planRecord(batch, eui64, Buffer.from(existing.tcLinkKey!, 'hex'), this.clock.now()) : undefined;
      batch.del(this.devices, eui64).del(this.lastCommunication, eui64);
      await batch.write();
      applyHistoric?.();
      this.entries.delete(eui64);
      this.seen.delete(eui64);
      this.unsaved.delete(eui64);
      this.announce('removed', [eui64]);
      return { removed: true, keptInHistoricLog: keep };
    });
  }

  /**
   * Record the TC link key the Device now uses. When it is the key the Historic Device Log held for
   * it (CCS01's resumption), the key moves: out of the historic log, into this one, in one write.
   */
  async recordLinkKey(eui64: Eui64, tcLinkKey: Buffer): Promise<LinkKeyOutcome> {
    if (tcLinkKey.length !== LINK_KEY_LENGTH) {
      throw new DeviceLogError('LINK_KEY_BAD_LENGTH', `a TC link key is ${LINK_KEY_LENGTH} bytes, not ${tcLinkKey.length}`, { where: eui64 });
    }
    return this.serial(async () => {
      const existing = this.entries.get(eui64);
      if (!existing) throw new DeviceLogError('DEVICE_NOT_IN_LOG', 'is not in the CHF Device Log', { where: eui64 });
      const hex = tcLinkKey.toString('hex');
      const historic = this.historic.get(eui64);
      const fromHistoricLog = historic?.tcLinkKey.equals(tcLinkKey) ?? false;
      if (existing.tcLinkKey === hex && !fromHistoricLog && withoutSpentCode(existing) === existing) return { changed: false, fromHistoricLog };
      const updated = withoutSpentCode({ ...existing, tcLinkKey: hex });
      const batch = this.store.batch().put(this.devices, eui64, updated);
      const applyHistoric = fromHistoricLog ? this.historic.planForget(batch, eui64) : undefined;
      await batch.write();
      applyHistoric?.();
      this.entries.set(eui64, updated);
      const changed = existing.tcLinkKey !== hex;
      if (changed) this.announce('linkKeyChanged', [eui64]);
      return { changed, fromHistoricLog };
    });
  }

  /**
   * Retention: drop, in one atomic write, the install code of every Device whose link key is
   * established (recordLinkKey does so as the key arrives; this catches entries written before).
   * Resolves with how many codes went.
   */
  async dropSpentInstallCodes(): Promise<number> {
    return this.serial(async () => {
      const spent = [...this.entries.values()].map((stored) => [stored, withoutSpentCode(stored)] as const).filter(([stored, kept]) => kept !== stored);
      if (spent.length === 0) return 0;
      const batch = this.store.batch();
      for (const [, kept] of spent) batch.put(this.devices, kept.eui64, kept);
      await batch.write();
      for (const [, kept] of spent) this.entries.set(kept.eui64, kept);
      return spent.length;
    });
  }

  /**
   * The hub heard from a Device. Kept in memory and written in one batch per flush interval, so a
   * busy HAN does not cost a synced write per message. Returns false for a Device not in the log.
   */
  noteCommunication(eui64: Eui64, at: number = this.clock.now(), signalStrength?: number): boolean {
    if (this.closed || !this.entries.has(eui64)) return false;
    this.seen.set(eui64, signalStrength === undefined ? { at } : { at, signalStrength });
    this.unsaved.add(eui64);
    this.flushTimer ??= this.clock.setTimeout(() => {
      this.flushTimer = undefined;
      this.flush().catch(() => undefined);
    }, this.flushIntervalMs);
    return true;
  }

  /** Write pending last-communication times now. */
  flush(): Promise<void> {
    return this.serial(async () => {
      const pending = [...this.unsaved].filter((eui64) => this.entries.has(eui64));
      this.unsaved.clear();
      if (pending.length === 0) return;
      const batch = this.store.batch();
      for (const eui64 of pending) batch.put(this.lastCommunication, eui64, this.seen.get(eui64)!);
      try {
        await batch.write();
      } catch (error) {
        for (const eui64 of pending) this.unsaved.add(eui64);
        throw error;
      }
    });
  }

  /** Replace the whole log (CCS03); `devices` must already be validated. One atomic write. */
  async replaceAll(devices: readonly RestoredDevice[]): Promise<void> {
    return this.serial(async () => {
      if (devices.length > this.capacity) {
        throw new DeviceLogError('DEVICE_LOG_FULL', `${devices.length} Devices exceed the log's capacity of ${this.capacity}`);
      }
      const now = this.clock.now();
      const batch = this.store.batch();
      for (const eui64 of this.entries.keys()) batch.del(this.devices, eui64).del(this.lastCommunication, eui64);
      const next = new Map<Eui64, StoredDevice>();
      devices.forEach((device, index) => next.set(device.eui64, { eui64: device.eui64, deviceType: device.deviceType, addedAt: now + index }));
      for (const stored of next.values()) batch.put(this.devices, stored.eui64, stored);
      await batch.write();
      const touched = new Set([...this.entries.keys(), ...next.keys()]);
      this.entries.clear();
      for (const [eui64, stored] of next) this.entries.set(eui64, stored);
      this.seen.clear();
      this.unsaved.clear();
      this.announce('restored', [...touched]);
    });
  }

  /** Write what is pending and stop the flush timer. The store stays open: its owner closes it. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.flushTimer?.cancel();
    this.flushTimer = undefined;
    await this.flush();
    this.closed = true;
  }

  private announce(kind: DeviceLogChangeKind, eui64s: Eui64[], origin?: WhitelistOrigin): void {
    const change: DeviceLogChange = { kind, eui64s, at: this.clock.now(), devices: this.view() };
    if (origin) change.origin = origin;
    this.emit('changed', change);
  }

  /** One mutation at a time, in call order, so capacity and historic checks see settled state. */
  private serial<T>(run: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new DeviceLogError('DEVICE_LOG_CLOSED', 'the Device Log is closed'));
    const result = this.tail.then(run);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
