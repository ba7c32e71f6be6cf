/** GCS16b: read the gas prepayment daily read log from the GPF's copy, one Get Prepay Snapshot per day asked for. */
import { ZCL_STATUS } from '../../../hal/zcl/index.js';
import { CLUSTER_ID, type GbzComponent } from '../../gbcs/payload/gbz/index.js';
import { PayloadError } from '../../gbcs/payload/index.js';
import { PayloadReader } from '../../gbcs/index.js';
import { defineHandler, type HandlerContext, type UseCaseCommand, type UseCaseResult } from '../../use-case/index.js';
import { fromZigbeeTime, toZigbeeTime } from '../../time/index.js';
import type { PrepaymentDailyRead } from '../index.js';
import { audienceOf, commandComponents, defaultResponse, encryptedComponent, FRAME, gbzPayload, GpfAnswerError, gpfOf, responseKey } from './gbz-answers.js';
import { GSME_MONEY_FORMAT } from './prepayment-registers.js';

/** Prepayment cluster: Get Prepay Snapshot (to the server) and Publish Prepay Snapshot (to the client). */
export const GET_PREPAY_SNAPSHOT = 0x07;
export const PUBLISH_PREPAY_SNAPSHOT = 0x01;
/** Snapshot payload type 0: the debt and credit status. */
const DEBT_CREDIT_STATUS = 0x00;

export interface PrepaySnapshotRequest {
  earliestStartTime: number;
  latestEndTime: number;
  snapshotOffset: number;
  snapshotCause: number;
}

/** The 13 octets of a Get Prepay Snapshot (ZCL, little-endian). Throws PayloadError. */
export function decodeSnapshotRequest(bytes: Buffer): PrepaySnapshotRequest {
  const reader = new PayloadReader(bytes);
  const request = {
    earliestStartTime: reader.uintLE(4, 'earliest start time'),
    latestEndTime: reader.uintLE(4, 'latest end time'),
    snapshotOffset: reader.uintLE(1, 'snapshot offset'),
    snapshotCause: reader.uintLE(4, 'snapshot cause'),
  };
  reader.finish('Get Prepay Snapshot');
  return request;
}

function int32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeInt32LE(value);
  return bytes;
}

function uint32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(value);
  return bytes;
}

const onWire = (pence: number) => Math.round(pence * GSME_MONEY_FORMAT.perPenny);

/**
 * One Publish Prepay Snapshot: id (the offset), time, how many were asked for (the RTDS reports
 * the number of days requested there), command 0 of 1, the cause asked for, payload type "debt
 * and credit status": accumulated debt, debts 1..3 remaining (1 and 2 the time debts, 3 the
 * payment debt), emergency credit and credit remaining.
 */
export function snapshotBytes(read: PrepaymentDailyRead, id: number, asked: number, cause: number): Buffer {
  return Buffer.concat([
    uint32(id),
    uint32(toZigbeeTime(read.at)),
    Buffer.of(asked, 0, 1),
    uint32(cause),
    Buffer.of(DEBT_CREDIT_STATUS),
    int32(onWire(read.accumulatedDebt)),
    uint32(onWire(read.timeDebts[0] ?? 0)),
    uint32(onWire(read.timeDebts[1] ?? 0)),
    uint32(onWire(read.paymentDebt)),
    int32(onWire(read.emergencyCreditBalance)),
    int32(onWire(read.meterBalance)),
  ]);
}

function requestOf(component: GbzComponent): PrepaySnapshotRequest | undefined {
  if (component.clusterId !== CLUSTER_ID.prepayment || component.zcl.commandId !== GET_PREPAY_SNAPSHOT || component.body.kind !== 'raw') return undefined;
  try {
    return decodeSnapshotRequest(component.body.bytes);
  } catch (error) {
    if (error instanceof PayloadError) return undefined;
    throw error;
  }
}

/**
 * Each component asks for the snapshot at its offset among the daily reads taken between its two
 * times, oldest first (as the RTDS GCS16b answers offsets 0 and 1 with the earlier and the later
 * day). A found one is answered encrypted; one not held with NOT_FOUND in clear; one that is not a
 * Get Prepay Snapshot with MALFORMED_COMMAND. `counter` is the KDF counter when the response
 * carries the GPF's own (an unknown remote party); otherwise the command's.
 */
export async function answerGcs16b(context: HandlerContext, command: UseCaseCommand, counter?: bigint): Promise<UseCaseResult> {
  const gpf = gpfOf(context);
  const components = commandComponents(command);
  const audience = audienceOf(command);
  const key = await responseKey(context, command, counter);
  const answers: GbzComponent[] = [];
  let encrypted = 0;
  for (const [i, component] of components.entries()) {
    const last = i === components.length - 1;
    const request = requestOf(component);
    const from = request && fromZigbeeTime(request.earliestStartTime);
    const to = request && fromZigbeeTime(request.latestEndTime);
    const reads = from === undefined || to === undefined ? [] : await gpf.data.prepaymentDailyReadLog(audience, { from, to: to + 1 });
    const read = request && reads[request.snapshotOffset];
    let answer: GbzComponent;
    if (!request) answer = defaultResponse(component.clusterId, component.zcl, ZCL_STATUS.malformedCommand);
    else if (!read) answer = defaultResponse(component.clusterId, component.zcl, ZCL_STATUS.notFound);
    else {
      const zcl = { frameControl: FRAME.toClient | FRAME.disableDefaultResponse | FRAME.clusterSpecific, sequence: component.zcl.sequence, commandId: PUBLISH_PREPAY_SNAPSHOT };
      const body = { kind: 'raw' as const, bytes: snapshotBytes(read, request.snapshotOffset, components.length, request.snapshotCause) };
      answer = encryptedComponent(component.clusterId, zcl, body, key, context.identity.gpf, last, encrypted++);
    }
    answers.push({ ...answer, control: (answer.control & ~0x01) | (last ? 0x01 : 0) });
  }
  return { payload: gbzPayload(answers) };
}

/**
 * A remote party the hub holds no certificate for travels with its Key Agreement certificate (an
 * unknown remote party): the answer is then keyed with the GPF's own next counter, which the
 * response carries, as the RTDS GCS16b URP response does.
 */
export const gcs16b = defineHandler({
  useCase: 'GCS16b',
  device: 'GPF',
  async handle(context, command) {
    if (!command.header.supplementary?.keyAgreementCertificate) return answerGcs16b(context, command);
    if (!context.nextOwnCounter) throw new GpfAnswerError('NO_OWN_COUNTER', 'no own counter to key an unknown remote party\'s answer with', { where: 'GPF' });
    const counter = await context.nextOwnCounter();
    return { ...(await answerGcs16b(context, command, counter)), supplementaryOriginatorCounter: counter };
  },
});
