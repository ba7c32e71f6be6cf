import { BoundedLog } from '../logs/index.js';
import { jsonCodec, sequenceKey, type Store } from '../store/index.js';
import { decodeChannel, encodeChannel, type SubGhzChannel } from './channel.js';
import { CHANNEL_LOG_CAPACITY } from './constants.js';

/**
 * The Sub GHz Channel Log (DBCH02): when the hub moved to which channel, and why. Bounded, durable,
 * oldest overwritten. Each entry is on disk before the change it records is reported.
 */
export const CHANNEL_CHANGE_REASONS = {
  formed: 'the Sub GHz network was formed or restored on this channel',
  scanRequested: 'a channel scan a Remote Party requested (DBCH05) found a quieter channel',
  interference: "the hub's own channel scan found a quieter channel",
} as const;
export type ChannelChangeReason = keyof typeof CHANNEL_CHANGE_REASONS;

export interface ChannelLogEntry {
  /** ms since the epoch. */
  at: number;
  channel: SubGhzChannel;
  reason: ChannelChangeReason;
}

interface StoredEntry {
  at: number;
  /** The 32-bit page-and-channel value. */
  channel: number;
  reason: ChannelChangeReason;
}

function isStoredEntry(value: unknown): value is StoredEntry {
  const v = value as StoredEntry;
  return typeof v === 'object' && v !== null && Number.isSafeInteger(v.at) && Number.isInteger(v.channel) && typeof v.reason === 'string' && Object.hasOwn(CHANNEL_CHANGE_REASONS, v.reason);
}

export const CHANNEL_LOG_DOMAIN = { name: 'subGhzChannelLog', codec: jsonCodec(isStoredEntry) } as const;

export class ChannelLog {
  private constructor(private readonly log: BoundedLog<StoredEntry>) {}

  static async open(store: Store, capacity = CHANNEL_LOG_CAPACITY): Promise<ChannelLog> {
    return new ChannelLog(await BoundedLog.open(store, CHANNEL_LOG_DOMAIN, capacity));
  }

  get capacity(): number {
    return this.log.capacity;
  }

  count(): number {
    return this.log.count();
  }

  async append(entry: ChannelLogEntry): Promise<ChannelLogEntry> {
    const stored: StoredEntry = { at: entry.at, channel: encodeChannel(entry.channel), reason: entry.reason };
    await this.log.append((sequence) => ({ key: sequenceKey(sequence), value: stored }));
    return { ...entry, channel: { ...entry.channel } };
  }

  /** Oldest first. */
  async entries(): Promise<ChannelLogEntry[]> {
    return (await this.log.read()).map(([key, stored]) => ({
      at: stored.at,
      channel: decodeChannel(stored.channel, `${CHANNEL_LOG_DOMAIN.name}/${key}`),
      reason: stored.reason,
    }));
  }

  /** The newest entry, if any. */
  async latest(): Promise<ChannelLogEntry | undefined> {
    const [entry] = await this.log.read({ reverse: true, limit: 1 });
    if (!entry) return undefined;
    const [key, stored] = entry;
    return { at: stored.at, channel: decodeChannel(stored.channel, `${CHANNEL_LOG_DOMAIN.name}/${key}`), reason: stored.reason };
  }
}
