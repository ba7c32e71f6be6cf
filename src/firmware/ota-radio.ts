import { EventEmitter } from 'node:events';
import { silentLogger, type Logger } from '../../hal/log.js';
import { ClusterListener, replyAddress } from '../../hal/cluster-listener.js';
import type { ApsAddress, DeliveryOutcome, Eui64, IncomingMessage, Radio } from '../../hal/radio.js';
import { decodeZclFrame, encodeZclFrame, PROFILE } from '../../hal/zcl/index.js';
import { OTA_CLUSTER_ID, OTA_COMMANDS } from '../../hal/zcl/ota-cluster.js';
import type { OtaServer } from './ota-server.js';

/**
 * The OTA Upgrade cluster server on the HAN: cluster commands a Device sends to 0x0019 on the Smart
 * Energy profile go to the OtaServer, and its replies go back over the radio with the request's
 * sequence number. Image Notify tells a Device an image waits for it.
 */
export interface OtaRadioEvents {
  answered: [request: { eui64: Eui64; commandId: number; reply?: string }];
  dropped: [request: { eui64: Eui64; reason: string }];
  sendFailed: [failure: { eui64: Eui64; outcome: DeliveryOutcome }];
}

export const OTA_ENDPOINT = 1;

export class OtaRadioService extends EventEmitter<OtaRadioEvents> {
  private sequence = 0;
  private readonly listener: ClusterListener;

  constructor(
    private readonly radio: Radio,
    private readonly server: OtaServer,
    private readonly logger: Logger = silentLogger,
  ) {
    super();
    this.listener = new ClusterListener(radio, OTA_CLUSTER_ID, (message) => {
      this.answer(message).catch((error: unknown) => this.emit('dropped', { eui64: message.eui64, reason: error instanceof Error ? error.message : String(error) }));
    });
  }

  start(): void {
    this.listener.start();
  }

  stop(): void {
    this.listener.stop();
  }

  /** Offer a held image to a Device and tell it so with Image Notify. */
  async offer(eui64: Eui64, imageHash: string): Promise<DeliveryOutcome> {
    const payload = await this.server.offer(eui64, imageHash);
    this.sequence = (this.sequence + 1) & 0xff;
    const frame = encodeZclFrame({ header: { frameType: 'cluster', direction: 'serverToClient', disableDefaultResponse: true, sequence: this.sequence, commandId: OTA_COMMANDS.imageNotify.id }, payload });
    return this.send(eui64, { profileId: PROFILE.smartEnergy, clusterId: OTA_CLUSTER_ID, sourceEndpoint: OTA_ENDPOINT, destinationEndpoint: OTA_ENDPOINT }, frame);
  }

  private async answer(message: IncomingMessage): Promise<void> {
    const { header, payload } = decodeZclFrame(message.payload);
    if (header.frameType !== 'cluster' || header.direction !== 'clientToServer') return;
    const reply = await this.server.handle(message.eui64, header.commandId, payload);
    this.emit('answered', { eui64: message.eui64, commandId: header.commandId, ...(reply ? { reply: reply.name } : {}) });
    if (!reply) return;
    const frame = encodeZclFrame({ header: { frameType: 'cluster', direction: 'serverToClient', disableDefaultResponse: true, sequence: header.sequence, commandId: OTA_COMMANDS[reply.name].id }, payload: reply.payload });
    await this.send(message.eui64, replyAddress(message), frame);
  }

  private async send(eui64: Eui64, address: ApsAddress, frame: Buffer): Promise<DeliveryOutcome> {
    const outcome = await this.radio.send(eui64, address, frame);
    if (!outcome.delivered) {
      this.logger.warn({ eui64, reason: outcome.reason }, 'OTA frame not delivered');
      this.emit('sendFailed', { eui64, outcome });
    }
    return outcome;
  }
}
