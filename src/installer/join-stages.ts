import type { Eui64 } from '../../hal/radio.js';
import type { JoinPhase, WhitelistOrigin } from '../chf/index.js';

/**
 * What an installer sees of a Device joining the HAN, in the order it happens, and the ways it
 * fails, each in the words the terminal and the page print. One table per fact: the stages, the
 * failures, the join window's halves.
 */

export const JOIN_STAGE_WORDS = {
  whitelisted: 'whitelisted',
  windowOpened: 'join window open',
  windowHalf: 'join window half',
  heard: 'heard on the network',
  linkKeyEstablished: 'trust-centre link key established',
  cs14AlertSent: 'CS14 alert sent',
  firstMessage: 'first GBCS message relayed',
  failed: 'failed',
  removed: 'removed from the CHF Device Log',
} as const;
export type JoinStage = keyof typeof JOIN_STAGE_WORDS;

export const JOIN_FAILURE_WORDS = {
  wrongInstallCode: 'wrong install code: the Device does not hold the key its install code gives',
  notWhitelisted: 'not whitelisted: the Device is not in the CHF Device Log',
  windowClosed: 'join window closed before the Device joined',
  keyEstablishmentFailed: 'key establishment failed',
  radioFailed: 'the radio would not open the join window',
} as const;
export type JoinFailure = keyof typeof JOIN_FAILURE_WORDS;

/** CCS01's two halves: a Device with history first resumes with its old key, then joins with its install code. */
export const JOIN_PHASE_WORDS: Readonly<Record<JoinPhase, string>> = {
  historicKey: 'first half: historic TC link key',
  installCode: 'second half: install code',
};

export const WHITELIST_ORIGIN_WORDS: Readonly<Record<WhitelistOrigin, string>> = {
  CCS01: "by its supplier's CCS01",
  local: 'by a local add at the hub',
};

/** One half of a join window, in the hub's clock (ms since the epoch). */
export interface JoinHalf {
  phase: JoinPhase;
  opensAt: number;
  closesAt: number;
}

type StageDetail =
  | { stage: 'whitelisted'; by: WhitelistOrigin }
  | { stage: 'windowOpened'; halves: JoinHalf[] }
  | { stage: 'windowHalf'; phase: JoinPhase; closesAt: number }
  | { stage: 'heard' }
  | { stage: 'linkKeyEstablished'; resumedWithHistoricKey: boolean }
  | { stage: 'cs14AlertSent'; counter: string }
  | { stage: 'firstMessage'; direction: 'fromDevice' | 'toDevice' }
  /** `final`: the attempt is over; a failure in the historic-key half leaves the install-code half to come. */
  | { stage: 'failed'; failure: JoinFailure; detail: string; final: boolean }
  | { stage: 'removed' };

export type JoinProgressEvent = { eui64: Eui64; at: number } & StageDetail;

/** How a journey stands: still going, or how it ended. */
export type JourneyState = 'waiting' | 'joined' | 'talking' | 'failed' | 'removed';

export interface JoinJourney {
  eui64: Eui64;
  deviceType?: string;
  state: JourneyState;
  /** Every stage reached in this attempt, oldest first. */
  steps: JoinProgressEvent[];
}

/** The words for one step, e.g. for a terminal line. */
export function describeStep(step: JoinProgressEvent): string {
  switch (step.stage) {
    case 'whitelisted':
      return `${JOIN_STAGE_WORDS.whitelisted} ${WHITELIST_ORIGIN_WORDS[step.by]}`;
    case 'windowOpened':
      return `${JOIN_STAGE_WORDS.windowOpened}: ${step.halves.map((h) => `${JOIN_PHASE_WORDS[h.phase]} ${Math.round((h.closesAt - h.opensAt) / 1000)} s`).join(', then ')}`;
    case 'windowHalf':
      return `join window ${JOIN_PHASE_WORDS[step.phase]}`;
    case 'linkKeyEstablished':
      return step.resumedWithHistoricKey ? `${JOIN_STAGE_WORDS.linkKeyEstablished} (resumed with its historic key)` : JOIN_STAGE_WORDS.linkKeyEstablished;
    case 'firstMessage':
      return `${JOIN_STAGE_WORDS.firstMessage} (${step.direction === 'fromDevice' ? 'from the Device' : 'to the Device'})`;
    case 'failed':
      return `${step.final ? 'FAILED' : 'not yet'}: ${JOIN_FAILURE_WORDS[step.failure]}${step.detail ? ` (${step.detail})` : ''}`;
    default:
      return JOIN_STAGE_WORDS[step.stage];
  }
}
