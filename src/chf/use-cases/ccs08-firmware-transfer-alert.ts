/** CCS08: the CHF reports how a firmware transfer to a HAN Device ended: image discarded, hardware version mismatch, transfer failed, or succeeded. */
import type { EventEmitter } from 'node:events';
import { HubError } from '../../../hal/errors.js';
import { isEui64 } from '../../../hal/eui64.js';
import type { Eui64 } from '../../../hal/radio.js';
import { messageCodesFor, encodeAsn1, firmwareTransferAlert } from '../../gbcs/index.js';
import type { AlertSink, HubIdentity } from '../../use-case/index.js';
import { HUB_EVENTS } from '../../logs/index.js';

/** The four causes and the Response Code the alert carries for each (as GBCS and the RTDS number them). */
export const FIRMWARE_TRANSFER_OUTCOMES = {
  transferSucceeded: 0,
  imageDiscarded: 1,
  hardwareVersionMismatch: 2,
  transferFailed: 3,
} as const;
export type FirmwareTransferOutcome = keyof typeof FIRMWARE_TRANSFER_OUTCOMES;

/** What the firmware layer reports when a transfer to a Device ends. */
export interface FirmwareTransferEvent {
  /** UTC ms the outcome was known. */
  at: number;
  /** The Device the image was for. */
  target: Eui64;
  /** The image's firmware version, as the OTA header gives it. */
  firmwareVersion: Buffer;
  outcome: FirmwareTransferOutcome;
}

export interface FirmwareTransferEvents {
  transferEnded: [event: FirmwareTransferEvent];
}

export class FirmwareAlertError extends HubError {}

const [CCS08_MESSAGE_CODE] = messageCodesFor('CCS08');

/** Success raises 0x8F8A, every failure 0x8F89 (its Response Code says which). */
export function ccs08AlertCode(outcome: FirmwareTransferOutcome): number {
  return outcome === 'transferSucceeded' ? HUB_EVENTS.firmwareTransferSucceeded.code : HUB_EVENTS.firmwareTransferFailed.code;
}

function check(event: FirmwareTransferEvent): void {
  if (typeof event !== 'object' || event === null) throw new FirmwareAlertError('BAD_EVENT', 'expected a firmware transfer event', { where: 'event' });
  if (!Object.hasOwn(FIRMWARE_TRANSFER_OUTCOMES, event.outcome)) throw new FirmwareAlertError('BAD_EVENT', `"${String(event.outcome)}" is not a firmware transfer outcome`, { where: 'event.outcome' });
  if (typeof event.target !== 'string' || !isEui64(event.target)) throw new FirmwareAlertError('BAD_EVENT', 'needs an EUI-64 of 16 upper-case hex digits', { where: 'event.target' });
  if (!Buffer.isBuffer(event.firmwareVersion)) throw new FirmwareAlertError('BAD_EVENT', 'needs the firmware version as octets', { where: 'event.firmwareVersion' });
  if (!Number.isSafeInteger(event.at) || event.at < 0) throw new FirmwareAlertError('BAD_EVENT', 'needs a UTC time in ms', { where: 'event.at' });
}

/** The alert payload (ASN.1): alert code, when, the target Device, the version and the Response Code. */
export function ccs08Payload(event: FirmwareTransferEvent): Buffer {
  check(event);
  return encodeAsn1(firmwareTransferAlert, {
    alertCode: ccs08AlertCode(event.outcome),
    // GBCS date-times are whole seconds; the event's time is the Clock's, in ms.
    executionDateTime: new Date(Math.floor(event.at / 1000) * 1000),
    entityId: event.target,
    firmwareVersion: event.firmwareVersion,
    responseCode: FIRMWARE_TRANSFER_OUTCOMES[event.outcome],
  });
}

/** Raise CCS08 for one outcome; it travels signed by the CHF (no MAC), as the RTDS alert does. A malformed event raises nothing. */
export function raiseCcs08(alerts: AlertSink, identity: Pick<HubIdentity, 'chf'>, event: FirmwareTransferEvent): void {
  const payload = ccs08Payload(event);
  alerts.raise({ originator: identity.chf, messageCode: CCS08_MESSAGE_CODE!, signed: true, payload: () => payload });
}

/** Raise CCS08 for every transfer the firmware layer reports; returns the unsubscribe. */
export function watchFirmwareTransfers(
  source: EventEmitter<FirmwareTransferEvents>,
  identity: Pick<HubIdentity, 'chf'>,
  alerts: AlertSink,
  onError: (error: unknown) => void,
): () => void {
  const onEnded = (event: FirmwareTransferEvent): void => {
    try {
      raiseCcs08(alerts, identity, event);
    } catch (error) {
      onError(error);
    }
  };
  source.on('transferEnded', onEnded);
  return () => source.off('transferEnded', onEnded);
}
