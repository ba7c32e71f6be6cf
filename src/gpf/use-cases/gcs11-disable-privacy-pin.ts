/** GCS11: disable privacy PIN protection; sent to the GPF, it removes the privacy PIN that guards the householder's local views of the gas data. */
import { ZCL_STATUS } from '../../../hal/zcl/index.js';
import { CLUSTER_ID, type GbzComponent } from '../../gbcs/payload/gbz/index.js';
import { defineHandler, type HandlerContext, type UseCaseCommand, type UseCaseResult } from '../../use-case/index.js';
import { PinStoreError } from '../../security/pin-store.js';
import { commandComponents, defaultResponse, gbzPayload, gpfOf } from './gbz-answers.js';

/** The Device Management cluster's Request New Password Response (to the client). */
const REQUEST_NEW_PASSWORD_RESPONSE = 0x02;
/** ZCL password types: the consumer menu's password is the householder's privacy PIN. */
const PASSWORD_TYPE = { consumerMenu: 0x02 } as const;
/** SEC service 3.5: set or disable the privacy PIN. */
const SERVICE = '3.5';

/**
 * What the command asks, judged before anything changes. GCS11 only ever disables: the password
 * must be empty (a PIN never travels over the WAN) and apply now (3.5 has no future-dated form).
 */
function disableRequest(component: GbzComponent | undefined): number {
  if (!component || component.clusterId !== CLUSTER_ID.deviceManagement || component.zcl.commandId !== REQUEST_NEW_PASSWORD_RESPONSE) return ZCL_STATUS.malformedCommand;
  const body = component.body;
  if (body.kind !== 'command' || body.trailing) return ZCL_STATUS.malformedCommand;
  const { passwordType, password, implementationDateTime } = body.fields;
  if (passwordType !== PASSWORD_TYPE.consumerMenu) return ZCL_STATUS.invalidField;
  if (!Buffer.isBuffer(password) || password.length !== 0) return ZCL_STATUS.invalidField;
  if (implementationDateTime !== 0) return ZCL_STATUS.invalidValue;
  return ZCL_STATUS.success;
}

/**
 * The answer is a default response to the command (frame control 0x00, its sequence), as the RTDS
 * GCS11 has it from the GSME. The router has already authenticated the command, refused a replay
 * and checked the role (service 3.5: a supplier); the PIN store checks that role again and records
 * the removal in the Security Log. No privacy PIN set is already the state asked for: success.
 * A hub without a PIN store, or a store that cannot be written, answers a hardware failure (the
 * RTDS ERROR outcome) with nothing changed.
 */
export async function answerGcs11(context: HandlerContext, command: UseCaseCommand): Promise<UseCaseResult> {
  gpfOf(context);
  const pins = context.gpf?.pins;
  const components = commandComponents(command);
  const [component] = components;
  const reply = (status: number) => ({
    payload: gbzPayload([defaultResponse(CLUSTER_ID.deviceManagement, component?.zcl ?? { frameControl: 0, sequence: 0, commandId: REQUEST_NEW_PASSWORD_RESPONSE }, status, 0)]),
  });
  const checked = components.length === 1 ? disableRequest(component) : ZCL_STATUS.malformedCommand;
  if (checked !== ZCL_STATUS.success) return reply(checked);
  if (!pins) return reply(ZCL_STATUS.hardwareFailure);
  try {
    await pins.remove('privacy', { by: 'command', command: { role: command.remoteParty.role, service: SERVICE } }, 'gbcs');
  } catch (error) {
    if (error instanceof PinStoreError && error.code === 'PIN_NO_AUTHORITY') return reply(ZCL_STATUS.notAuthorized);
    context.logger.error({ err: error }, 'GCS11: the privacy PIN could not be removed');
    return reply(ZCL_STATUS.hardwareFailure);
  }
  return reply(ZCL_STATUS.success);
}

export const gcs11 = defineHandler({ useCase: 'GCS11', device: 'GPF', handle: answerGcs11 });
