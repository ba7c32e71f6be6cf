/** GCS60: read the gas meter balance (credit remaining) from the GPF's copy. */
import { ZCL_STATUS } from '../../../hal/zcl/index.js';
import { CLUSTER_ID, type GbzComponent } from '../../gbcs/payload/gbz/index.js';
import { defineHandler, type HandlerContext, type UseCaseCommand, type UseCaseResult } from '../../use-case/index.js';
import { audienceOf, commandComponents, defaultResponse, FRAME, gbzPayload, gpfOf, readingDateTime, ZCL_COMMAND } from './gbz-answers.js';
import { moneyRecord, PREPAYMENT_ATTRIBUTES, type Attribute } from './prepayment-registers.js';

/** What GCS60 may read of the prepayment registers: the meter balance and the emergency credit balance. */
const METER_BALANCE_IDS = [0x0001, 0x0002];

/** What a meter balance read answers from the Metering cluster, and whether the answer is dated with the reading. */
export interface MeterBalanceRead {
  metering: readonly Attribute[];
  dated: boolean;
}

/** GCS60's copy holds no bill to date: that attribute is answered unsupported; the answer is undated. */
const GCS60_READ: MeterBalanceRead = { metering: [], dated: false };

/**
 * The command reads the Metering cluster's bill to date (0x0A00) and the Prepayment cluster's
 * credit remaining, in two components (as the RTDS GCS60 to the GSME does); each is answered in
 * clear with frame control 0x08 and the command's sequence, as the GSME answers it; the Metering
 * attributes from `variant`'s table. No prepayment copy: NOT_FOUND.
 */
export async function answerGcs60(context: HandlerContext, command: UseCaseCommand, variant: MeterBalanceRead = GCS60_READ): Promise<UseCaseResult> {
  const gpf = gpfOf(context);
  const components = commandComponents(command);
  const reads = components.every((c) => c.body.kind === 'read-attributes' && (c.clusterId === CLUSTER_ID.metering || c.clusterId === CLUSTER_ID.prepayment));
  if (!reads) return { payload: gbzPayload([defaultResponse(components[0]!.clusterId, components[0]!.zcl, ZCL_STATUS.malformedCommand)]) };
  const registers = await gpf.data.prepaymentRegisters(audienceOf(command));
  const last = components[components.length - 1]!;
  if (!registers) return { payload: gbzPayload([defaultResponse(last.clusterId, last.zcl, ZCL_STATUS.notFound)]) };
  const answer = (component: GbzComponent, i: number): GbzComponent => {
    const ids = component.body.kind === 'read-attributes' ? component.body.attributeIds : [];
    const records = component.clusterId === CLUSTER_ID.prepayment
      ? ids.map((id) => moneyRecord(PREPAYMENT_ATTRIBUTES, id, registers, METER_BALANCE_IDS))
      : ids.map((id) => moneyRecord(variant.metering, id, registers));
    return {
      control: i === components.length - 1 ? 0x01 : 0x00,
      clusterId: component.clusterId,
      zcl: { frameControl: FRAME.toClient, sequence: component.zcl.sequence, commandId: ZCL_COMMAND.readAttributesResponse },
      body: { kind: 'read-attributes-response', records },
    };
  };
  const payload = gbzPayload(components.map(answer));
  if (!variant.dated) return { payload };
  const reading = await gpf.data.readRegisters(audienceOf(command));
  return { payload, dateTime: readingDateTime(registers.at, reading?.timeSource) };
}

export const gcs60 = defineHandler({ useCase: 'GCS60', device: 'GPF', handle: answerGcs60 });
