import { EventEmitter } from 'node:events';
import { isEui64 as isEui64Text } from '../../hal/eui64.js';
import type { Eui64 } from '../../hal/radio.js';
import { DEVICE_TYPES, type DeviceType } from '../security/device-types.js';
import { jsonCodec, type Domain, type Store } from '../store/index.js';
import { GpfError } from './errors.js';
import { GPF_LOG_SIZES } from './log-sizes.js';

/**
 * The GPF Device Log: the Devices allowed to talk to the GPF (the GSME, PPMIDs, Type 2 Devices),
 * each an EUI-64 and a GBCS DeviceType. GCS62 sends a backup of it as an alert whenever it
 * changes; GCS59 restores one into a replacement hub, entry by entry, each with the outcome
 * GBCS's restore response reports.
 */
export const GPF_DEVICE_TYPES = ['GSME', 'PPMID', 'Type2'] as const satisfies readonly DeviceType[];
export type GpfDeviceType = (typeof GPF_DEVICE_TYPES)[number];

export interface GpfDeviceLogEntry {
  eui64: Eui64;
  deviceType: GpfDeviceType;
}

/** As stored: the entry's place in the log (lowest free first), which is the order GCS62 lists entries in. */
interface StoredEntry extends GpfDeviceLogEntry {
  slot?: number;
}

/** What GCS62 carries: when, and every entry (GBCS DeviceType codes alongside the names). */
export interface GpfDeviceLogBackup {
  takenAt: number;
  entries: Array<GpfDeviceLogEntry & { deviceTypeCode: number }>;
}

/** GBCS's join response codes, as the GCS59 response reports them per entry. */
export const RESTORE_OUTCOMES = {
  success: 0,
  invalidJoinMethodAndRole: 2,
  incompatibleWithExistingEntry: 3,
  deviceLogFull: 4,
} as const;
export type RestoreOutcome = keyof typeof RESTORE_OUTCOMES;

export interface GpfDeviceLogEvents {
  changed: [entries: GpfDeviceLogEntry[]];
}

function isEntry(value: unknown): value is StoredEntry {
  const entry = value as StoredEntry | null;
  return typeof entry === 'object' && entry !== null && isEui64(entry.eui64) && (GPF_DEVICE_TYPES as readonly string[]).includes(entry.deviceType) &&
    (entry.slot === undefined || Number.isSafeInteger(entry.slot));
}

const isEui64 = (value: unknown): value is Eui64 => typeof value === 'string' && isEui64Text(value);

