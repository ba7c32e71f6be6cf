import type { Eui64 } from '../../hal/radio.js';
import type { SubGhzChannel } from './channel.js';
import type { SubGhzConfiguration } from './configuration.js';
import type { SUB_GHZ_ALERTS } from './constants.js';
import type { DutyCycleLevel, PauseCause } from './duty-cycle.js';

/**
 * What the Sub GHz CHF reports upward. One event per DBCH06..DBCH11 alert, each carrying the
 * alert code and what the alert's payload needs; the hub turns them into GBCS alerts (the alert's
 * date-time is `at`). The other events are for the hub's own logs and the HAN layer.
 */
type Alerts = typeof SUB_GHZ_ALERTS;

export type ScanRefusal =
  /** The last scan was less than the configured minimum interval ago. */
  | 'tooSoon'
  /** The hub is Critical or Regulated: a scan and the channel-change notices would need airtime it must not use. */
  | 'dutyCycle'
  | 'scanInProgress';

export type ScanAssessment = { outcome: 'accepted' } | { outcome: 'refused'; reason: ScanRefusal };

/** The command a paused Device was to receive, as the remote party knows it. */
export interface DiscardedCommand {
  messageCode: number;
  originatorCounter: bigint;
  /** Who sent it: DBCH10 names the Remote Party (the supplementary one when the ACB relays for it). */
  remoteParty?: Eui64;
}

export interface SubGhzEvents {
  /** DBCH06: the hub told a Device to pause (its own limit, or the hub's Limited state chose it). */
  dutyCycleActionTaken: [alert: { alertCode: Alerts['limitedDutyCycleActionTaken']; at: number; eui64: Eui64 }];
  /** DBCH07: the hub now operates on `channel`. */
  channelChanged: [alert: { alertCode: Alerts['channelChanged']; at: number; channel: SubGhzChannel }];
  /** DBCH08: the outcome of assessing a channel scan request (DBCH05). */
  scanRequestAssessed: [alert: { alertCode: Alerts['scanRequestAssessed']; at: number; assessment: ScanAssessment }];
  /** DBCH09: the Sub GHz Configuration changed; carries the whole new configuration. */
  configurationChanged: [alert: { alertCode: Alerts['configurationChanged']; at: number; configuration: SubGhzConfiguration }];
  /** DBCH10: a Remote Party command to a paused Device was discarded. */
  commandDiscarded: [alert: { alertCode: Alerts['messageDiscardedDutyCycle']; at: number; eui64: Eui64; command: DiscardedCommand }];
  /** DBCH11: a Device was not let join at Sub GHz: the hub is at capacity. */
  capacityExhausted: [alert: { alertCode: Alerts['noMoreSubGhzCapacity']; at: number; eui64: Eui64 }];

  /** The hub's own duty-cycle level moved across one boundary; `alertCode` where GBCS has one for it. */
  dutyCycleLevelChanged: [change: { at: number; from: DutyCycleLevel; to: DutyCycleLevel; alertCode?: number }];
  /** A Device must pause until `until` (the HAN layer sends it Suspend ZCL Messages). */
  devicePaused: [pause: { at: number; eui64: Eui64; until: number; cause: PauseCause }];
  deviceResumed: [resume: { at: number; eui64: Eui64 }];
  /** A scan found a quieter channel but the frequency-agility limit kept the hub where it is (alert 0x8F2B). */
  channelKept: [notice: { alertCode: Alerts['channelNotChangedFrequencyAgility']; at: number; quieter: SubGhzChannel }];
  /** Something the Sub GHz state started on its own (a timer) failed. */
  failed: [failure: { doing: string; error: Error }];
}
