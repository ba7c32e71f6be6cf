import type { MqttClient } from 'mqtt';
import type { Clock } from '../../hal/clock.js';
import type { Logger } from '../../hal/log.js';
import { WanError } from './errors.js';
import { gatherWrites } from './mqtt-client.js';
import type { Outbox, OutboxEntry } from './outbox.js';
import type { ProtocolVersion } from './settings.js';
import { TOPIC_LEAVES, USER_PROPERTY, type HubTopics } from './topics.js';

/**
 * Publishes the outbox, oldest first, QoS 1, with at most `window` messages awaiting their PUBACK.
 * One TCP connection keeps them in order; an acknowledged message leaves the outbox. A new
 * connection starts again from the oldest unacknowledged message, so after a loss the broker may
 * see a few messages twice (QoS 1 allows it; their GBCS counters tell them apart) but never out
 * of order and never one missing.
 */
export interface UpstreamPublisherOptions {
  outbox: Outbox;
  clock: Clock;
  topics: HubTopics;
  window: number;
  logger: Logger;
  onDelivered: (entry: OutboxEntry) => void;
  /** The broker refused a message or the connection broke under it: the owner drops the connection and retries. */
  onRefused: (error: WanError) => void;
}

export class UpstreamPublisher {
  private client: MqttClient | undefined;
  private version: ProtocolVersion = 5;
  private generation = 0;
  private limit = 1;
  private readonly inflight = new Set<number>();
  private readonly kick = () => this.drain();

  constructor(private readonly options: UpstreamPublisherOptions) {}

  attach(client: MqttClient, version: ProtocolVersion, receiveMaximum: number | undefined): void {
    this.detach();
    this.client = client;
    this.version = version;
    this.limit = Math.max(1, Math.min(this.options.window, receiveMaximum ?? Number.POSITIVE_INFINITY));
    this.options.outbox.on('appended', this.kick);
    this.drain();
  }

  /** Forget the connection; whatever was in flight goes again, in order, on the next one. */
  detach(): void {
    this.generation += 1;
    this.client = undefined;
    this.inflight.clear();
    this.options.outbox.off('appended', this.kick);
  }

  get inFlight(): number {
    return this.inflight.size;
  }

  private drain(): void {
    if (!this.client) return;
    for (const entry of this.options.outbox.queued()) {
      if (this.inflight.size >= this.limit) return;
      if (!this.inflight.has(entry.sequence)) this.send(this.client, entry);
    }
  }

  private send(client: MqttClient, entry: OutboxEntry): void {
    const remaining = this.remainingSeconds(entry);
    if (remaining !== undefined && remaining <= 0) {
      this.options.outbox.discardExpired(entry.sequence);
      return;
    }
    const { topics } = this.options;
    const topic = entry.kind === 'response' ? (entry.meta.responseTopic ?? topics.response) : topics[entry.kind];
    const generation = this.generation;
    this.inflight.add(entry.sequence);
    gatherWrites(client);
    client.publish(topic, entry.payload, { qos: 1, ...this.properties(entry, remaining) }, (error) => {
      if (generation !== this.generation) return;
      if (error) {
        this.options.onRefused(this.refusal(error, entry));
        return;
      }
      this.inflight.delete(entry.sequence);
      this.options.outbox.acknowledge(entry.sequence);
      this.options.onDelivered(entry);
      this.drain();
    });
  }

  private remainingSeconds(entry: OutboxEntry): number | undefined {
    const expiry = entry.meta.expirySeconds;
    if (expiry === undefined) return undefined;
    return expiry - Math.floor((this.options.clock.now() - entry.queuedAt) / 1000);
  }

  private properties(entry: OutboxEntry, remaining: number | undefined) {
    if (this.version !== 5) return {};
    const userProperties: Record<string, string> = { [USER_PROPERTY.kind]: entry.kind };
    if (entry.meta.source !== undefined) userProperties[USER_PROPERTY.source] = entry.meta.source;
    return {
      properties: {
        contentType: TOPIC_LEAVES[entry.kind].contentType,
        userProperties,
        ...(entry.meta.correlationData === undefined ? {} : { correlationData: Buffer.from(entry.meta.correlationData) }),
        ...(remaining === undefined ? {} : { messageExpiryInterval: remaining }),
      },
    };
  }

  private refusal(error: Error, entry: OutboxEntry): WanError {
    const code = (error as { code?: unknown }).code;
    const where = `outbox message ${entry.sequence}`;
    if (typeof code === 'number') {
      return new WanError('WAN_PUBLISH_REFUSED', `the broker refused an upstream ${entry.kind} (PUBACK reason ${code}: ${error.message}); it stays in the outbox`, { where, cause: error });
    }
    return new WanError('WAN_DISCONNECTED', `the connection broke while publishing (${error.message})`, { where, cause: error });
  }
}
