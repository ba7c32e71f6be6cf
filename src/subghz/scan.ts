import type { EnergyReading, Radio } from '../../hal/radio.js';
import { decodeChannel, encodeChannel, sameChannel, type SubGhzChannel } from './channel.js';
import { CHANNEL_CHANGE_MARGIN_DB } from './constants.js';
import type { DutyCycleLevel } from './duty-cycle.js';
import { SubGhzError } from './errors.js';
import type { ScanAssessment } from './events.js';

/**
 * What the Sub GHz state needs of the radio. Sub GHz channels cross the Radio seam as their 32-bit
 * page-and-channel value (0xE0000001 for page 28 channel 0), the form the Zigbee Sub-GHz cluster and
 * the Silicon Labs stack use for a page-and-channel; 2.4 GHz channels (11..26) cannot be mistaken for one.
 */
export type SubGhzRadio = Pick<Radio, 'energyScan' | 'setChannel'>;

export interface ScanRequestContext {
  now: number;
  lastScanAt: number | undefined;
  minimumIntervalMs: number;
  level: DutyCycleLevel;
  scanning: boolean;
}

/** DBCH05's assessment: refused while a scan runs, too soon after the last one, or when the hub may not spend the airtime. */
export function assessScanRequest(context: ScanRequestContext): ScanAssessment {
  if (context.scanning) return { outcome: 'refused', reason: 'scanInProgress' };
  if (context.level === 'critical' || context.level === 'regulated') return { outcome: 'refused', reason: 'dutyCycle' };
  if (context.lastScanAt !== undefined && context.now - context.lastScanAt < context.minimumIntervalMs) return { outcome: 'refused', reason: 'tooSoon' };
  return { outcome: 'accepted' };
}

export interface ChannelEnergy {
  channel: SubGhzChannel;
  /** dBm: the strongest energy seen on the channel during the scan. */
  maxRssi: number;
}

/** Reads the radio's answer back into channels, refusing readings for channels that were not scanned. */
export function readEnergy(readings: readonly EnergyReading[], scanned: readonly SubGhzChannel[]): ChannelEnergy[] {
  return readings.map((reading, i) => {
    const where = `energy reading ${i}`;
    const channel = decodeChannel(reading.channel, where);
    if (!scanned.some((c) => sameChannel(c, channel))) {
      throw new SubGhzError('SUB_GHZ_CHANNEL_INVALID', `the radio reported a channel that was not scanned (page ${channel.page} channel ${channel.channel})`, { where });
    }
    if (!Number.isFinite(reading.maxRssi)) throw new SubGhzError('SUB_GHZ_CHANNEL_INVALID', `${String(reading.maxRssi)} is not an RSSI`, { where });
    return { channel, maxRssi: reading.maxRssi };
  });
}

/**
 * The quietest channel scanned, if it is worth moving to: quieter than the current channel by at
 * least the margin (so two near-equal channels do not make the hub hop), or any channel when the
 * current one was not scanned (it is no longer allowed) or there is none. Ties go to the lower
 * page, then the lower channel, so the choice is the same every time.
 */
export function pickChannel(energy: readonly ChannelEnergy[], current: SubGhzChannel | null, marginDb = CHANNEL_CHANGE_MARGIN_DB): ChannelEnergy | undefined {
  const sorted = [...energy].sort((a, b) => a.maxRssi - b.maxRssi || a.channel.page - b.channel.page || a.channel.channel - b.channel.channel);
  const best = sorted[0];
  if (!best) return undefined;
  const now = current ? energy.find((e) => sameChannel(e.channel, current)) : undefined;
  if (current && sameChannel(best.channel, current)) return undefined;
  if (now && now.maxRssi - best.maxRssi < marginDb) return undefined;
  return best;
}

export function channelValues(channels: readonly SubGhzChannel[]): number[] {
  return channels.map(encodeChannel);
}
