import type { ApsAddress, IncomingMessage, Radio } from './radio.js';
import { PROFILE } from './zcl/index.js';

/**
 * One cluster the hub serves on the HAN: the radio's messages for it (Smart Energy profile unless
 * told otherwise) go to `handle` between `start` and `stop`; `replyAddress` turns a request's
 * address around for the answer. The Time and OTA servers share this rather than each listening.
 */
export class ClusterListener {
  private readonly onMessage = (message: IncomingMessage): void => {
    if (message.profileId === this.profileId && message.clusterId === this.clusterId) this.handle(message);
  };

  constructor(
    private readonly radio: Radio,
    private readonly clusterId: number,
    private readonly handle: (message: IncomingMessage) => void,
    private readonly profileId: number = PROFILE.smartEnergy,
  ) {}

  start(): void {
    this.radio.on('message', this.onMessage);
  }

  stop(): void {
    this.radio.off('message', this.onMessage);
  }
}

/** Where the answer to `message` goes: its profile and cluster, the endpoints swapped. */
export function replyAddress(message: IncomingMessage): ApsAddress {
  return { profileId: message.profileId, clusterId: message.clusterId, sourceEndpoint: message.destinationEndpoint, destinationEndpoint: message.sourceEndpoint };
}
