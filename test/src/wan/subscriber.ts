import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';

/** A head end's view for tests: an MQTT client that records what arrives on the topics it follows. */
export interface Received {
  topic: string;
  payload: Buffer;
  packet: IPublishPacket;
}

export class Subscriber {
  readonly received: Received[] = [];
  private waiters: Array<() => void> = [];

  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload, packet) => {
      this.received.push({ topic, payload: Buffer.from(payload), packet });
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  /** MQTT 5 unless the broker refuses it (the embedded aedes does), then 3.1.1 without the MQTT 5 properties. */
  static async connect(url: string, topics: string[], options: IClientOptions = {}): Promise<Subscriber> {
    const base: IClientOptions = { protocolVersion: 5, reconnectPeriod: 200, connectTimeout: 5000, ...options };
    let client: MqttClient;
    try {
      client = await mqtt.connectAsync(url, base);
    } catch (error) {
      if ((error as { code?: unknown }).code !== 1 || base.protocolVersion !== 5) throw error;
      const { properties: _dropped, ...v311 } = base;
      client = await mqtt.connectAsync(url, { ...v311, protocolVersion: 4 });
    }
    (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
    const subscriber = new Subscriber(client);
    await client.subscribeAsync(topics, { qos: 1 });
    return subscriber;
  }

  on(topic: string): Received[] {
    return this.received.filter((r) => r.topic === topic);
  }

  /** Resolves once `done` holds for what has arrived; rejects after `timeoutMs` saying what did arrive. */
  async until(done: (received: Received[]) => boolean, timeoutMs = 10_000): Promise<Received[]> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.received)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; received ${this.received.length}: ${this.received.slice(-5).map((r) => `${r.topic} ${r.payload.toString('hex').slice(0, 32)}`).join(', ')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 250));
        this.waiters.push(() => (clearTimeout(timer), resolve()));
      });
    }
    return this.received;
  }

  publish(topic: string, payload: Buffer | string, options: Parameters<MqttClient['publishAsync']>[2] = { qos: 1 }) {
    return this.client.publishAsync(topic, payload, options);
  }

  async close(): Promise<void> {
    await this.client.endAsync(true).catch(() => undefined);
  }
}
