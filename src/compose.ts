import { EventEmitter } from 'node:events';
import { AshEndpoint } from '../hal/ash/index.js';
import { SystemClock, type Clock } from '../hal/clock.js';
import { EzspRadio } from '../hal/ezsp-radio.js';
import type { Logger } from '../hal/log.js';
import type { Eui64, NetworkInfo } from '../hal/radio.js';
import { HubError } from '../hal/errors.js';
import { openTransport } from '../hal/transport/open.js';
import type { Transport } from '../hal/transport/transport.js';
import { DeviceLog, JoinWindows, raiseCcs08, raiseCs06Alert } from './chf/index.js';
import { DEVICE_TYPES } from './security/device-types.js';
import type { HubConfig } from './config.js';
import { GasProxyData, GpfDeviceLog, gpfEui64 } from './gpf/index.js';
import { ActivationGate, firmwareTargets, otaPacing, OwnImage, startHubFirmware, type FirmwareTransferEnded, type HubFirmware, openSlotsAtStart, type SlotsAtStart } from './firmware/index.js';
import { HanAdmission, NetworkIdentity, HanRelay, SleepyQueue } from './han/index.js';
import { openGbcsHub, type GbcsHub, startHubWan, type HubWan } from './hub/index.js';
import { HUB_EVENTS, openHubLogs, type HubLogs } from './logs/index.js';
import { JoinProgress, Pairing } from './installer/index.js';
import { seedCredentialsFromKeystore } from './security/credentials.js';
import { trustDemoHeadEnd } from './headend/index.js';
import { FileSecureElement } from './security/file-secure-element.js';
import { RetentionPolicy } from './security/retention.js';
import { PinStore } from './security/pin-store.js';
import { radioSource } from './radio-source.js';
import { openStore, type Store } from './store/index.js';
import { SubGhzState } from './subghz/index.js';
import { HubTime, TimeClusterServer } from './time/index.js';
import { bundleTrial, watchOwnImages, type OwnUpdates } from './update/index.js';

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
  /** The radio is the simulator (no radio configured): telemetry says so. */
  simulatedRadio?: boolean;
  /**
   * `hub start`'s demo: with no `security.keystore`, trust the demo head end (src/headend), so
   * `hub headend` can talk to it. Off for every other caller: a hub trusts no one it was not given.
   */
  demoHeadEnd?: boolean;
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
  /** The network's kept identity (PAN ids, channel, key), which `hub network backup|restore` reads and replaces. */
  readonly identity: NetworkIdentity;
  readonly wan: HubWan | undefined;
  /** The Upgrade Images held and those on their way in over the WAN. */
  readonly firmware: HubFirmware;
  /** The hub's own A/B image slots, when `firmware.slots` names them. */
  readonly ownImage: SlotsAtStart | undefined;
  /** CS06 and ECS52 for the hub itself; `restartNeeded` says a new slot waits for the next start. */
  readonly ownFirmware: OwnImage;
  /** The hub's own images: each one received and staged (or refused), and each CS06 switch its selftest kept or rolled back. */
  readonly ownUpdates: OwnUpdates | undefined;
  readonly relay: HanRelay;
  /** Each Device's way onto the HAN, stage by stage: what `hub pair watch` and the installer page show. */
  readonly joinProgress: JoinProgress;
  /** What an installer may do at the hub (`hub pair`, the installer page), under `installer.mode`. */
  readonly pairing: Pairing;
  readonly gbcs: GbcsHub;
  readonly time: HubTime;
  /** The dual-band hub's Sub GHz state (DBCH01-11); undefined for a single-band hub. */
  readonly subGhz: SubGhzState | undefined;
  /** The GPF's Device Log and its copy of the gas meter's data, which the GPF use cases answer from; the hub's PINs (GCS11 disables the privacy PIN). */
  readonly gpf: { deviceLog: GpfDeviceLog; data: GasProxyData; pins: PinStore };
  /** Whether the radio's link is up and the store takes writes: what the service watchdog is fed on. */
  health(): { radio: boolean; store: boolean };
  stop(): Promise<void>;
}

