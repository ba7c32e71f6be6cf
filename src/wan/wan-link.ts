import { EventEmitter } from 'node:events';
import mqtt, { type IPublishPacket, type MqttClient, type Packet } from 'mqtt';
import type { Clock, Timer } from '../../hal/clock.js';
import { silentLogger, type Logger } from '../../hal/log.js';
import type { Eui64 } from '../../hal/radio.js';
import { backoffDelay, type BackoffOptions } from '../../hal/transport/reconnect.js';
import { classifyConnectError, connackCode, PROTOCOL_NOT_SUPPORTED } from './connect-errors.js';
import { WanError } from './errors.js';
import type { Outbox, OutboxEntry, UpstreamMeta } from './outbox.js';
import { checkBrokerUrl, connectOptions, PROTOCOL_NAME, publicBrokerUrl, topicPrefixOf, type ProtocolVersion, type WanSettings } from './settings.js';
import { buildTelemetry, type HubHealthSource, type Telemetry, type WanLinkFigures } from './telemetry.js';
import { HUB_STATE, hubTopics, TOPIC_LEAVES, type HubTopics, type UpstreamKind } from './topics.js';
import { firstOutcome, sendPuback, withoutNagle, type ConnectOutcome } from './mqtt-client.js';
import { UpstreamPublisher } from './upstream-publisher.js';

/**
 * The hub's WAN link over MQTT. Downstream, every GBCS command on the hub's command topic becomes a
 * `command` event for the GBCS layer and the hub's router. Upstream, `publishUpstream` puts a
 * response or alert in the durable outbox, which goes out in order, QoS 1, and leaves the disk only
 * on the broker's PUBACK. With no broker the HAN keeps working and upstream messages wait on disk.
 *
 * The link speaks MQTT 5 when the broker does (response topic, correlation data, content type,
 * message expiry) and MQTT 3.1.1 otherwise, keeps a persistent session, and retries a failed or
 * lost connection with exponential backoff and jitter on the Clock, saying why each time.
 */
export interface CommandMeta {
  topic: string;
  protocol: '5' | '3.1.1';
  /** MQTT 5: where the requester wants the response; echo it through `publishUpstream`. */
  responseTopic?: string;
  correlationData?: Buffer;
  contentType?: string;
  /** MQTT 5: seconds left of the command's message expiry when it arrived. */
  expirySeconds?: number;
  /** Clock.now() on arrival. */
  receivedAt: number;
  /**
   * Withhold the PUBACK until `work` resolves (the command's outcome is on disk), with the MQTT 5
   * reason code it resolves to (0, success, when it resolves to nothing). If it rejects, no PUBACK
   * is sent and the broker delivers the command again on the next connection.
   */
  hold(work: Promise<number | void>): void;
}

export type WanState = 'stopped' | 'connecting' | 'connected' | 'waiting';

export interface WanEvents {
  command: [bytes: Buffer, meta: CommandMeta];
  connected: [info: { broker: string; protocol: '5' | '3.1.1'; sessionPresent: boolean }];
  /** A connection attempt failed, or the connection was lost; the next attempt is in `delayMs`. */
  retrying: [error: WanError, attempt: number, delayMs: number];
  /** The broker acknowledged an upstream message (it has left the outbox). */
  delivered: [entry: OutboxEntry];
  /**
   * A chunk frame of an Upgrade Image from the firmware topic, as it came; a signed allowed Device
   * Model list from the deviceModels topic. Each is PUBACKed only once the work given to `hold`
   * resolves (a rejection: never, so the broker delivers it again), as a command is.
   */
  firmwareChunk: [frame: Buffer, hold: (work: Promise<number | void>) => void];
  deviceModelList: [frame: Buffer, hold: (work: Promise<number | void>) => void];
}

export interface WanLinkOptions {
  settings: WanSettings;
  /** The CHF's EUI-64: the hub's topics and default client id are keyed by it. */
  hub: Eui64;
  outbox: Outbox;
  clock: Clock;
  logger?: Logger;
  health?: HubHealthSource;
  backoff?: BackoffOptions;
  /** A number in [0, 1) for backoff jitter; Math.random by default. */
  random?: () => number;
  /** `auto` (default) tries MQTT 5 and falls back to 3.1.1 when the broker refuses it. */
  protocol?: 'auto' | ProtocolVersion;
  /** Upstream messages in flight at once (the broker's receive maximum caps it further). Default 64. */
  window?: number;
  /** Commands received but not yet acknowledged, at most (advertised as the MQTT 5 receive maximum). Default COMMAND_WINDOW. */
  commandWindow?: number;
}

/** Commands the hub takes in before it acknowledges the first: its MQTT 5 receive maximum. */
export const COMMAND_WINDOW = 64;

