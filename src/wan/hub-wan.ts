import { resolve } from 'node:path';
import type { Clock } from '../../hal/clock.js';
import type { Logger } from '../../hal/log.js';
import type { Eui64 } from '../../hal/radio.js';
import type { HubConfig } from '../config.js';
import type { SecurityEventSink } from '../logs/hub-logs.js';
import type { Store } from '../store/store.js';
import { removeEndpoint, writeEndpoint } from './endpoint-file.js';
import { WanGbcsBridge, type CommandRouter, type HanMessages } from './gbcs-bridge.js';
import { Outbox } from './outbox.js';
import { publicBrokerUrl, topicPrefixOf, wanSettingsFromConfig } from './settings.js';
import type { HubHealthSource } from './telemetry.js';
import { WanError } from './errors.js';
import { WanLink, type CommandMeta } from './wan-link.js';

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
  const settings = wanSettingsFromConfig(config.wan, broker);
  const outbox = await Outbox.open(store, { clock, quota: settings.outbox ?? {}, security: options.security, logger: logger.child({ component: 'outbox' }) });
  const link = new WanLink({ settings, hub: options.hub, outbox, clock, logger, ...(options.health ? { health: options.health } : {}) });
  // Commands that arrive before a router is attached (the broker's queue at start-up) wait for it, unacknowledged.
  const early: Array<{ bytes: Buffer; meta: CommandMeta; settle: (work: Promise<number>) => void }> = [];
  const unrouted = (bytes: Buffer, meta: CommandMeta) => {
    meta.hold(new Promise<number>((resolve, reject) => early.push({ bytes, meta, settle: (work) => work.then(resolve, reject) })));
  };
  link.on('command', unrouted);
  let bridge: WanGbcsBridge | undefined;
  const storeDir = resolve(config.store.path);
  await link.start();
  await writeEndpoint(storeDir, { broker: publicBrokerUrl(broker), hub: options.hub, topicPrefix: topicPrefixOf(settings), embedded: options.embedded, pid: process.pid });
  return {
    link,
    outbox,
    attach(router, han) {
      bridge?.stop();
      link.off('command', unrouted);
      bridge = new WanGbcsBridge({ link, router, ...(han ? { han } : {}), clock, logger });
      bridge.start();
      for (const { bytes, meta, settle } of early.splice(0)) settle(bridge.handle(bytes, meta));
      return bridge;
    },
    async stop() {
      bridge?.stop();
      for (const { settle } of early.splice(0)) settle(Promise.reject(new WanError('WAN_STOPPED', 'the hub stopped before a router was attached')));
      await link.stop();
      await outbox.close();
      await removeEndpoint(storeDir);
    },
  };
}