async function radioTransport(options: HubOptions, clock: Clock): Promise<Transport> {
  if (options.transport) {
    await options.transport.open();
    return options.transport;
  }
  const radio = options.config.radio;
  const source = options.radioAddress === undefined ? await radioSource(radio) : undefined;
  if (source?.kind === 'simulated') throw new HubError('RADIO_NOT_GIVEN', 'no radio configured: start the simulator and pass its address (as `hub start` does)', { where: 'radio.port' });
  const address = options.radioAddress ?? source!.address;
  // Raw bytes, not flag-delimited chunks: the ASH decoder frames them itself, and only with the bytes of
  // a frame whose closing flag was lost in hand can it NAK that frame after 50 ms of quiet line. With
  // the delimiter framing, a noisy line that drops bytes towards the host was seen to set off a storm
  // of retransmissions on a pty; raw framing does not.
  return openTransport(address, { baudRate: source?.baudRate ?? radio.baudRate, flowControl: source?.flowControl ?? radio.flowControl, framing: 'raw', clock });
}

/**
 * A dual-band hub's Sub GHz side, its network formed (or the radio put back on its channel), and
 * put back again whenever the NCP comes back from a reset, which loses the channel it was set to.
 */
async function openSubGhz(store: Store, radio: EzspRadio, clock: Clock, logger: Logger): Promise<{ subGhz: SubGhzState; close: () => Promise<void> }> {
  const subGhz = await SubGhzState.open(store, { clock, radio });
  try {
    const channel = await subGhz.form();
    logger.info({ page: channel.page, channel: channel.channel }, 'Sub GHz network up');
  } catch (error) {
    await subGhz.close();
    throw error;
  }
  const restore = () => void subGhz.form().catch((error: unknown) => logger.error({ err: error }, 'could not put the radio back on its Sub GHz channel'));
  radio.on('networkUp', restore);
  return {
    subGhz,
    close: async () => {
      radio.off('networkUp', restore);
      await subGhz.close();
    },
  };
}

/** What a builder stops on the hub's way down, in reverse order of start. */
export type Closers = Array<() => Promise<unknown>>;

/** Store and keys: the key file (keys.json, mode 0600) sits in the store's directory, where `hub devices` looks for it. */
export async function openHubStore(config: HubConfig, logger: Logger): Promise<{ secureElement: FileSecureElement; store: Store }> {
  const secureElement = await FileSecureElement.open({ stateDir: config.store.path });
  const store = await openStore({ path: config.store.path, secureElement });
  if (store.recoveryProblems.length > 0) {
    logger.error({ problems: store.recoveryProblems.length, store: store.path }, 'the store lost records it had acknowledged (a damaged or cut write-ahead log), so recent changes may be gone; see `hub store check`');
  }
  return { secureElement, store };
}

export interface HanParts {
  link: AshEndpoint;
  radio: EzspRadio;
  admission: HanAdmission;
  joinWindows: JoinWindows;
  identity: NetworkIdentity;
  network: NetworkInfo;
  time: HubTime;
  relay: HanRelay;
}

