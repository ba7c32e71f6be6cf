import type { Eui64 } from '../../hal/radio.js';

/** The Sub GHz duty-cycle levels (src/subghz), as the pacing reads them. */
export type DutyCycleLevel = 'normal' | 'limited' | 'critical' | 'regulated';

/** What the pacing asks of the dual-band hub's Sub GHz state. */
export interface DutyCycleSource {
  dutyCycleLevel(): DutyCycleLevel;
  pauseOf(eui: Eui64): { until: number } | undefined;
}

/**
 * How fast the hub serves image blocks on a dual-band hub: the shorter the Sub GHz duty cycle left,
 * the longer a Device waits between blocks (WAIT_FOR_DATA with this minimum block period), so a
 * firmware transfer never spends the airtime GBCS commands and alerts need. A paused Device waits
 * out its pause. One row per duty-cycle level, in ms.
 */
export const OTA_BLOCK_PERIOD_MS: Readonly<Record<DutyCycleLevel, number>> = {
  normal: 0,
  limited: 2_000,
  critical: 10_000,
  regulated: 60_000,
};

export function otaPacing(subGhz: DutyCycleSource, now: () => number): (eui: Eui64) => number {
  return (eui) => {
    const pause = subGhz.pauseOf(eui);
    return Math.max(OTA_BLOCK_PERIOD_MS[subGhz.dutyCycleLevel()], pause ? pause.until - now() : 0);
  };
}
