/** GCS14: read the gas prepayment registers (credit, emergency credit, debts) from the GPF's copy, with the currency they are in. */
import { ZCL_STATUS } from '../../../hal/zcl/index.js';
import { CLUSTER_ID, type GbzComponent } from '../../gbcs/payload/gbz/index.js';
import { defineHandler, type HandlerContext, type UseCaseCommand, type UseCaseResult } from '../../use-case/index.js';
import { audienceOf, commandComponents, defaultResponse, encryptedComponent, FRAME, gbzPayload, gpfOf, readingDateTime, responseKey, ZCL_COMMAND } from './gbz-answers.js';
import { moneyRecord, PREPAYMENT_ATTRIBUTES, PRICE_ATTRIBUTES } from './prepayment-registers.js';

const isRead = (component: GbzComponent, clusterId: number) => component.clusterId === clusterId && component.body.kind === 'read-attributes';

/**
 * A Price read (the currency format, sent in clear) and a Prepayment read (the money, encrypted for
 * the remote party), each answered in its own component with the command's sequence number and
 * frame control 0x08, as the RTDS GCS14 responses are; dated with the reading. No prepayment copy:
 * NOT_FOUND. Any other shape: MALFORMED_COMMAND.
 */
export async function answerGcs14(context: HandlerContext, command: UseCaseCommand): Promise<UseCaseResult> {
  const gpf = gpfOf(context);
  const components = commandComponents(command);
  const [price, prepayment] = components;
  if (components.length !== 2 || !price || !prepayment || !isRead(price, CLUSTER_ID.price) || !isRead(prepayment, CLUSTER_ID.prepayment)) {
    const first = components[0]!;
    return { payload: gbzPayload([defaultResponse(first.clusterId, first.zcl, ZCL_STATUS.malformedCommand)]) };
  }
  const registers = await gpf.data.prepaymentRegisters(audienceOf(command));
  if (!registers) return { payload: gbzPayload([defaultResponse(prepayment.clusterId, prepayment.zcl, ZCL_STATUS.notFound)]) };
  const reading = await gpf.data.readRegisters(audienceOf(command));
  const ids = (component: GbzComponent) => (component.body.kind === 'read-attributes' ? component.body.attributeIds : []);
  const zcl = (component: GbzComponent) => ({ frameControl: FRAME.toClient, sequence: component.zcl.sequence, commandId: ZCL_COMMAND.readAttributesResponse });
  const priceAnswer: GbzComponent = {
    control: 0,
    clusterId: CLUSTER_ID.price,
    zcl: zcl(price),
    body: { kind: 'read-attributes-response', records: ids(price).map((id) => moneyRecord(PRICE_ATTRIBUTES, id, registers)) },
  };
  const records = ids(prepayment).map((id) => moneyRecord(PREPAYMENT_ATTRIBUTES, id, registers));
  const key = await responseKey(context, command);
  const prepaymentAnswer = encryptedComponent(CLUSTER_ID.prepayment, zcl(prepayment), { kind: 'read-attributes-response', records }, key, context.identity.gpf, true);
  return { payload: gbzPayload([priceAnswer, prepaymentAnswer]), dateTime: readingDateTime(registers.at, reading?.timeSource) };
}

export const gcs14 = defineHandler({ useCase: 'GCS14', device: 'GPF', handle: answerGcs14 });