/** The radio and the HAN on it: the link, the network brought up from the store's identity, admission, time and the relay. */
export async function startHubHan(options: HubOptions, parts: { clock: Clock; store: Store; logs: HubLogs; deviceLog: DeviceLog; closers: Closers; onLinkKeyUnreadable: () => void }): Promise<HanParts> {
  const { config, logger } = options;
  const { clock, store, logs, deviceLog, closers } = parts;
  const transport = await radioTransport(options, clock);
  closers.push(() => transport.close());
  const link = new AshEndpoint({ role: 'host', transport, clock, logger });
  const radio = new EzspRadio({ link, clock, logger });
  closers.push(() => radio.stop());

  const admission = new HanAdmission({ radio, log: deviceLog, clock, security: logs.securityLog, logger: logger.child({ component: 'admission' }) });
  const joinWindows = new JoinWindows(deviceLog, admission, clock);
  // A join whose TC link key never came from the radio is on record, not silently missing from the Device Log.
  admission.on('linkKeyUnreadable', ({ eui64, attempts }) => {
    logs.eventLog.record(HUB_EVENTS.linkKeyUnreadable.code, { eui64, attempts }).catch((error: unknown) => logger.warn({ err: error }, 'could not record an unreadable TC link key'));
    parts.onLinkKeyUnreadable();
  });
  closers.push(async () => {
    joinWindows.stop();
    await admission.stop();
  });

  // The network's identity is the store's, not the radio's: a blank or replaced NCP is given the same network.
  const identity = await NetworkIdentity.open(store);
  const { network, how } = await identity.bringUp(radio, config.network, logger);
  // Only over a live link: a stop with the radio gone must not wait on a command that cannot be answered.
  closers.push(async () => (link.connected ? identity.keepFrameCounter(radio) : undefined));
  logger.info({ channel: network.channel, panId: network.panId, extendedPanId: network.extendedPanId, how }, 'network up');
  if (how === 'restored') {
    // The Devices' TC link keys too, as the old radio held them: a Device that rejoins through the trust centre needs its own.
    const keys = deviceLog.list().flatMap((d) => (d.tcLinkKey ? [{ eui64: d.eui64, linkKey: d.tcLinkKey }] : []));
    await radio.restoreLinkKeys(keys);
    logger.info({ devices: keys.length }, 'TC link keys put back on the radio');
  }
  admission.start();

  const time = await HubTime.open({ store, clock, trustSystemClock: true });
  const timeServer = new TimeClusterServer(radio, time, logger.child({ component: 'time' }));
  timeServer.start();
  closers.push(async () => timeServer.stop());

  const queue = await SleepyQueue.open({ store, clock, logger });
  const relay = new HanRelay({
    radio, admission, queue, clock, logger,
    devices: {
      isSleepy: (eui64) => DEVICE_TYPES[deviceLog.get(eui64)?.deviceType ?? 'ESME'].sleepy,
      isReceiveOnly: (eui64) => DEVICE_TYPES[deviceLog.get(eui64)?.deviceType ?? 'ESME'].receiveOnly,
    },
    security: logs.securityLog,
  });
  closers.push(() => relay.stop());
  // A Device that leaves the log takes its tunnels and queued messages with it (reported as REMOVED).
  deviceLog.on('changed', ({ kind, eui64s }) => {
    if (kind !== 'removed' && kind !== 'restored') return;
    for (const eui64 of eui64s) if (!deviceLog.has(eui64)) void relay.forgetDevice(eui64).catch(() => undefined);
  });
  return { link, radio, admission, joinWindows, identity, network, time, relay };
}

export interface GbcsParts {
  chf: Eui64;
  gpf: Eui64;
  gpfState: Hub['gpf'];
  subGhz: SubGhzState | undefined;
  gbcs: GbcsHub;
  activationGate: ActivationGate;
  joinProgress: JoinProgress;
  pairing: Pairing;
}

