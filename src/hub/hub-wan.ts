import { resolve } from 'node:path';
import type { Clock, Timer } from '../../hal/clock.js';
import type { HubError } from '../../hal/errors.js';
import type { Logger } from '../../hal/log.js';
import type { Eui64 } from '../../hal/radio.js';
import type { HubConfig } from '../config.js';
import type { SecurityEventSink } from '../logs/index.js';
import type { Store } from '../store/index.js';
import { readEmbeddedLogins, removeEndpoint, writeEndpoint, Outbox, publicBrokerUrl, topicPrefixOf, wanSettingsFromConfig, type HubHealthSource, WanError, WanLink, type CommandMeta } from '../wan/index.js';
import { WanGbcsBridge, type CommandRouter, type HanMessages } from './gbcs-bridge.js';

/**
 * The WAN side of the composition root in one call: the outbox on the hub's store (alarms to the
 * Security Log), the link to the configured broker or to the embedded one `hub start` runs, and
 * the endpoint file that lets `hub send` / `hub listen` / `hub wan status` find it. The first
 * connection attempt is made before this resolves, but a broker that is down does not stop the hub:
 * the HAN works on and upstream messages wait in the outbox.
 */
export interface HubWanOptions {
  config: HubConfig;
  store: Store;
  clock: Clock;
  logger: Logger;
  /** The CHF's EUI-64 (the radio's). */
  hub: Eui64;
  security: SecurityEventSink;
  /** The broker when the config names none: the embedded one's URL. With neither, there is no WAN (undefined). */
  broker: string | undefined;
  embedded: boolean;
  health?: HubHealthSource;
  /**
   * Where the firmware topic's chunk frames and the deviceModels topic's list go. Each resolves once
   * what it took is durable (a reason code: 0x83 for a frame refused for good), and only then is it
   * PUBACKed; it rejects when the store did not take it, so the broker delivers it again. Given here,
   * before the first connection, so a persistent session's queue is never acknowledged unheard.
   */
  downstream?: Partial<Record<'firmwareChunk' | 'deviceModelList', (frame: Buffer) => Promise<number | void>>>;
}

export interface HubWan {
  link: WanLink;
  outbox: Outbox;
  /** Route commands through the GBCS router and send its responses and alerts, and the HAN Devices' messages, up. */
  attach(router: CommandRouter, han?: HanMessages): WanGbcsBridge;
  stop(): Promise<void>;
}

export async function startHubWan(options: HubWanOptions): Promise<HubWan | undefined> {
  const { config, store, clock, logger } = options;
  const broker = config.wan.broker ?? options.broker;
  if (broker === undefined) return undefined;
  const storeDir = resolve(config.store.path);
  // The embedded broker takes only the logins made beside the store (embedded-login.ts).
  const login = options.embedded ? (await readEmbeddedLogins(storeDir))?.hub : undefined;
  const settings = { ...wanSettingsFromConfig(config.wan, broker), ...login };
  const outbox = await Outbox.open(store, { clock, quota: settings.outbox ?? {}, security: options.security, logger: logger.child({ component: 'outbox' }) });
  const link = new WanLink({ settings, hub: options.hub, outbox, clock, logger, ...(options.health ? { health: options.health } : {}) });
  // Commands that arrive before a router is attached (the broker's queue at start-up) wait for it, unacknowledged.
  const early: Array<{ bytes: Buffer; meta: CommandMeta; settle: (work: Promise<number>) => void }> = [];
  const unrouted = (bytes: Buffer, meta: CommandMeta) => {
    meta.hold(new Promise<number>((resolve, reject) => early.push({ bytes, meta, settle: (work) => work.then(resolve, reject) })));
  };
  link.on('command', unrouted);
  let bridge: WanGbcsBridge | undefined;
  const storeWatch = watchStore(store, link, clock, logger);
  for (const kind of ['firmwareChunk', 'deviceModelList'] as const) {
    const take = options.downstream?.[kind];
    if (!take) continue;
    link.on(kind, (frame, hold) =>
      hold(
        take(frame).catch((error: unknown) => {
          if (store.writeFailure) storeWatch.refused(store.writeFailure);
          throw error;
        }),
      ),
    );
  }
  await link.start();
  await writeEndpoint(storeDir, { broker: publicBrokerUrl(broker), hub: options.hub, topicPrefix: topicPrefixOf(settings), embedded: options.embedded, pid: process.pid });
  return {
    link,
    outbox,
    attach(router, han) {
      bridge?.stop();
      link.off('command', unrouted);
      bridge = new WanGbcsBridge({ link, router, ...(han ? { han } : {}), clock, logger, onStoreRefused: storeWatch.refused });
      bridge.start();
      for (const { bytes, meta, settle } of early.splice(0)) settle(bridge.handle(bytes, meta));
      return bridge;
    },
    async stop() {
      bridge?.stop();
      storeWatch.stop();
      for (const { settle } of early.splice(0)) settle(Promise.reject(new WanError('WAN_STOPPED', 'the hub stopped before a router was attached')));
      await link.stop();
      await outbox.close();
      await removeEndpoint(storeDir);
    },
  };
}

const STORE_VERIFY_INTERVAL_MS = 2000;

/**
 * While the store refuses writes, commands stay unacknowledged with the broker. Say so once, try
 * the store again every 2 s, and once it is verified reconnect, so the broker delivers them again.
 */
function watchStore(store: Store, link: WanLink, clock: Clock, logger: Logger): { refused: (error: HubError) => void; stop: () => void } {
  let timer: Timer | undefined;
  const attempt = () => {
    timer = clock.setTimeout(() => {
      store.verify().then(
        () => {
          timer = undefined;
          logger.warn({ store: store.path }, 'the store takes writes again; reconnecting so the broker delivers the commands held back');
          link.reconnect('reconnecting to take the commands held back while the store refused writes');
        },
        () => attempt(),
      );
    }, STORE_VERIFY_INTERVAL_MS);
  };
  return {
    refused(error) {
      if (timer) return;
      logger.error({ store: store.path, code: error.code }, `commands are not acknowledged while the store refuses writes: ${error.message}`);
      attempt();
    },
    stop: () => timer?.cancel(),
  };
}
