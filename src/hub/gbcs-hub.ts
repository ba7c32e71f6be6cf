import type { Clock } from '../../hal/clock.js';
import { silentLogger, type Logger } from '../../hal/log.js';
import { DeviceLog, watchDeviceLog, watchSubGhz } from '../chf/index.js';
import { LinkStatisticsTable } from '../chf/use-cases/index.js';
import { watchGpfDeviceLog } from '../gpf/use-cases/index.js';
import { GbcsAuthenticator } from '../gbcs/index.js';
import { openHubLogs, type HubLogs } from '../logs/index.js';
import { SecurityCredentials } from '../security/credentials.js';
import { OriginatorCounters } from '../security/replay.js';
import { SupplyArrangementStore } from '../security/supply-arrangement.js';
import type { SecureElement } from '../security/secure-element.js';
import type { Store } from '../store/index.js';
import { ALL_HANDLERS } from './handlers.js';
import { HandlerRegistry, type ChfState, type GpfState, type HubIdentity, type LinkStatisticsSource, type UseCaseHandler } from '../use-case/index.js';
import { HubRouter, type RelayPort } from './router.js';
import { SecretCachingSecureElement } from './secret-cache.js';
import type { SubGhzState } from '../subghz/index.js';

/**
 * The GBCS side of the hub put together: credentials, counters, authenticator, handler registry
 * and router over the state modules. The composition root (src/compose.ts) and `hub gbcs process`
 * build it; anything not given is opened on `store`.
 */
export interface GbcsHubOptions {
  store: Store;
  secureElement: SecureElement;
  clock: Clock;
  identity: HubIdentity;
  logger?: Logger;
  deviceLog?: DeviceLog;
  logs?: HubLogs;
  joinWindows?: ChfState['joinWindows'];
  /** The radio's network forming, for CCS03. */
  network?: ChfState['network'];
  /** The hub's own firmware, for CS06 and ECS52 addressed to the CHF. */
  ownImage?: ChfState['ownImage'];
  linkStatistics?: LinkStatisticsSource;
  /** 8 bytes; default all zero until the network is formed. */
  extendedPanId?: () => Buffer;
  gpf?: GpfState;
  subGhz?: SubGhzState;
  relay?: RelayPort;
  handlers?: readonly UseCaseHandler[];
}

export interface GbcsHub {
  router: HubRouter;
  registry: HandlerRegistry;
  credentials: SecurityCredentials;
  counters: OriginatorCounters;
  authenticator: GbcsAuthenticator;
  chf: ChfState;
  /** Start raising CS14 on Device Log changes (after any seeding, so seeding raises none). */
  start(): void;
  /** Stop raising alerts; the store stays open (its owner closes it). */
  stop(): Promise<void>;
}

export async function openGbcsHub(options: GbcsHubOptions): Promise<GbcsHub> {
  const { store, clock, identity } = options;
  const logger = options.logger ?? silentLogger;
  const credentials = await SecurityCredentials.open(store);
  const counters = await OriginatorCounters.open(store);
  const ownsDeviceLog = !options.deviceLog;
  const deviceLog = options.deviceLog ?? (await DeviceLog.open(store, { clock }));
  const logs = options.logs ?? (await openHubLogs(store, clock));
  const extendedPanId = options.extendedPanId ?? (() => Buffer.alloc(8));
  const chf: ChfState = {
    deviceLog,
    ...(options.joinWindows ? { joinWindows: options.joinWindows } : {}),
    ...(options.network ? { network: options.network } : {}),
    ...(options.ownImage ? { ownImage: options.ownImage } : {}),
    eventLog: logs.eventLog,
    securityLog: logs.securityLog,
    credentials,
    supply: await SupplyArrangementStore.open(store),
    linkStatistics: options.linkStatistics ?? new LinkStatisticsTable(),
    extendedPanId,
  };
  // One cache for MAC keys and GPF encryption keys: both agree from the same static key pairs.
  const secureElement = new SecretCachingSecureElement(options.secureElement);
  const authenticator = new GbcsAuthenticator({ secureElement, credentials, ownDevices: [identity.chf, identity.gpf] });
  const registry = new HandlerRegistry(options.handlers ?? ALL_HANDLERS);
  const router = new HubRouter({
    authenticator,
    counters,
    credentials,
    registry,
    context: {
      clock,
      identity,
      chf,
      ...(options.gpf ? { gpf: options.gpf } : {}),
      ...(options.subGhz ? { subGhz: options.subGhz } : {}),
      logger,
      secureElement,
    },
    ...(options.relay ? { relay: options.relay } : {}),
  });
  let unwatch: (() => void) | undefined;
  let unwatchOthers: Array<() => void> | undefined;
  return {
    router,
    registry,
    credentials,
    counters,
    authenticator,
    chf,
    start: () => {
      unwatch ??= watchDeviceLog(chf, identity, router.alerts);
      unwatchOthers ??= [
        ...(options.subGhz ? [watchSubGhz(options.subGhz, identity, router.alerts, logger)] : []),
        ...(options.gpf ? [watchGpfDeviceLog(options.gpf.deviceLog, identity, clock, router.alerts)] : []),
      ];
    },
    stop: async () => {
      unwatch?.();
      unwatch = undefined;
      for (const stop of unwatchOthers ?? []) stop();
      unwatchOthers = undefined;
      if (ownsDeviceLog) await deviceLog.close();
    },
  };
}