/** The GBCS side: the hub's identity and keys, the GPF's state, retention, Sub GHz, the use cases, pairing and trusted parties. */
export async function openHubGbcsParts(options: HubOptions, parts: { clock: Clock; store: Store; secureElement: FileSecureElement; logs: HubLogs; deviceLog: DeviceLog; han: HanParts; closers: Closers }): Promise<GbcsParts> {
  const { config, logger } = options;
  const { clock, store, secureElement, logs, deviceLog, closers } = parts;
  const { radio, network, identity, joinWindows, admission, relay } = parts.han;
  const chf = network.localEui64;
  const gpf = gpfEui64(chf, config.identity.gpf);
  await secureElement.ensureOwners([chf, gpf]);
  // The hub's own identifiers are the digits a PIN may not copy (they are printed on its label).
  const pins = await PinStore.open(store, { clock, securityLog: logs.securityLog, identifiers: async () => [...new Set([chf, gpf, ...secureElement.owners()])] });
  const gpfState = { deviceLog: await GpfDeviceLog.open(store), data: await GasProxyData.open(store), pins };
  // Personal data past its PERSONAL_DATA retention goes: once now, then daily.
  const retention = new RetentionPolicy({
    clock, logger: logger.child({ component: 'retention' }),
    holders: [
      { name: 'gpf', purge: (now) => gpfState.data.purgeExpired(now) },
      { name: 'deviceLog', purge: async () => [{ domain: 'deviceLog', entries: await deviceLog.dropSpentInstallCodes() }] },
    ],
  });
  closers.push(() => retention.stop());
  await retention.start();
  const dualBand = config.radio.dualBand ? await openSubGhz(store, radio, clock, logger) : undefined;
  if (dualBand) closers.push(dualBand.close);
  const subGhz = dualBand?.subGhz;
  // CS06 for a Device is checked against the allowed Device Model combinations before it is relayed (armed with the firmware).
  const activationGate = new ActivationGate(relay);
  const gbcs = await openGbcsHub({
    store, secureElement, clock, logger, deviceLog, logs, joinWindows, relay: activationGate,
    // CCS03 forms the network again with the restored extended PAN id.
    network: { formNetwork: (parameters) => identity.form(radio, parameters) },
    identity: { chf, gpf, manufacturerId: Buffer.from(config.identity.manufacturerId, 'hex'), modelType: Buffer.from(config.identity.modelType, 'hex') },
    extendedPanId: () => Buffer.from((radio.networkInfo() ?? network).extendedPanId, 'hex'),
    gpf: gpfState,
    ...(subGhz ? { subGhz } : {}),
  });
  closers.push(() => gbcs.stop());
  const joinProgress = new JoinProgress({ clock, deviceLog, joinWindows, admission, alerts: gbcs.router.alerts, relay });
  closers.push(async () => joinProgress.stop());
  const pairing = new Pairing({ config: config.installer, clock, deviceLog, joinWindows, joinProgress, eventLog: logs.eventLog, radio });
  closers.push(async () => pairing.stop());
  if (config.security.keystore) {
    const trusted = await seedCredentialsFromKeystore(gbcs.credentials, config.security.keystore, [chf, gpf], {
      ownKey: (eui, usage) => secureElement.publicKey(eui, usage),
      mismatched: (credential) => logger.warn({ eui64: credential.eui, usage: credential.usage }, "a keystore certificate for the hub's own Device certifies a key the hub does not hold; not installed"),
    });
    logger.info({ certificates: trusted, keystore: config.security.keystore }, 'remote parties trusted from the keystore');
  } else if (options.demoHeadEnd) {
    await trustDemoHeadEnd({ storePath: config.store.path, credentials: gbcs.credentials, secureElement, chf, gpf, logger });
  }
  return { chf, gpf, gpfState, subGhz, gbcs, activationGate, joinProgress, pairing };
}