export class GpfDeviceLog extends EventEmitter<GpfDeviceLogEvents> {
  readonly capacity = GPF_LOG_SIZES.deviceLog.entries;
  private writing: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly store: Store,
    private readonly domain: Domain<StoredEntry>,
  ) {
    super();
  }

  static async open(store: Store): Promise<GpfDeviceLog> {
    return new GpfDeviceLog(store, await store.domain({ name: 'gpfDeviceLog', codec: jsonCodec(isEntry), validate: (v) => void checkEntry(v, 'entry') }));
  }

  /** In log order (entries stored before slots were kept come first, by EUI-64). */
  async entries(): Promise<GpfDeviceLogEntry[]> {
    return (await this.stored()).map(({ eui64, deviceType }) => ({ eui64, deviceType }));
  }

  private async stored(): Promise<StoredEntry[]> {
    const out: StoredEntry[] = [];
    for await (const [, entry] of this.domain.entries()) out.push(entry);
    return out.sort((a, b) => (a.slot ?? -1) - (b.slot ?? -1));
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.writing.then(work);
    this.writing = run.catch(() => undefined);
    return run;
  }

  /** Adds a Device (an existing entry of the same type is left as is); refuses a full log or a type clash. */
  async add(entry: GpfDeviceLogEntry): Promise<RestoreOutcome> {
    checkEntry(entry, 'entry');
    return (await this.restoreEntries([entry]))[0]!;
  }

  async remove(eui64: Eui64): Promise<boolean> {
    return this.serial(async () => {
      if (!(await this.domain.has(eui64))) return false;
      await this.domain.del(eui64);
      this.emit('changed', await this.entries());
      return true;
    });
  }

  backup(at: number): Promise<GpfDeviceLogBackup> {
    return this.serial(async () => ({ takenAt: at, entries: (await this.entries()).map((e) => ({ ...e, deviceTypeCode: DEVICE_TYPES[e.deviceType].code })) }));
  }

  /**
   * GCS59: restore entries from a backup. Each is judged on its own, in order, and all accepted
   * ones are written in one atomic batch; the result lists each entry's outcome.
   */
  async restore(backup: Pick<GpfDeviceLogBackup, 'entries'>): Promise<RestoreOutcome[]> {
    if (typeof backup !== 'object' || backup === null || !Array.isArray(backup.entries)) {
      throw new GpfError('GPF_BAD_DEVICE', 'a backup holds a list of entries', { where: 'backup' });
    }
    return this.restoreEntries(backup.entries.map((entry, i) => restoredEntry(entry, `backup.entries[${i}]`)));
  }

  private restoreEntries(wanted: Array<GpfDeviceLogEntry | undefined>): Promise<RestoreOutcome[]> {
    return this.serial(async () => {
      const stored = await this.stored();
      const held = new Map(stored.map((e) => [e.eui64, e.deviceType]));
      const taken = new Set(stored.map((e) => e.slot));
      const batch = this.store.batch();
      const outcomes = wanted.map((entry): RestoreOutcome => {
        if (!entry) return 'invalidJoinMethodAndRole';
        const type = held.get(entry.eui64);
        if (type !== undefined) return type === entry.deviceType ? 'success' : 'incompatibleWithExistingEntry';
        if (held.size >= this.capacity) return 'deviceLogFull';
        held.set(entry.eui64, entry.deviceType);
        let slot = 0;
        while (taken.has(slot)) slot++;
        taken.add(slot);
        batch.put(this.domain, entry.eui64, { eui64: entry.eui64, deviceType: entry.deviceType, slot });
        return 'success';
      });
      if (batch.length > 0) {
        await batch.write();
        this.emit('changed', await this.entries());
      }
      return outcomes;
    });
  }
}

function checkEntry(entry: unknown, where: string): asserts entry is GpfDeviceLogEntry {
  const e = entry as Partial<GpfDeviceLogEntry> | null;
  if (typeof e !== 'object' || e === null || !isEui64(e.eui64)) throw new GpfError('GPF_BAD_DEVICE', 'needs an EUI-64 of 16 upper-case hex digits', { where: `${where}.eui64` });
  if (!(GPF_DEVICE_TYPES as readonly unknown[]).includes(e.deviceType)) {
    throw new GpfError('GPF_BAD_DEVICE', `the GPF Device Log holds ${GPF_DEVICE_TYPES.join(', ')} only`, { where: `${where}.deviceType` });
  }
}

/** A backup entry named by type or by GBCS code; undefined for a type the GPF does not log (an outcome, not an error). */
function restoredEntry(entry: unknown, where: string): GpfDeviceLogEntry | undefined {
  const e = entry as { eui64?: unknown; deviceType?: unknown; deviceTypeCode?: unknown } | null;
  if (typeof e !== 'object' || e === null || !isEui64(e.eui64)) throw new GpfError('GPF_BAD_DEVICE', 'needs an EUI-64 of 16 upper-case hex digits', { where: `${where}.eui64` });
  const byCode = GPF_DEVICE_TYPES.find((type) => DEVICE_TYPES[type].code === e.deviceTypeCode);
  const byName = GPF_DEVICE_TYPES.find((type) => type === e.deviceType);
  const deviceType = byName ?? byCode;
  return deviceType === undefined ? undefined : { eui64: e.eui64 as Eui64, deviceType };
}
