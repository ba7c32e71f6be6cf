import type { Clock } from '../../hal/clock.js';
import { silentLogger, type Logger } from '../../hal/log.js';
import type { Eui64 } from '../../hal/radio.js';
import { routeOf } from '../gbcs/index.js';
import type { RelayEvents } from '../han/index.js';
import type { SealedAlert } from './alert-queue.js';
import type { Outcome } from './router.js';
import { StoreError } from '../store/index.js';
import { WanError, type UpstreamMeta, relayReportFor, type UpstreamKind, type CommandMeta, type WanLink } from '../wan/index.js';

/**
 * Joins the WAN link to the hub's GBCS router and the HAN relay. A command from the broker goes
 * through `router.process` (authenticate, route by recipient, execute or relay); what comes back
 * goes up: the response to the topic the command asked for (with its correlation data), then the
 * alerts the command caused. Alerts the hub raises on its own, and every GBCS message a HAN Device
 * sends over its tunnel, go up too; a Device's response finds the response topic of the command
 * that was relayed to it by the Device and the originator counter it echoes.
 */
export interface CommandRouter {
  process(bytes: Uint8Array): Promise<Outcome>;
  on(event: 'alert', listener: (alert: SealedAlert) => void): unknown;
  off(event: 'alert', listener: (alert: SealedAlert) => void): unknown;
}

export interface HanMessages {
  on(event: 'message', listener: (...args: RelayEvents['message']) => void): unknown;
  off(event: 'message', listener: (...args: RelayEvents['message']) => void): unknown;
}

export interface WanGbcsBridgeOptions {
  link: Pick<WanLink, 'publishUpstream' | 'on' | 'off'>;
  router: CommandRouter;
  han?: HanMessages;
  clock: Clock;
  logger?: Logger;
  /** How long a relayed command waits for its Device's response (a sleepy GSME may take a day). Default 25 h. */
  relayedTtlMs?: number;
  /** A command failed because the store refuses writes; it is left unacknowledged with the broker. */
  onStoreRefused?: (error: StoreError) => void;
}

interface Relayed {
  meta: UpstreamMeta;
  at: number;
  /** The command's bytes (base64): a second, different command with the same recipient and counter makes the entry ambiguous. */
  command: string;
}

const DEFAULT_RELAYED_TTL_MS = 25 * 3600_000;
/**
 * The PUBACK reason code (MQTT 5, "implementation specific error") for a command the hub refused:
 * the broker's delivery is complete, and the code says it was not carried out. A command the hub
 * ran before a crash and then refused as a replay when the broker delivered it again ends so too.
 */
export const REFUSED_REASON_CODE = 0x83;

function replyMeta(meta: CommandMeta): UpstreamMeta {
  return {
    ...(meta.responseTopic === undefined ? {} : { responseTopic: meta.responseTopic }),
    ...(meta.correlationData === undefined ? {} : { correlationData: meta.correlationData }),
  };
}

export class WanGbcsBridge {
  private readonly relayed = new Map<string, Relayed>();
  private readonly logger: Logger;
  private readonly ttl: number;

  constructor(private readonly options: WanGbcsBridgeOptions) {
    this.logger = (options.logger ?? silentLogger).child({ component: 'wan-gbcs' });
    this.ttl = options.relayedTtlMs ?? DEFAULT_RELAYED_TTL_MS;
  }

  start(): void {
    this.options.link.on('command', this.onCommand);
    this.options.router.on('alert', this.onAlert);
    this.options.han?.on('message', this.onHanMessage);
  }

  stop(): void {
    this.options.link.off('command', this.onCommand);
    this.options.router.off('alert', this.onAlert);
    this.options.han?.off('message', this.onHanMessage);
  }

  /** Relayed commands still waiting for their Device's response. */
  get awaitingDevices(): number {
    return this.relayed.size;
  }

  private readonly onCommand = (bytes: Buffer, meta: CommandMeta): void => {
    meta.hold(this.handle(bytes, meta));
  };

  /**
   * Run one command and queue what it answers. Resolves once the outcome is durable (the command's
   * counter and changes, its response and alerts in the outbox), which is when the broker may hear
   * PUBACK, with its MQTT 5 reason code: success when it was answered or relayed,
   * REFUSED_REASON_CODE when it was refused; rejects when the outcome could not be made durable.
   */
  async handle(bytes: Buffer, meta: CommandMeta): Promise<number> {
    // Noted before routing: a fast Device can answer a relayed command before the router reports the relay.
    const key = this.expectAnswer(bytes, meta);
    let outcome: Outcome;
    try {
      outcome = await this.options.router.process(bytes);
    } catch (error) {
      if (key !== undefined) this.relayed.delete(key);
      this.logger.error({ err: error }, 'the router failed on a command');
      throw error;
    }
    const relayFailed = outcome.kind === 'relayed' && relayReportFor(bytes, outcome.report) !== undefined;
    if ((outcome.kind !== 'relayed' || relayFailed) && key !== undefined) this.relayed.delete(key);
    const refusedWrite = outcome.kind === 'dropped' ? storeRefusal(outcome.refusal) : undefined;
    if (refusedWrite) {
      this.options.onStoreRefused?.(refusedWrite);
      throw new WanError('WAN_STORE_REFUSED', `the command was not carried out: ${refusedWrite.message}`, { where: 'store', cause: refusedWrite });
    }
    await this.deliver(outcome, meta, bytes);
    return outcome.kind === 'dropped' ? REFUSED_REASON_CODE : 0;
  }