/** Firmware: the hub's own image slots (an interrupted update finished or undone first), the Upgrade Images, and CCS08 for each transfer's end. */
export async function startHubFirmwareParts(options: HubOptions, parts: { clock: Clock; store: Store; logs: HubLogs; radio: EzspRadio; gbcs: GbcsHub; activationGate: ActivationGate; subGhz: SubGhzState | undefined; chf: Eui64; closers: Closers }): Promise<{ ownImage: SlotsAtStart | undefined; firmware: HubFirmware; ownFirmware: OwnImage; ownUpdates: OwnUpdates | undefined }> {
  const { config, logger } = options;
  const { clock, store, logs, radio, gbcs, activationGate, subGhz, chf, closers } = parts;
  const record = (log: 'event' | 'security', code: number, detail: Record<string, string>) => (log === 'event' ? logs.eventLog.record(code, detail) : logs.securityLog.record(code, detail));
  const ownImage = config.firmware.slots === undefined ? undefined : await openSlotsAtStart({
    root: config.firmware.slots, credentials: gbcs.credentials, logger: logger.child({ component: 'slots' }), record,
  });
  const firmware = await startHubFirmware({
    store, clock, logger: logger.child({ component: 'firmware' }), credentials: gbcs.credentials, securityLog: logs.securityLog,
    quotaBytes: config.firmware.quotaBytes, targetOf: firmwareTargets(config.firmware.targets), radio,
    ...(subGhz ? { minimumBlockPeriodMs: otaPacing(subGhz, () => clock.now()) } : {}), hub: chf,
  });
  closers.push(async () => firmware.stop());
  // Each image discarded on its way in, and each transfer to a Device, is a CCS08 naming the outcome.
  const reportTransfer = (event: FirmwareTransferEnded) => {
    try {
      raiseCcs08(gbcs.router.alerts, { chf }, event);
    } catch (error) {
      logger.warn({ err: error }, 'CCS08 not raised');
    }
  };
  // CS06 and ECS52 addressed to the CHF. They need the held images and the slots, which need the
  // credentials the GBCS side holds, so they join the handlers' context here, before any command runs.
  const ownTarget = firmwareTargets(config.firmware.targets)(chf);
  // On a board, a slot runs a bundle: unpacked when staged, its selftest run right after a CS06 switches to it.
  const ownUpdates: OwnUpdates | undefined = ownImage ? new EventEmitter() : undefined;
  const updateOptions = ownImage ? { chf, firmware, slots: ownImage.slots, logger: logger.child({ component: 'update' }), record, clock } : undefined;
  const ownFirmware = await OwnImage.open({
    store, clock, images: firmware.images, hub: chf,
    ...(ownImage ? { slots: ownImage.slots } : {}),
    ...(updateOptions && ownUpdates ? { trial: bundleTrial(updateOptions, ownUpdates) } : {}),
    ...(ownTarget ? { target: ownTarget } : {}),
    models: firmware.models,
  });
  gbcs.chf.ownImage = ownFirmware;
  activationGate.arm({ images: firmware.images, models: firmware.models, targetOf: firmwareTargets(config.firmware.targets) });
  closers.push(async () => ownFirmware.stop());
  ownFirmware.on('futureActivation', (outcome) => raiseCs06Alert(gbcs.router.alerts, { chf }, outcome));
  ownFirmware.on('restartNeeded', ({ version }) => logger.warn({ version: version.toString('hex') }, 'a new image of the hub is activated: it runs from the next start'));
  // An image received for the CHF itself is only staged (CS05 stores, CS06 activates); one whose bundle cannot run is dropped.
  if (updateOptions && ownUpdates) {
    watchOwnImages({ ...updateOptions, own: ownFirmware }, ownUpdates);
    ownUpdates.on('refused', reportTransfer);
  }
  firmware.onTransferEnded(reportTransfer);
  await firmware.resume();
  return { ownImage, firmware, ownFirmware, ownUpdates };
}

