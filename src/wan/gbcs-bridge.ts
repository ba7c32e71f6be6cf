import type { Clock } from '../../hal/clock.js';
import { silentLogger, type Logger } from '../../hal/log.js';
import type { Eui64 } from '../../hal/radio.js';
import { routeOf } from '../gbcs/index.js';
import type { RelayEvents } from '../han/relay.js';
import type { SealedAlert } from '../hub/alert-queue.js';
import type { Outcome } from '../hub/router.js';
import type { UpstreamMeta } from './outbox.js';
import type { UpstreamKind } from './topics.js';
import type { CommandMeta, WanLink } from './wan-link.js';

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
}

interface Relayed {
  meta: UpstreamMeta;
  at: number;
}

const DEFAULT_RELAYED_TTL_MS = 25 * 3600_000;

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
    // Noted before routing: a fast Device can answer a relayed command before the router reports the relay.
    const key = this.expectAnswer(bytes, meta);
    void this.options.router.process(bytes).then(
      (outcome) => {
        if (outcome.kind !== 'relayed' && key !== undefined) this.relayed.delete(key);
        this.deliver(outcome, meta);
      },
      (error: unknown) => {
        if (key !== undefined) this.relayed.delete(key);
        this.logger.error({ err: error }, 'the router failed on a command');
      },
    );
  };

  private readonly onAlert = (alert: SealedAlert): void => {
    this.up('alert', alert.bytes);
  };

  private readonly onHanMessage = ({ eui64, gbcsBytes }: { eui64: Eui64; gbcsBytes: Buffer }): void => {
    let header;
    try {
      header = routeOf(gbcsBytes);
    } catch (error) {
      // The hub does not authenticate a Device's messages; one it cannot read still belongs to the head end.
      this.logger.warn({ eui64, err: error }, 'a HAN Device sent GBCS the hub cannot decode; passing it up as an alert');
      this.up('alert', gbcsBytes, { source: eui64 });
      return;
    }
    if (header.cra !== 'response') {
      this.up('alert', gbcsBytes, { source: eui64 });
      return;
    }
    const key = relayKey(eui64, header.originatorCounter);
    const waiting = this.relayed.get(key);
    // A response in General Block Transfer blocks: every block goes where the response goes.
    if (!header.block || header.block.last) this.relayed.delete(key);
    this.up('response', gbcsBytes, { ...waiting?.meta });
  };

  private deliver(outcome: Outcome, meta: CommandMeta): void {
    if (outcome.kind === 'answered') this.up('response', outcome.response, replyMeta(meta));
    // A dropped command was logged (and put in the Security Log) where it was refused: one line per event.
    for (const alert of outcome.alerts) this.up('alert', alert.bytes);
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
    this.relayed.set(key, { meta: replyMeta(meta), at: now });
    return key;
  }

  private up(kind: UpstreamKind, bytes: Buffer, meta: UpstreamMeta = {}): void {
    this.options.link.publishUpstream(kind, bytes, meta).catch((error: unknown) => {
      // WAN_OUTBOX_FULL is already in the Security Log and telemetry; say which message it cost.
      this.logger.error({ err: error, kind }, `an upstream ${kind} was not queued`);
    });
  }
}

const relayKey = (eui64: Eui64, counter: bigint): string => `${eui64}/${counter}`;
