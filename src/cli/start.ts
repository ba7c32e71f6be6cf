import type { Command } from 'commander';
import { SystemClock } from '../../hal/clock.js';
import type { Logger } from '../../hal/log.js';
import { loadConfig, type HubConfig } from '../config.js';
import { startHub, type Hub } from '../compose.js';
import { createLogger } from '../logs/index.js';
import { checkNoExposedSecrets, checkStartupFiles } from '../security/file-permissions.js';
import { checkWanFiles, prepareStoreDir } from './start-checks.js';
import { radioSource, withDoctorHint } from '../radio-source.js';
import { startSimInProcess } from '../sim-in-process.js';
import type { SimProcess } from '../sim-process.js';
import { embeddedLogins, startEmbeddedBroker, type EmbeddedBroker } from '../wan/index.js';
import { HubError } from '../../hal/errors.js';
import { feedWatchdog, serviceNotifier } from '../service/index.js';
import { startControl } from '../control/index.js';
import { startInstallerPageFor } from './installer-page.js';

/** How long a simulated device's join window stays open when `hub start` commissions the scenario. */
const DEMO_JOIN_TIMEOUT_SECONDS = 120;

/** The built-in scenario's device whose label lies, so every demo start shows a join being refused. */
const PLANTED_INTRUDER = 'intruder';

/** In-home displays and consumer access devices join GB HANs as Type 2 (receive-only) Devices. */
const DEVICE_LOG_TYPE: Record<string, string> = { IHD: 'Type2', CAD: 'Type2' };

/**
 * With the simulated radio, `hub start` plays the installer too: every device in the scenario goes
 * into the CHF Device Log with the install code on its label, joining opens for it, and the
 * simulated device is told to join. A device whose label lies (the scenario's intruder) is refused.
 */
async function commissionScenario(hub: Hub, sim: SimProcess, log: Logger): Promise<void> {
  for (const device of await sim.devices()) {
    if (!device.installCode || !device.commissioned) continue;
    await hub.deviceLog.add({ eui64: device.eui64, deviceType: DEVICE_LOG_TYPE[device.type] ?? device.type, installCode: device.installCode });
    await hub.joinWindows.open(device.eui64, DEMO_JOIN_TIMEOUT_SECONDS);
    const reply = await sim.request<{ outcome: { joined: boolean; reason?: string } }>('join', { eui64: device.eui64 });
    if (reply.outcome.joined) log.info({ device: device.name, eui64: device.eui64, type: device.type }, `${device.name} joined the HAN`);
    else if (device.name === PLANTED_INTRUDER) log.info({ device: device.name, eui64: device.eui64, reason: reply.outcome.reason }, `${device.name} was refused, as expected: the demo plants it with a wrong install code to show a refused join (its later join attempts are refused and warned about too)`);
    else log.warn({ device: device.name, eui64: device.eui64, reason: reply.outcome.reason }, `${device.name} was refused`);
  }
  await hub.admission.settled();
}

