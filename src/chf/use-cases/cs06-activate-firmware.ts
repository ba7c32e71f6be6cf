// CS06: activate an image the hub holds for itself, now or at a date-time (9999-12-31T23:59:59 cancels); a CS06 for a meter or the PPMID is relayed.
import { HubError } from '../../../hal/errors.js';
import { messageCodesFor } from '../../gbcs/index.js';
import { activateFirmwareAlert, activateFirmwareCommand, activateFirmwareResponse, decodeAsn1, encodeAsn1, type ActivateFirmwareCommand } from '../../gbcs/payload/asn1/index.js';
import { ACTIVATION_RESPONSE, type ActivationOutcome } from '../../firmware/index.js';
import { defineHandler, type AlertSink, type HubIdentity } from '../../use-case/index.js';
import { HUB_EVENTS } from '../../logs/index.js';

const ACTIVATION_ALERT_CODE = messageCodesFor('CS06').find((code) => code === 0x00ca)!;

export const cs06 = defineHandler({
  useCase: 'CS06',
  device: 'CHF',
  decodeCommand: (payload) => decodeAsn1(activateFirmwareCommand, payload),
  async handle(context, command) {
    const { manufacturerImageHash, executionDateTime } = command.payload.view?.value as ActivateFirmwareCommand;
    const own = context.chf.ownImage;
    if (!own) return { payload: encodeAsn1(activateFirmwareResponse, { responseCode: ACTIVATION_RESPONSE.noImageHeld, firmwareVersion: Buffer.alloc(4) }) };
    const at = executionDateTime?.getTime();
    const result = await own.activate(manufacturerImageHash.toString('hex'), at, { counter: command.header.originatorCounter, by: command.header.originator });
    if (result.kind !== 'outcome') return { payload: encodeAsn1(activateFirmwareResponse, null) };
    if (result.error !== undefined) context.logger.warn({ err: result.error }, 'CS06: the hub could not activate the image');
    if (result.error !== undefined && !(result.error instanceof HubError)) throw result.error;
    return { payload: encodeAsn1(activateFirmwareResponse, { responseCode: result.response, firmwareVersion: result.runningVersion }) };
  },
});

/** The alert a future-dated CS06 raises at its time: 0x8F66 when the image runs, 0x8F67 when not, with the CS06's counter. */
export function cs06AlertPayload(outcome: ActivationOutcome & { runningVersion: Buffer }): Buffer {
  const succeeded = outcome.response === ACTIVATION_RESPONSE.success;
  return encodeAsn1(activateFirmwareAlert, {
    alertCode: succeeded ? HUB_EVENTS.futureDatedCommandActioned.code : HUB_EVENTS.futureDatedCommandNotActioned.code,
    executionDateTime: new Date(Math.floor(outcome.at / 1000) * 1000),
    originatorCounter: Number(outcome.origin?.counter ?? 0n),
    outcome: { responseCode: outcome.response, firmwareVersion: outcome.runningVersion },
  });
}

/** Raise it, signed by the CHF as the RTDS alert is. */
export function raiseCs06Alert(alerts: AlertSink, identity: Pick<HubIdentity, 'chf'>, outcome: ActivationOutcome & { runningVersion: Buffer }): void {
  const payload = cs06AlertPayload(outcome);
  // To the party that asked for it, as the RTDS alert goes to the supplier that sent the CS06.
  alerts.raise({ originator: identity.chf, messageCode: ACTIVATION_ALERT_CODE, signed: true, ...(outcome.origin ? { recipient: outcome.origin.by } : {}), payload: () => payload });
}
