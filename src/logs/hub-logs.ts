import type { Clock } from '../../hal/clock.js';
import { jsonCodec, sequenceKey, type DomainSpec, type Store } from '../store/index.js';
import { BoundedLog } from './bounded-log.js';
import { validateDetail, type LogDetail } from './detail.js';
import { LogError } from './errors.js';
import { HUB_EVENTS, hubEventByCode, resolveCode, type LogName, type SecurityEventAlias } from './event-codes.js';
import { CHF_LOG_SIZES } from './sizes.js';

/**
 * The CHF's Event Log and Security Log. Both are bounded and durable (an entry is on disk when
 * `record` resolves) and overwrite their oldest entry when full. The Event Log can be cleared
 * (CS11); the Security Log cannot: its type has no `clear`, and the object handed out does not
 * carry one, so no remote command handler can reach one. It only loses entries to the capacity
 * bound or to a local retention purge.
 */
export interface LogEntry {
  /** Increases by one per entry, for the life of the log (a clear does not reset it). */
  sequence: number;
  /** UTC milliseconds from the hub's Clock when the entry was recorded. */
  at: number;
  /** A code from HUB_EVENTS. */
  code: number;
  detail: LogDetail;
}

export interface TimeRange {
  /** Inclusive, UTC ms. */
  from?: number;
  /** Exclusive, UTC ms. */
  to?: number;
  limit?: number;
}

/**
 * The shape the HAN and CHF layers report refused joins, replays and failed checks through: a
 * HUB_EVENTS code, or a name from SECURITY_EVENT_ALIASES (src/han's admission reports by name).
 * It satisfies src/han/admission.ts's SecurityEventSink.
 */
export interface SecurityEventSink {
  record(code: number | SecurityEventAlias, detail?: LogDetail): Promise<void>;
}

export interface ReadableLog {
  readonly capacity: number;
  count(): number;
  /** Newest first; at most `limit` (all when omitted). */
  newest(limit?: number): Promise<LogEntry[]>;
  /** Oldest first, entries recorded at `from` ≤ at < `to`. */
  range(range: TimeRange): Promise<LogEntry[]>;
}

export interface EventLog extends ReadableLog {
  record(code: number, detail?: LogDetail): Promise<LogEntry>;
  /** CS11: empty the Event Log; the clear itself is recorded in the Security Log. */
  clear(): Promise<void>;
}

export interface SecurityLog extends ReadableLog, SecurityEventSink {
  /** Local retention only (never a remote command): drop entries older than `olderThan` (UTC ms) and/or beyond the newest `keepNewest`. Resolves with how many went. */
  purge(retention: { olderThan?: number; keepNewest?: number }): Promise<number>;
}

export interface HubLogs {
  eventLog: EventLog;
  securityLog: SecurityLog;
}

function isLogEntry(value: unknown): value is LogEntry {
  const entry = value as LogEntry | null;
  return (
    typeof entry === 'object' && entry !== null && Number.isSafeInteger(entry.sequence) && Number.isFinite(entry.at) &&
    Number.isInteger(entry.code) && typeof entry.detail === 'object' && entry.detail !== null
  );
}

const logSpec = (name: string): DomainSpec<LogEntry> => ({
  name,
  codec: jsonCodec<LogEntry>(isLogEntry),
  validate: (entry) => void validateDetail(entry.detail),
});

export const LOG_DOMAINS = { event: 'chfEventLog', security: 'chfSecurityLog' } as const;

class StoredLog implements ReadableLog {
  constructor(
    private readonly log: BoundedLog<LogEntry>,
    private readonly which: LogName,
    private readonly clock: Clock,
  ) {}

  get capacity(): number {
    return this.log.capacity;
  }

  count(): number {
    return this.log.count();
  }

  record(given: number | string, detail?: LogDetail): Promise<LogEntry> {
    const code = resolveCode(given) ?? Number.NaN;
    const event = hubEventByCode(code);
    if (!event || event.log !== this.which) {
      const hex = typeof given === 'number' && Number.isInteger(given) ? `0x${given.toString(16).toUpperCase()}` : JSON.stringify(given);
      const why = event ? `belongs to the ${event.log} log` : 'is not in HUB_EVENTS';
      return Promise.reject(new LogError('LOG_UNKNOWN_CODE', `code ${hex} ${why}`, { where: `${this.which} log` }));
    }
    let checked: LogDetail;
    try {
      checked = validateDetail(detail);
    } catch (error) {
      return Promise.reject(error);
    }
    const at = this.clock.now();
    return this.log.append((sequence) => ({ key: sequenceKey(sequence), value: { sequence, at, code, detail: checked } }));
  }

  async newest(limit?: number): Promise<LogEntry[]> {
    return (await this.log.read({ reverse: true, ...(limit === undefined ? {} : { limit }) })).map(([, entry]) => entry);
  }

  async range({ from = -Infinity, to = Infinity, limit = Infinity }: TimeRange): Promise<LogEntry[]> {
    if (from > to) throw new LogError('LOG_BAD_RANGE', `from (${from}) is after to (${to})`);
    // Logs hold at most a few hundred entries, and the clock may have been set back between two of
    // them, so filtering every entry by its time is both cheap and right.
    const inRange = (await this.log.read()).map(([, entry]) => entry).filter((entry) => entry.at >= from && entry.at < to);
    return inRange.slice(0, limit);
  }

  async clearAll(): Promise<number> {
    return this.log.remove();
  }

  async purge({ olderThan, keepNewest }: { olderThan?: number; keepNewest?: number }): Promise<number> {
    const entries = await this.newest();
    const doomed = entries.filter((entry, index) => (keepNewest !== undefined && index >= keepNewest) || (olderThan !== undefined && entry.at < olderThan));
    return this.log.removeKeys(doomed.map((entry) => sequenceKey(entry.sequence)));
  }
}

/** Opens (or creates) both logs in `store`. Sizes come from CHF_LOG_SIZES. */
export async function openHubLogs(store: Store, clock: Clock): Promise<HubLogs> {
  const security = new StoredLog(await BoundedLog.open(store, logSpec(LOG_DOMAINS.security), CHF_LOG_SIZES.securityLog), 'security', clock);
  const events = new StoredLog(await BoundedLog.open(store, logSpec(LOG_DOMAINS.event), CHF_LOG_SIZES.eventLog), 'event', clock);
  const readable = (log: StoredLog): ReadableLog => ({
    get capacity() {
      return log.capacity;
    },
    count: () => log.count(),
    newest: (limit) => log.newest(limit),
    range: (range) => log.range(range),
  });
  const securityLog: SecurityLog = {
    ...readable(security),
    record: async (code, detail) => void (await security.record(code, detail)),
    purge: (retention) => security.purge(retention),
  };
  const eventLog: EventLog = {
    ...readable(events),
    record: (code, detail) => events.record(code, detail),
    clear: async () => {
      const removed = await events.clearAll();
      await security.record(HUB_EVENTS.eventLogCleared.code, { entriesRemoved: removed });
    },
  };
  return { eventLog: Object.freeze(eventLog), securityLog: Object.freeze(securityLog) };
}