/** Tells mqtt.js not to send the PUBACK itself (it sends none when `handleMessage` fails); the link sends it once the command is durable. */
const PUBACK_WITHHELD = new Error('PUBACK withheld until the command is durable');

const DEFAULT_BACKOFF: BackoffOptions = { initialDelayMs: 500, maxDelayMs: 60_000, factor: 2, jitter: 0.2 };
const OFFLINE_NOTICE_TIMEOUT_MS = 2000;

export class WanLink extends EventEmitter<WanEvents> {
  readonly topics: HubTopics;
  readonly broker: string;
  private state_: WanState = 'stopped';
  private client: MqttClient | undefined;
  /** The client of an attempt still waiting for its CONNACK, so `stop` can end it too. */
  private attempting: MqttClient | undefined;
  private version: ProtocolVersion;
  private generation = 0;
  private attempt = 0;
  private retryTimer: Timer | undefined;
  private telemetryTimer: Timer | undefined;
  private readonly publisher: UpstreamPublisher;
  private readonly logger: Logger;
  private readonly startedAt: number;
  private figures: WanLinkFigures;
  /** What each received command's listeners asked the PUBACK to wait for. */
  private readonly held = new WeakMap<IPublishPacket, Array<Promise<number | void>>>();
  /** Commands received and not yet acknowledged, and mqtt.js's readers parked while that is at the window. */
  private commandsInFlight = 0;
  private readonly parked: Array<() => void> = [];
  /** Commands whose outcome became durable after their connection was lost: acknowledged, not run again, when the broker delivers them anew. */
  private readonly settledOffline = new Map<string, number>();

  constructor(private readonly options: WanLinkOptions) {
    super();
    checkBrokerUrl(options.settings.broker);
    this.broker = publicBrokerUrl(options.settings.broker);
    this.topics = hubTopics(topicPrefixOf(options.settings), options.hub);
    this.version = options.protocol === 4 ? 4 : 5;
    this.logger = (options.logger ?? silentLogger).child({ component: 'wan' });
    this.startedAt = options.clock.monotonic();
    this.figures = { broker: this.broker, protocol: undefined, connected: false, connectedSince: undefined, reconnects: 0, lastError: undefined, commandsReceived: 0, messagesDelivered: 0 };
    this.publisher = new UpstreamPublisher({
      outbox: options.outbox,
      clock: options.clock,
      topics: this.topics,
      window: options.window ?? 64,
      logger: this.logger,
      onDelivered: (entry) => {
        this.figures.messagesDelivered += 1;
        this.emit('delivered', entry);
      },
      onRefused: (error) => this.lose(error),
    });
  }

  get state(): WanState {
    return this.state_;
  }

  get protocol(): '5' | '3.1.1' | undefined {
    return this.figures.protocol;
  }

  /** Starts connecting; resolves after the first attempt, connected or not (the hub works offline). */
  async start(): Promise<void> {
    if (this.state_ !== 'stopped') return;
    this.state_ = 'connecting';
    await this.connect();
  }

  /**
   * Queue a GBCS response or alert for the head end. Resolves once it is on disk (not when the
   * broker has it: `delivered` says that). Refused with WAN_OUTBOX_FULL at the quota, WAN_BAD_MESSAGE
   * for something that could never be published.
   */
  publishUpstream(kind: UpstreamKind, bytes: Uint8Array, meta: UpstreamMeta = {}): Promise<OutboxEntry> {
    return this.options.outbox.append(kind, bytes, meta);
  }

  /**
   * Drop the connection and connect again: the broker then delivers anew every command the hub
   * left unacknowledged (it does so only on a new connection), e.g. once the store takes writes again.
   */
  reconnect(reason: string): void {
    if (this.state_ === 'connected') this.lose(new WanError('WAN_DISCONNECTED', reason, { where: this.broker }));
  }

  /** A snapshot of the link, the outbox and the hub's health: what the telemetry topic carries. */
  async telemetry(): Promise<Telemetry> {
    const health = (await this.options.health?.()) ?? {};
    return buildTelemetry({
      hub: this.topics.hub,
      now: this.options.clock.now(),
      uptimeMs: this.options.clock.monotonic() - this.startedAt,
      wan: { ...this.figures, connected: this.state_ === 'connected' },
      outbox: this.options.outbox.stats(),
      health,
    });
  }

  /** Publish a telemetry snapshot now (after a change worth seeing) rather than at the next interval; nothing while offline. */
  refreshTelemetry(): void {
    if (this.state_ === 'connected') this.scheduleTelemetry(0);
  }

