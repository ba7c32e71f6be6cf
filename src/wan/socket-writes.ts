import type { MqttClient } from 'mqtt';

/**
 * How the hub's MQTT packets reach the socket. GBCS messages are small and each waits for its
 * PUBACK, so every packet should leave at once (no Nagle); but the PUBACKs and responses one group
 * commit releases, and the publishes the broker's PUBACKs make room for, should leave together:
 * on loopback or a modem link each write is a system call and a segment of its own.
 */

/**
 * Nagle's algorithm would hold a message back until the previous segment is acknowledged (up to
 * the peer's 40 ms delayed ACK).
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
 * disk's completions that came together have all been handled), then send them in one write.
 * Call before each packet the hub sends in bulk.
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
