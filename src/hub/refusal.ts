import { HubError } from '../../hal/errors.js';
import { HUB_EVENTS } from '../logs/index.js';

/**
 * Why the hub refused a message, and what it records. GBCS has a Device discard what it cannot
 * authenticate, replays and commands from a party without the authority: no response goes back
 * (that would be an oracle), and those that look like attacks go to the Security Log.
 */
export type RefusalReason =
  | 'MALFORMED'
  | 'NOT_A_COMMAND'
  | 'UNKNOWN_RECIPIENT'
  | 'MAC_INVALID'
  | 'SIGNATURE_INVALID'
  | 'SIGNATURE_MISSING'
  | 'NO_CREDENTIAL'
  | 'UNKNOWN_MESSAGE_CODE'
  | 'WRONG_DEVICE'
  | 'REPLAYED'
  | 'UNKNOWN_PARTY'
  | 'ROLE_NOT_ALLOWED'
  | 'NO_HANDLER'
  | 'PAYLOAD_INVALID'
  | 'HANDLER_FAILED';

/**
 * Refusals made before the message proved it came from a trusted party (its MAC or signature):
 * anyone can cause them, so they share a small budget in the Security Log. The rest (a replay, a
 * role without the authority...) come from a party the hub trusts and keep a budget of their own.
 */
export const UNAUTHENTICATED_REFUSALS: ReadonlySet<RefusalReason> = new Set<RefusalReason>([
  'MALFORMED',
  'NOT_A_COMMAND',
  'UNKNOWN_RECIPIENT',
  'MAC_INVALID',
  'SIGNATURE_INVALID',
  'NO_CREDENTIAL',
]);

/** The Security Log code each refusal records; absent where it is no attack (the hub's own gap or fault). */
export const REFUSAL_SECURITY_EVENT: Readonly<Record<RefusalReason, number | undefined>> = {
  MALFORMED: HUB_EVENTS.commandIntegrityFailed.code,
  NOT_A_COMMAND: HUB_EVENTS.unauthorisedCommunicationAccess.code,
  UNKNOWN_RECIPIENT: HUB_EVENTS.unauthorisedCommunicationAccess.code,
  MAC_INVALID: HUB_EVENTS.trustedSourceAuthenticationFailure.code,
  SIGNATURE_INVALID: HUB_EVENTS.trustedSourceAuthenticationFailure.code,
  SIGNATURE_MISSING: HUB_EVENTS.trustedSourceAuthenticationFailure.code,
  NO_CREDENTIAL: HUB_EVENTS.failedAuthentication.code,
  UNKNOWN_MESSAGE_CODE: HUB_EVENTS.commandIntegrityFailed.code,
  WRONG_DEVICE: HUB_EVENTS.commandIntegrityFailed.code,
  REPLAYED: HUB_EVENTS.replayDetected.code,
  UNKNOWN_PARTY: HUB_EVENTS.sourceLacksAuthority.code,
  ROLE_NOT_ALLOWED: HUB_EVENTS.sourceLacksAuthority.code,
  NO_HANDLER: undefined,
  PAYLOAD_INVALID: HUB_EVENTS.commandIntegrityFailed.code,
  HANDLER_FAILED: undefined,
};

export class Refusal extends HubError {
  declare readonly code: RefusalReason;

  constructor(reason: RefusalReason, message: string, options: { where?: string; cause?: unknown } = {}) {
    super(reason, message, options);
  }
}
