/** GCS09: set the change-of-tenancy date on the GPF; from it on, the householder's view of the gas data starts there. */
import { ZCL_STATUS } from '../../../hal/zcl/index.js';
import { CLUSTER_ID, type GbzComponent } from '../../gbcs/payload/gbz/index.js';
import { defineHandler, type HandlerContext, type UseCaseCommand, type UseCaseResult } from '../../use-case/index.js';
import { fromZigbeeTime } from '../../time/index.js';
import { commandComponents, defaultResponse, gbzPayload, gpfOf } from './gbz-answers.js';

/** The Device Management cluster's Publish Change of Tenancy (to the client). */
const PUBLISH_CHANGE_OF_TENANCY = 0x00;
/** ZCL: an implementation time of zero means "now". */
const NOW = 0;

function changeOfTenancy(component: GbzComponent | undefined): { status: number; implementationDateTime?: number } {
  if (!component || component.clusterId !== CLUSTER_ID.deviceManagement || component.zcl.commandId !== PUBLISH_CHANGE_OF_TENANCY) return { status: ZCL_STATUS.malformedCommand };
  const body = component.body;
  if (body.kind !== 'command' || body.trailing) return { status: ZCL_STATUS.malformedCommand };
  const at = body.fields['implementationDateTime'];
  if (typeof at !== 'number') return { status: ZCL_STATUS.malformedCommand };
  return { status: ZCL_STATUS.success, implementationDateTime: at };
}

/**
 * The answer is a default response to the Publish Change of Tenancy, as the RTDS GCS09 has it
 * (frame control 0x00, the command's sequence). An unknown time (0xFFFFFFFF) is an invalid value;
 * a command that is not one Publish Change of Tenancy is malformed. Neither changes anything.
 */
export async function answerGcs09(context: HandlerContext, command: UseCaseCommand): Promise<UseCaseResult> {
  const gpf = gpfOf(context);
  const components = commandComponents(command);
  const [component] = components;
  const checked = components.length === 1 ? changeOfTenancy(component) : { status: ZCL_STATUS.malformedCommand };
  const reply = (status: number) => ({ payload: gbzPayload([defaultResponse(CLUSTER_ID.deviceManagement, component?.zcl ?? { frameControl: 0, sequence: 0, commandId: PUBLISH_CHANGE_OF_TENANCY }, status, 0)]) });
  if (checked.implementationDateTime === undefined) return reply(checked.status);
  const at = checked.implementationDateTime === NOW ? context.clock.now() : fromZigbeeTime(checked.implementationDateTime);
  if (at === undefined) return reply(ZCL_STATUS.invalidValue);
  await gpf.data.setChangeOfTenancy(at);
  return reply(ZCL_STATUS.success);
}

export const gcs09 = defineHandler({ useCase: 'GCS09', device: 'GPF', handle: answerGcs09 });