/** The WAN, when there is a broker: its telemetry read from the HAN, radio and firmware, and the GBCS router and relay attached. */
export async function startHubWanParts(options: HubOptions, parts: { clock: Clock; store: Store; logs: HubLogs; deviceLog: DeviceLog; han: HanParts; gbcs: GbcsHub; chf: Eui64; firmware: HubFirmware; closers: Closers }): Promise<HubWan | undefined> {
  const { config, logger } = options;
  const { clock, store, logs, deviceLog, gbcs, chf, firmware, closers } = parts;
  const { admission, network, link, relay } = parts.han;
  const wan = await startHubWan({
    config, store, clock, logger, hub: chf, security: logs.securityLog,
    broker: options.wanBroker, embedded: config.wan.broker === undefined,
    downstream: { firmwareChunk: firmware.accept, deviceModelList: firmware.acceptModelList },
    health: () => ({
      han: {
        devices: deviceLog.list().map((d) => ({
          eui64: d.eui64,
          type: d.deviceType,
          ...(d.lastCommunication === undefined ? {} : { lastContact: d.lastCommunication }),
          ...(admission.linkKeyUnread(d.eui64) ? { linkKeyUnreadable: true } : {}),
        })),
      },
      // ASH's counters: retransmissions, NAKs and bad frames are the first sign of a poor UART or NCP.
      radio: { mode: options.simulatedRadio ? 'simulated' : 'hardware', channel: network.channel, panId: network.panId, ashConnected: link.connected, ...link.counters },
      firmware: { transfers: firmware.receiver.progress() },
    }),
  });
  if (wan) {
    closers.push(() => wan.stop());
    wan.attach(gbcs.router, relay);
  }
  return wan;
}

/** A start on a new slot passes its check once the hub is up and its WAN connected (or deliberately absent). */
async function confirmOwnImage(ownImage: SlotsAtStart | undefined, wan: HubWan | undefined, options: HubOptions, clock: Clock, closers: Closers): Promise<void> {
  if (ownImage?.recovery !== 'onTrial') return;
  if (!wan || wan.link.state === 'connected') return ownImage.confirm(true, 'started').then(() => undefined);
  const onConnected = () => void ownImage.confirm(true, 'started').finally(() => trial.cancel());
  const trial = clock.setTimeout(() => {
    wan.link.off('connected', onConnected);
    void ownImage.confirm(false, `the WAN did not connect within ${options.config.firmware.trialSeconds} s`);
  }, options.config.firmware.trialSeconds * 1000);
  wan.link.once('connected', onConnected);
  closers.push(async () => trial.cancel());
}

export async function startHub(options: HubOptions): Promise<Hub> {
  const { logger } = options;
  const clock = options.clock ?? new SystemClock();
  const { secureElement, store } = await openHubStore(options.config, logger);
  const closers: Closers = [() => store.close()];
  const stop = async () => {
    for (const close of closers.splice(0).reverse()) await close().catch((error: unknown) => logger.warn({ err: error }, 'error while stopping'));
  };
  try {
    const logs = await openHubLogs(store, clock);
    const deviceLog = await DeviceLog.open(store, { clock });
    closers.push(() => deviceLog.close());
    let refreshTelemetry = (): void => undefined;
    const han = await startHubHan(options, { clock, store, logs, deviceLog, closers, onLinkKeyUnreadable: () => refreshTelemetry() });
    const { chf, gpf, gpfState, subGhz, gbcs, activationGate, joinProgress, pairing } = await openHubGbcsParts(options, { clock, store, secureElement, logs, deviceLog, han, closers });
    const { ownImage, firmware, ownFirmware, ownUpdates } = await startHubFirmwareParts(options, { clock, store, logs, radio: han.radio, gbcs, activationGate, subGhz, chf, closers });
    const wan = await startHubWanParts(options, { clock, store, logs, deviceLog, han, gbcs, chf, firmware, closers });
    if (wan) refreshTelemetry = () => wan.link.refreshTelemetry();
    await confirmOwnImage(ownImage, wan, options, clock, closers);
    // Started last, so the alerts and start-up expiries they raise find their listeners in place.
    gbcs.start();
    await ownFirmware.start();
    await han.relay.start();
    logger.info({ chf, gpf }, 'GBCS identity');
    const { link, radio, admission, joinWindows, network, identity, relay, time } = han;
    const health = () => ({ radio: link.connected, store: store.writeFailure === undefined });
    return { clock, store, logs, deviceLog, radio, admission, joinWindows, network, identity, wan, relay, joinProgress, pairing, gbcs, time, subGhz, gpf: gpfState, firmware, ownImage, ownFirmware, ownUpdates, health, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
