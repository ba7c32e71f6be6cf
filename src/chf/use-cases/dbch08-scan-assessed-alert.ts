/** DBCH08: the outcome of assessing a Sub GHz channel scan request (DBCH05): accepted, or refused and why. */
import { octets, struct } from '../../gbcs/index.js';
import { SUB_GHZ_ALERTS, type ScanAssessment, type ScanRefusal } from '../../subghz/index.js';
import { dbchAlert } from './dbch-alert-format.js';

/**
 * The body is a structure of two one-octet strings: the outcome, then the reason. The RTDS
 * DBCH08 carries 00 00, read here as "accepted, no reason". The refusal codes are this hub's
 * numbering of the reasons the Sub GHz state gives, in the order it checks them.
 */
export const SCAN_OUTCOME = { accepted: 0, refused: 1 } as const;
export const SCAN_REFUSAL_REASON: Readonly<Record<ScanRefusal, number>> = { scanInProgress: 1, dutyCycle: 2, tooSoon: 3 };

const body = struct({ outcome: octets(1), reason: octets(1) });

export const DBCH08_ALERT = dbchAlert('DBCH08', SUB_GHZ_ALERTS.scanRequestAssessed, body);

export function assessmentBody(assessment: ScanAssessment): { outcome: Buffer; reason: Buffer } {
  if (assessment.outcome === 'accepted') return { outcome: Buffer.of(SCAN_OUTCOME.accepted), reason: Buffer.of(0) };
  return { outcome: Buffer.of(SCAN_OUTCOME.refused), reason: Buffer.of(SCAN_REFUSAL_REASON[assessment.reason]) };
}
