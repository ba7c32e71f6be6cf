import { AshEndpoint } from '../hal/ash/index.js';
import { SystemClock, type Clock } from '../hal/clock.js';
import { EzspRadio } from '../hal/ezsp-radio.js';
import type { Logger } from '../hal/log.js';
import type { NetworkInfo } from '../hal/radio.js';
import { openTransport } from '../hal/transport/open.js';
import type { Transport } from '../hal/transport/transport.js';
import { DeviceLog } from './chf/device-log.js';
import { JoinWindows } from './chf/join-window.js';
import type { HubConfig } from './config.js';
import { HanAdmission } from './han/admission.js';
import { openHubLogs, type HubLogs } from './logs/hub-logs.js';
import { FileSecureElement } from './security/file-secure-element.js';
import { openStore, type Store } from './store/store.js';
import { startHubWan, type HubWan } from './wan/hub-wan.js';

/**
 * The composition root: the one place that picks the concrete Transport, Radio, Store,
 * SecureElement and Clock and wires the layers together. Everything else receives them.
 */
export interface HubOptions {
  config: HubConfig;
  logger: Logger;
  clock?: Clock;
  /** The radio's address when it is not in the config (the simulator's, for `hub start` with no config). */
  radioAddress?: string;
  /** The broker when the config names none (the embedded one `hub start` runs); with neither there is no WAN. */
  wanBroker?: string;
  /** A line to the radio already built (an in-process simulator's end of a memory pair); the hub opens and closes it. */
  transport?: Transport;
}

export interface Hub {
  readonly clock: Clock;
  readonly store: Store;
  readonly logs: HubLogs;
  readonly deviceLog: DeviceLog;
  readonly radio: EzspRadio;
  readonly admission: HanAdmission;
  readonly joinWindows: JoinWindows;
  readonly network: NetworkInfo;
  readonly wan: HubWan | undefined;
  stop(): Promise<void>;
}

async function radioTransport(options: HubOptions): Promise<Transport> {
  if (options.transport) {
    await options.transport.open();
    return options.transport;
  }
  const radio = options.config.radio;
  const address = options.radioAddress ?? radio.port;
  return openTransport(address, { baudRate: radio.baudRate, flowControl: radio.flowControl });
}

export async function startHub(options: HubOptions): Promise<Hub> {
  const { config, logger } = options;
  const clock = options.clock ?? new SystemClock();
  // The key file (keys.json, mode 0600) sits in the store's directory, where `hub devices` looks for it.
  const secureElement = await FileSecureElement.open({ stateDir: config.store.path });
  const store = await openStore({ path: config.store.path, secureElement });
  const closers: Array<() => Promise<unknown>> = [() => store.close()];
  const stop = async () => {
    for (const close of closers.splice(0).reverse()) await close().catch((error: unknown) => logger.warn({ err: error }, 'error while stopping'));
  };
  try {
    const logs = await openHubLogs(store, clock);
    const deviceLog = await DeviceLog.open(store, { clock });
    closers.push(() => deviceLog.close());

    const transport = await radioTransport(options);
    closers.push(() => transport.close());
    const link = new AshEndpoint({ role: 'host', transport, clock, logger });
    const radio = new EzspRadio({ link, clock, logger });
    closers.push(() => radio.stop());

    const admission = new HanAdmission({ radio, log: deviceLog, clock, security: logs.securityLog, logger: logger.child({ component: 'admission' }) });
    const joinWindows = new JoinWindows(deviceLog, admission, clock);
    closers.push(async () => {
      joinWindows.stop();
      await admission.stop();
    });

    const resumed = await radio.start();
    const network = resumed ?? (await radio.formNetwork(config.network));
    logger.info({ channel: network.channel, panId: network.panId, extendedPanId: network.extendedPanId, resumed: resumed !== null }, 'network up');
    admission.start();

    const wan = await startHubWan({
      config, store, clock, logger, hub: network.localEui64, security: logs.securityLog,
      broker: options.wanBroker, embedded: config.wan.broker === undefined,
      health: () => ({
        han: { devices: deviceLog.list().map((d) => ({ eui64: d.eui64, type: d.deviceType, ...(d.lastCommunication === undefined ? {} : { lastContact: d.lastCommunication }) })) },
        // ASH's counters: retransmissions, NAKs and bad frames are the first sign of a poor UART or NCP.
        radio: { channel: network.channel, panId: network.panId, ashConnected: link.connected, ...link.counters },
      }),
    });
    if (wan) closers.push(() => wan.stop());
    return { clock, store, logs, deviceLog, radio, admission, joinWindows, network, wan, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