  private readonly onAlert = (alert: SealedAlert): void => {
    void this.up('alert', alert.bytes).catch(() => undefined);
  };

  private readonly onHanMessage = ({ eui64, gbcsBytes }: { eui64: Eui64; gbcsBytes: Buffer }): void => {
    let header;
    try {
      header = routeOf(gbcsBytes);
    } catch (error) {
      // The hub does not authenticate a Device's messages; one it cannot read still belongs to the head end.
      this.logger.warn({ eui64, err: error }, 'a HAN Device sent GBCS the hub cannot decode; passing it up as an alert');
      void this.up('alert', gbcsBytes, { source: eui64 }).catch(() => undefined);
      return;
    }
    if (header.cra !== 'response') {
      void this.up('alert', gbcsBytes, { source: eui64 }).catch(() => undefined);
      return;
    }
    const key = relayKey(eui64, header.originatorCounter);
    const waiting = this.relayed.get(key);
    // A response in General Block Transfer blocks: every block goes where the response goes.
    if (!header.block || header.block.last) this.relayed.delete(key);
    void this.up('response', gbcsBytes, { ...waiting?.meta }).catch(() => undefined);
  };

  private async deliver(outcome: Outcome, meta: CommandMeta, command: Buffer): Promise<void> {
    const queued: Array<Promise<void>> = [];
    if (outcome.kind === 'answered') queued.push(this.up('response', outcome.response, replyMeta(meta)));
    const failedRelay = outcome.kind === 'relayed' ? relayReportFor(command, outcome.report) : undefined;
    if (failedRelay) {
      this.logger.warn({ device: failedRelay.device, status: failedRelay.status }, `a command could not be relayed: ${failedRelay.detail ?? failedRelay.status}`);
      queued.push(this.up('relay', Buffer.from(JSON.stringify(failedRelay)), { ...(meta.correlationData === undefined ? {} : { correlationData: meta.correlationData }) }));
    }
    // The router has logged why (within its budget); once is enough.
    if (outcome.kind === 'dropped') this.logger.debug({ code: outcome.refusal.code }, `command refused: ${outcome.refusal.message}`);
    for (const alert of outcome.alerts) queued.push(this.up('alert', alert.bytes));
    const failed = (await Promise.allSettled(queued)).find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Remember where a response from the command's recipient (echoing its counter) should go; undefined for bytes that are no GBCS. */
  private expectAnswer(command: Buffer, meta: CommandMeta): string | undefined {
    let header;
    try {
      header = routeOf(command);
    } catch {
      return undefined;
    }
    const now = this.options.clock.now();
    for (const [key, entry] of this.relayed) {
      if (now - entry.at < this.ttl) break;
      this.relayed.delete(key);
    }
    const key = relayKey(header.recipient, header.originatorCounter);
    const command64 = command.toString('base64');
    const earlier = this.relayed.get(key);
    if (earlier && earlier.command !== command64) {
      // The hub cannot authenticate relayed commands, so it cannot tell which of two is genuine: the
      // Device's response goes to the hub's own response topic, never to a topic either one named.
      this.logger.warn({ device: header.recipient, counter: header.originatorCounter.toString() }, 'two different commands for one Device carry the same counter; its response will go to the default response topic');
      this.relayed.set(key, { meta: {}, at: now, command: '' });
      return undefined;
    }
    if (!earlier) this.relayed.set(key, { meta: replyMeta(meta), at: now, command: command64 });
    return earlier ? undefined : key;
  }

  /** Queue one upstream message; resolves once it is on disk, rejects (after saying which message it cost) when it could not be queued. */
  private up(kind: UpstreamKind, bytes: Buffer, meta: UpstreamMeta = {}): Promise<void> {
    return this.options.link.publishUpstream(kind, bytes, meta).then(
      () => undefined,
      (error: unknown) => {
        // WAN_OUTBOX_FULL is already in the Security Log and telemetry; say which message it cost.
        this.logger.error({ err: error, kind }, `an upstream ${kind} was not queued`);
        throw error;
      },
    );
  }
}

/** The store's refusal of a write behind a refused command, if that is why it failed. */
function storeRefusal(error: unknown): StoreError | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof StoreError && (e.code === 'STORE_WRITE_FAILED' || e.code === 'STORE_IO_FAILED')) return e;
  }
  return undefined;
}

const relayKey = (eui64: Eui64, counter: bigint): string => `${eui64}/${counter}`;