async function run(config: HubConfig, log: Logger): Promise<void> {
  // Before anything starts: a board with no radio attached is refused here, never run as the simulator.
  const source = await radioSource(config.radio);
  const clock = new SystemClock();
  let sim: SimProcess | undefined;
  if (source.kind === 'simulated') {
    // In this process (one Node process, not two); its own chatter stays out of the way unless something goes wrong there.
    sim = await startSimInProcess({
      clock,
      logger: createLogger({ level: 'warn' }).child({ program: 'sim' }),
      ...(config.sim.scenario ? { scenario: config.sim.scenario } : {}),
      ...(config.radio.dualBand ? { dualBand: true } : {}),
    });
    log.warn({ radio: 'simulated', address: sim.radio, control: sim.control, controlTokenFile: sim.controlTokenFile }, 'NO RADIO CONFIGURED: running the SIMULATED radio and HAN (set radio.board or radio.port for a real one; drive the simulator with the control address)');
  } else {
    log.info({ radio: source.address, ...(source.board ? { board: source.board } : {}) }, 'radio');
  }
  let broker: EmbeddedBroker | undefined;
  let hub: Hub;
  try {
    if (config.wan.broker === undefined) {
      // A free port, so it works whatever already listens on 1883.
      broker = await startEmbeddedBroker({ logins: await embeddedLogins(config.store.path), topicPrefix: config.wan.topicPrefix });
      log.info({ broker: broker.url }, `embedded MQTT broker on ${broker.url} (watch: npm run hub -- listen; send: npm run hub -- send <hex>; status: npm run hub -- wan status)`);
    }
    hub = await startHub({ config, logger: log, clock, radioAddress: sim?.radio, simulatedRadio: sim !== undefined, wanBroker: broker?.url, demoHeadEnd: true });
  } catch (error) {
    await broker?.close();
    await sim?.stop();
    throw withDoctorHint(error, config.radio);
  }
  let control: { close(): Promise<void> } | undefined;
  let page: { close(): Promise<void> } | undefined;
  try {
    control = await startControl(hub, config, log, config.wan.broker ?? broker?.url);
    page = await startInstallerPageFor(hub, config, log, sim !== undefined);
  } catch (error) {
    await control?.close();
    await hub.stop();
    await broker?.close();
    await sim?.stop();
    throw error;
  }
  if (sim) await commissionScenario(hub, sim, log);
  // So `hub wan status` shows the commissioned HAN now rather than at the next interval.
  hub.wan?.link.refreshTelemetry();
  if (hub.wan) log.info({ topics: `${hub.wan.link.topics.command.replace(/\/command$/, '')}/{command,response,alert,state,telemetry}` }, 'WAN topics');
  await leaveAnInactiveSlot(hub, async () => {
    await page?.close();
    await control?.close();
    await hub.stop();
    await broker?.close();
    await sim?.stop();
  });
  log.info({ devices: hub.deviceLog.size, channel: hub.network.channel }, 'hub ready');
  const service = serviceNotifier();
  const tell = (state: 'READY=1' | 'STOPPING=1') => service?.notify(state).catch((error: unknown) => log.warn({ err: error }, `could not tell systemd ${state}`));
  await tell('READY=1');
  const stopWatchdog = service ? feedWatchdog(service, () => hub.health(), log) : () => undefined;

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    // A CS06 switched the hub's slots (on a board: its new bundle passed its selftest): stop cleanly for the supervisor to start the new image, a
    // moment later so the command's response is in the outbox (it goes out after the restart if not
    // sent), and exit 75 (EX_TEMPFAIL) so a supervisor that restarts only on failure does so too.
    hub.ownFirmware.once('restartNeeded', () => {
      log.warn({ exitCode: RESTART_EXIT_CODE }, 'stopping to start again on the new image');
      process.exitCode = RESTART_EXIT_CODE;
      setTimeout(stop, RESTART_DELAY_MS).unref();
    });
  });
  stopWatchdog();
  await tell('STOPPING=1');
  log.info('stopping');
  await page?.close();
  await control.close();
  await hub.stop();
  await broker?.close();
  await sim?.stop();
}

/** How long after a CS06 switched the slots the hub stops to restart into them. */
const RESTART_DELAY_MS = 3000;
/** The exit code of a stop to run a new image of the hub. */
const RESTART_EXIT_CODE = 75;
/**
 * On a board the hub runs from the slot hub-launch read (HUB_SLOT); when the start-up's slot check
 * went back to the other slot, this process runs code that is no longer active: it stops, and the
 * service's restart runs the active slot.
 */
async function leaveAnInactiveSlot(hub: Hub, stop: () => Promise<void>): Promise<void> {
  const running = process.env['HUB_SLOT'];
  if (!running || !hub.ownImage) return;
  const { active } = await hub.ownImage.slots.state();
  if (active === running) return;
  await stop();
  throw new HubError('SLOT_ROLLED_BACK', `this process runs slot ${running.toUpperCase()}, but slot ${active.toUpperCase()} is active now: exiting so the service starts it`, { where: hub.ownImage.slots.root });
}

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('run the hub (with no config: a simulated radio and HAN, so no hardware is needed)')
    .action(async () => {
      const options = program.opts<{ config?: string }>();
      const config = await loadConfig(options.config);
      // Refuse to run with a config or key file others can read, or a secret copied into argv or the environment.
      await checkStartupFiles(config, options.config);
      checkNoExposedSecrets([config.wan.password].filter((secret): secret is string => Boolean(secret)));
      await checkWanFiles(config);
      await prepareStoreDir(config);
      const log = createLogger({ level: config.log.level });
      await run(config, log);
    });
}
