import type { MqttClient } from 'mqtt';
import { WanError } from './errors.js';

// What the link needs of mqtt.js beyond its public calls, and the first outcome of a connection attempt.

/** mqtt.js has no public call to acknowledge a message later; this is the one it makes itself. */
export function sendPuback(client: MqttClient, messageId: number, reasonCode: number): void {
  gatherWrites(client);
  const send = (client as unknown as { _sendPacket: (packet: object, done: () => void) => void })._sendPacket;
  send.call(client, { cmd: 'puback', messageId, reasonCode }, () => undefined);
}

/**
 * GBCS messages are small and each one waits for its PUBACK: Nagle's algorithm would hold a message
 * back until the previous segment is acknowledged (up to the peer's 40 ms delayed ACK).
 */
export function withoutNagle(client: MqttClient): void {
  (client.stream as { setNoDelay?: (on: boolean) => void } | undefined)?.setNoDelay?.(true);
}

interface Corkable {
  cork(): void;
  uncork(): void;
}

const corked = new WeakSet<Corkable>();

/**
 * Hold the client's writes until this turn of the event loop is done (the socket's reads and the
 * disk's completions that came together have all been handled), then send them in one write: the
 * PUBACKs one group commit releases, and the publishes the broker's PUBACKs make room for, leave
 * together, where each small write was a system call and a segment of its own. Call before each
 * packet the hub sends in bulk.
 */
export function gatherWrites(client: MqttClient): void {
  const stream = client.stream as Partial<Corkable> | undefined;
  if (!stream?.cork || !stream.uncork) return;
  const socket = stream as Corkable;
  if (corked.has(socket)) return;
  corked.add(socket);
  socket.cork();
  setImmediate(() => {
    corked.delete(socket);
    socket.uncork();
  });
}

export interface ConnectOutcome {
  sessionPresent: boolean;
  /** MQTT 5: how many QoS 1 messages the broker takes in flight at once. */
  receiveMaximum: number | undefined;
}

/** Resolves with the CONNACK, or rejects with the first error (or a close before any CONNACK). */
export function firstOutcome(client: MqttClient): Promise<ConnectOutcome> {
  return new Promise((resolve, reject) => {
    client.once('connect', (ack) => resolve({ sessionPresent: ack.sessionPresent, receiveMaximum: ack.properties?.receiveMaximum }));
    client.once('error', reject);
    client.once('close', () => reject(new WanError('WAN_UNREACHABLE', 'the broker closed the connection before accepting it')));
  });
}
