import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AshEndpoint } from '../../../hal/ash/index.js';
import { SystemClock } from '../../../hal/clock.js';
import { EzspRadio } from '../../../hal/ezsp-radio.js';
import { linkKeyFromInstallCode } from '../../../hal/install-code.js';
import { loadScenario } from '../../../hal/sim/scenario.js';
import { Simulator } from '../../../hal/sim/simulator.js';
import { SerialTransport } from '../../../hal/transport/serial.js';
import { DEVICE_TYPES } from '../../../src/security/device-types.js';
import { HanAdmission } from '../../../src/han/admission.js';
import { HanRelay } from '../../../src/han/relay.js';
import { SleepyQueue } from '../../../src/han/sleepy-queue.js';
import { openGbcsHub } from '../../../src/hub/gbcs-hub.js';
import type { RelayPort } from '../../../src/hub/router.js';
import { FileSecureElement } from '../../../src/security/file-secure-element.js';
import { WanGbcsBridge } from '../../../src/hub/gbcs-bridge.js';
import { Outbox } from '../../../src/wan/outbox.js';
import { WanLink } from '../../../src/wan/wan-link.js';
import { openPtyPair } from '../../helpers/pty.js';
import { openLog, TempStore } from '../chf/helpers.js';
import { SimTunnelAgent } from '../han/tunnel-sim-device.js';

/**
 * A whole hub's command path for WAN tests and the WAN bench: the simulated NCP and HAN served over
 * one end of a real pty pair, the EZSP radio on the other, the ESME joined through the CHF Device
 * Log and admission, the HAN relay, the GBCS router, and the WAN link with its outbox on a real
 * LevelDB, bridged to the router. `relayed` is called each time the router hands a message to the
 * relay (a seam for measuring the hub's own share of a command's time).
 */
export interface EsmeRigOptions {
  broker: string;
  relayed?: (eui64: string) => void;
}

export async function esmeRig(options: EsmeRigOptions) {
  const cleanups: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const pty = await openPtyPair();
    cleanups.push(() => pty.close());
    const real = new SystemClock();
    const scenario = await loadScenario(undefined);
    const esmeInfo = scenario.devices.find((d) => d.type === 'ESME')!;
    const sim = new Simulator({ scenario, clock: real, seed: 11 });
    const ncpSide = new SerialTransport({ path: pty.b, baudRate: 115200 });
    await ncpSide.open();
    sim.serve(ncpSide);
    cleanups.push(() => sim.close());
    const hostSide = new SerialTransport({ path: pty.a, baudRate: 115200 });
    await hostSide.open();
    const radio = new EzspRadio({ link: new AshEndpoint({ role: 'host', transport: hostSide, clock: real }), clock: real });
    cleanups.push(() => radio.stop());

    const temp = await TempStore.create();
    cleanups.push(() => temp.dispose());
    const { log } = await openLog(temp);
    cleanups.push(() => log.close());
    const admission = new HanAdmission({ radio, log, clock: real, security: { record: () => undefined } });
    cleanups.push(() => admission.stop());
    const network = (await radio.start()) ?? (await radio.formNetwork({ channel: 15, panId: 0x1234 }));
    admission.start();
    await log.add({ eui64: esmeInfo.eui64, deviceType: 'ESME', installCode: esmeInfo.declaredInstallCode });
    await admission.openWindow(esmeInfo.eui64, linkKeyFromInstallCode(esmeInfo.declaredInstallCode), 60_000);
    const keyed = new Promise<void>((resolve) => admission.on('linkKeyEstablished', (d) => d.eui64 === esmeInfo.eui64 && resolve()));
    if (!sim.join(esmeInfo.eui64).joined) throw new Error('the simulated ESME did not join');
    await keyed;

    const queue = await SleepyQueue.open({ store: temp.store, clock: real });
    const relay = new HanRelay({ radio, admission, devices: { isSleepy: (eui64) => DEVICE_TYPES[log.get(eui64)?.deviceType ?? 'ESME'].sleepy }, queue, clock: real });
    cleanups.push(async () => {
      await relay.stop();
      await queue.close();
    });
    await relay.start();
    const esme = new SimTunnelAgent(sim, esmeInfo.eui64);

    const keysDir = await mkdtemp(join(tmpdir(), 'hub-wan-keys-'));
    cleanups.push(() => rm(keysDir, { recursive: true, force: true }));
    const identity = { chf: network.localEui64, gpf: '00DB1234567890FF', manufacturerId: Buffer.from('1234', 'hex'), modelType: Buffer.from('0001', 'hex') };
    const secureElement = await FileSecureElement.open({ stateDir: keysDir, owners: [identity.chf] });
    const port: RelayPort = {
      relay: (eui64, bytes) => {
        options.relayed?.(eui64);
        return relay.relay(eui64, bytes);
      },
    };
    const gbcsHub = await openGbcsHub({ store: temp.store, secureElement, clock: real, identity, deviceLog: log, relay: port });
    cleanups.push(() => gbcsHub.stop());

    const outbox = await Outbox.open(temp.store, { clock: real });
    const link = new WanLink({ settings: { broker: options.broker }, hub: identity.chf, outbox, clock: real });
    cleanups.push(async () => {
      await link.stop();
      await outbox.close();
    });
    const bridge = new WanGbcsBridge({ link, router: gbcsHub.router, han: relay, clock: real });
    bridge.start();
    await link.start();
    return { esme, esmeEui64: esmeInfo.eui64 as string, link, outbox, relay, bridge, hostSide, sim, close };
  } catch (error) {
    await close();
    throw error;
  }
}
