import { EventEmitter } from 'node:events';
import { silentLogger, type Logger } from '../../hal/log.js';
import { ClusterListener, replyAddress } from '../../hal/cluster-listener.js';
import type { DeliveryOutcome, Eui64, IncomingMessage, Radio } from '../../hal/radio.js';
import {
  CLUSTER,
  GLOBAL_COMMAND,
  ZCL_STATUS,
  ZclError,
  dataType,
  decodeReadAttributes,
  decodeZclFrame,
  encodeDefaultResponse,
  encodeReadAttributesResponse,
  encodeZclFrame,
  type ReadAttributeRecord,
  type ZclHeader,
} from '../../hal/zcl/index.js';
import { TIME_ATTRIBUTES } from './attributes.js';
import type { HubTime } from './hub-time.js';

/**
 * The hub as the HAN's Time cluster server: Read Attributes requests on the Smart Energy profile
 * get a Read Attributes Response from HubTime's values; anything else addressed to the cluster
 * gets the Default Response ZCL prescribes. Frames too short to answer are dropped and reported.
 */
export interface TimeServerEvents {
  answered: [request: { eui64: Eui64; sequence: number; commandId: number; status: number }];
  /** A frame that could not be answered at all (no readable header). */
  dropped: [request: { eui64: Eui64; reason: string }];
  sendFailed: [failure: { eui64: Eui64; outcome: DeliveryOutcome }];
}

const BY_ID = new Map<number, (typeof TIME_ATTRIBUTES)[number]>(TIME_ATTRIBUTES.map((a) => [a.id, a]));

export class TimeClusterServer extends EventEmitter<TimeServerEvents> {
  private readonly listener: ClusterListener;

  constructor(
    private readonly radio: Radio,
    private readonly time: HubTime,
    private readonly logger: Logger = silentLogger,
  ) {
    super();
    this.listener = new ClusterListener(radio, CLUSTER.time, (message) => {
      this.answer(message).catch((error: unknown) => this.logger.warn({ err: error, eui64: message.eui64 }, 'time cluster answer failed'));
    });
  }

  start(): void {
    this.listener.start();
  }

  stop(): void {
    this.listener.stop();
  }

  /** The reply's payload for one request (undefined when none is due), sent back through the radio. */
  async answer(message: IncomingMessage): Promise<Buffer | undefined> {
    const reply = this.reply(message);
    if (!reply) return undefined;
    const outcome = await this.radio.send(message.eui64, replyAddress(message), reply);
    if (!outcome.delivered) this.emit('sendFailed', { eui64: message.eui64, outcome });
    return reply;
  }

  private reply(message: IncomingMessage): Buffer | undefined {
    let header: ZclHeader;
    let payload: Buffer;
    try {
      ({ header, payload } = decodeZclFrame(message.payload));
    } catch (error) {
      this.emit('dropped', { eui64: message.eui64, reason: error instanceof ZclError ? error.message : String(error) });
      return undefined;
    }
    // Responses and reports from the device are not ours to answer.
    if (header.direction !== 'clientToServer') return undefined;
    const respond = (commandId: number, body: Buffer, status: number): Buffer => {
      this.emit('answered', { eui64: message.eui64, sequence: header.sequence, commandId: header.commandId, status });
      const responseHeader: ZclHeader = { frameType: 'global', direction: 'serverToClient', disableDefaultResponse: true, sequence: header.sequence, commandId };
      return encodeZclFrame({ header: responseHeader, payload: body });
    };
    const refuse = (status: number) => respond(GLOBAL_COMMAND.defaultResponse, encodeDefaultResponse(header.commandId, status), status);
    if (header.manufacturerCode !== undefined) return refuse(ZCL_STATUS.unsupportedManufacturerGeneralCommand);
    // The Time cluster has no cluster-specific commands.
    if (header.frameType === 'cluster') return refuse(ZCL_STATUS.unsupportedClusterCommand);
    if (header.commandId !== GLOBAL_COMMAND.readAttributes) return refuse(ZCL_STATUS.unsupportedGeneralCommand);
    let ids: number[];
    try {
      ids = decodeReadAttributes(payload);
    } catch {
      return refuse(ZCL_STATUS.malformedCommand);
    }
    return respond(GLOBAL_COMMAND.readAttributesResponse, encodeReadAttributesResponse(this.records(ids)), ZCL_STATUS.success);
  }

  private records(ids: number[]): ReadAttributeRecord[] {
    const values = this.time.attributes();
    return ids.map((attributeId) => {
      const attribute = BY_ID.get(attributeId);
      if (!attribute) return { attributeId, status: ZCL_STATUS.unsupportedAttribute };
      return { attributeId, status: ZCL_STATUS.success, dataType: dataType(attribute.type).id, value: values[attribute.name] };
    });
  }
}