  /** Says `offline` on the state topic, then disconnects. Queued messages stay in the outbox for next time. */
  async stop(): Promise<void> {
    if (this.state_ === 'stopped') return;
    this.state_ = 'stopped';
    this.generation += 1;
    this.retryTimer?.cancel();
    this.telemetryTimer?.cancel();
    this.publisher.detach();
    this.attempting?.end(true);
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    if (client.connected) {
      const notice = client.publishAsync(this.topics.state, HUB_STATE.offline, { qos: 1, retain: true, ...this.stateProperties() });
      await Promise.race([notice.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, OFFLINE_NOTICE_TIMEOUT_MS).unref())]);
    }
    await client.endAsync(!client.connected).catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const generation = ++this.generation;
    this.state_ = 'connecting';
    const version = this.version;
    let client: MqttClient | undefined;
    try {
      const options = await connectOptions(this.options.settings, this.topics.hub, this.topics, version, this.commandWindow);
      if (generation !== this.generation) return;
      client = mqtt.connect(this.options.settings.broker, options);
      withoutNagle(client);
      // Before the CONNACK: a persistent session's queued commands can follow it in the same read.
      const connection = client;
      connection.on('message', (topic, payload, packet) => this.receive(topic, payload, packet));
      connection.handleMessage = (packet, callback) => this.acknowledgeWhenHeld(connection, generation, packet, callback);
      this.attempting = client;
      const ack = await firstOutcome(client).finally(() => {
        if (this.attempting === client) this.attempting = undefined;
      });
      if (generation !== this.generation) {
        client.end(true);
        return;
      }
      await this.adopt(client, generation, ack, version);
    } catch (error) {
      client?.removeAllListeners();
      client?.on('error', () => undefined);
      client?.end(true);
      if (generation !== this.generation) return;
      if (version === 5 && this.options.protocol !== 5 && PROTOCOL_NOT_SUPPORTED.has(connackCode(error) ?? -1)) {
        this.logger.info({ broker: this.broker }, 'the broker does not speak MQTT 5; using MQTT 3.1.1');
        this.version = 4;
        return this.connect();
      }
      this.retry(classifyConnectError(error, this.broker));
    }
  }

  private async adopt(client: MqttClient, generation: number, ack: ConnectOutcome, version: ProtocolVersion): Promise<void> {
    const { sessionPresent, receiveMaximum } = ack;
    client.on('close', () => {
      if (generation === this.generation) this.lose(new WanError('WAN_DISCONNECTED', 'the connection to the broker was lost', { where: this.broker }));
    });
    client.on('error', (error) => this.logger.debug({ err: error }, 'broker connection error'));
    this.client = client;
    await client.subscribeAsync([this.topics.command, this.topics.firmware, this.topics.deviceModels], { qos: 1 });
    if (generation !== this.generation) return;
    await client.publishAsync(this.topics.state, HUB_STATE.online, { qos: 1, retain: true, ...this.stateProperties() });
    if (generation !== this.generation) return;
    this.state_ = 'connected';
    this.attempt = 0;
    this.figures = { ...this.figures, protocol: PROTOCOL_NAME[version], connected: true, connectedSince: this.options.clock.now() };
    this.logger.info({ broker: this.broker, protocol: PROTOCOL_NAME[version], sessionPresent, queued: this.options.outbox.depth }, 'WAN connected');
    this.emit('connected', { broker: this.broker, protocol: PROTOCOL_NAME[version], sessionPresent });
    this.publisher.attach(client, version, receiveMaximum);
    this.scheduleTelemetry(0);
  }

  private receive(topic: string, payload: Buffer, packet: IPublishPacket): void {
    const hold = (work: Promise<number | void>) => {
      const held = this.held.get(packet);
      if (held) held.push(work);
      else this.held.set(packet, [work]);
    };
    const data = topic === this.topics.firmware ? 'firmwareChunk' : topic === this.topics.deviceModels ? 'deviceModelList' : undefined;
    if (data === undefined && topic !== this.topics.command) return;
    // Keyed by the bytes, looked up only after a lost connection left some: not a base64 per message.
    const key = this.settledOffline.size > 0 ? payload.toString('base64') : undefined;
    const settled = key === undefined ? undefined : this.settledOffline.get(key);
    if (key !== undefined && settled !== undefined) {
      this.settledOffline.delete(key);
      hold(Promise.resolve(settled));
      return;
    }
    if (data !== undefined) {
      this.emit(data, Buffer.from(payload), hold);
      return;
    }
    const properties = packet.properties ?? {};
    const meta: CommandMeta = {
      topic,
      protocol: this.figures.protocol ?? PROTOCOL_NAME[this.version],
      receivedAt: this.options.clock.now(),
      ...(properties.responseTopic === undefined ? {} : { responseTopic: properties.responseTopic }),
      ...(properties.correlationData === undefined ? {} : { correlationData: Buffer.from(properties.correlationData) }),
      ...(properties.contentType === undefined ? {} : { contentType: properties.contentType }),
      ...(properties.messageExpiryInterval === undefined ? {} : { expirySeconds: properties.messageExpiryInterval }),
      hold,
    };
    this.figures.commandsReceived += 1;
    this.emit('command', Buffer.from(payload), meta);
  }

  private get commandWindow(): number {
    return this.options.commandWindow ?? COMMAND_WINDOW;
  }

  /**
   * mqtt.js calls this after the \`message\` event and sends the PUBACK when \`callback\` succeeds.
   * A command whose listeners held it is acknowledged here instead, once their work resolves, on
   * the connection it came on (after a reconnect the broker delivers it again, and the replay check
   * refuses what already ran, unless this link still remembers its outcome). Past the window,
   * mqtt.js is kept from reading on until one settles: the receive maximum bounds an MQTT 5
   * broker, this bounds a 3.1.1 one.
   */
  private acknowledgeWhenHeld(client: MqttClient, generation: number, packet: Packet, callback: (error?: Error) => void): void {
    const held = packet.cmd === 'publish' ? this.held.get(packet) : undefined;
    if (packet.cmd !== 'publish' || packet.qos !== 1 || packet.messageId === undefined || !held) return callback();
    this.held.delete(packet);
    const messageId = packet.messageId;
    this.commandsInFlight += 1;
    void Promise.all(held)
      .then(
        (codes) => {
          const reasonCode = Math.max(0, ...codes.map((code) => code ?? 0));
          if (generation === this.generation) sendPuback(client, messageId, reasonCode);
          else this.settledOffline.set(packet.payload.toString('base64'), reasonCode);
        },
        (error: unknown) => this.logger.error({ err: error, messageId }, 'a command was not acknowledged to the broker, which will deliver it again on the next connection'),
      )
      .finally(() => {
        this.commandsInFlight -= 1;
        this.parked.shift()?.();
      });
    // Parked only once connected: commands queued before then wait for a router that is attached after it.
    if (this.state_ !== 'connected' || this.commandsInFlight <= this.commandWindow) callback(PUBACK_WITHHELD);
    else this.parked.push(() => callback(PUBACK_WITHHELD));
  }

  /** The connection is gone: drop the client, put in-flight messages back in line, try again later. */
  private lose(error: WanError): void {
    if (this.state_ === 'stopped') return;
    const client = this.client;
    this.client = undefined;
    this.generation += 1;
    this.publisher.detach();
    this.telemetryTimer?.cancel();
    client?.removeAllListeners();
    client?.on('error', () => undefined);
    client?.end(true);
    for (const resume of this.parked.splice(0)) resume();
    this.figures = { ...this.figures, connected: false, connectedSince: undefined };
    this.logger.warn({ broker: this.broker, code: error.code, queued: this.options.outbox.depth }, `WAN link lost: ${error.message}`);
    this.retry(error);
  }

  private retry(error: WanError): void {
    if (this.state_ === 'stopped') return;
    this.state_ = 'waiting';
    this.attempt += 1;
    this.figures = { ...this.figures, reconnects: this.figures.reconnects + 1, lastError: { code: error.code, message: error.message } };
    const delay = backoffDelay(this.attempt, { ...DEFAULT_BACKOFF, ...this.options.backoff }, (this.options.random ?? Math.random)());
    this.logger.warn({ broker: this.broker, code: error.code, attempt: this.attempt, retryInMs: delay }, error.message);
    this.emit('retrying', error, this.attempt, delay);
    const generation = this.generation;
    this.retryTimer = this.options.clock.setTimeout(() => {
      if (generation === this.generation && this.state_ === 'waiting') void this.connect();
    }, delay);
  }

  private stateProperties() {
    return this.version === 5 ? { properties: { contentType: TOPIC_LEAVES.state.contentType } } : {};
  }

  private scheduleTelemetry(delayMs: number): void {
    this.telemetryTimer?.cancel();
    const interval = (this.options.settings.telemetrySeconds ?? 60) * 1000;
    this.telemetryTimer = this.options.clock.setTimeout(() => {
      void this.publishTelemetry().finally(() => {
        if (this.state_ === 'connected') this.scheduleTelemetry(interval);
      });
    }, delayMs);
  }

  private async publishTelemetry(): Promise<void> {
    const client = this.client;
    if (!client || this.state_ !== 'connected') return;
    try {
      const snapshot = await this.telemetry();
      const expiry = 3 * (this.options.settings.telemetrySeconds ?? 60);
      const properties = this.version === 5 ? { properties: { contentType: TOPIC_LEAVES.telemetry.contentType, messageExpiryInterval: expiry } } : {};
      await client.publishAsync(this.topics.telemetry, JSON.stringify(snapshot), { qos: 1, retain: true, ...properties });
    } catch (error) {
      this.logger.debug({ err: error }, 'telemetry not published');
    }
  }
}
