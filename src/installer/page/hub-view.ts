import type { NetworkInfo } from '../../../hal/radio.js';
import { hashTcLinkKey, maskSecret, type DeviceLog, type DeviceLogEntry } from '../../chf/index.js';
import type { JoinProgress } from '../join-progress.js';
import type { JoinJourney } from '../join-stages.js';
import type { HanDevice, InstallerMode, Pairing } from '../pairing.js';

/**
 * What the installer page shows of the hub, as JSON: the Device Log and Historic Device Log (install
 * codes and keys masked, as `hub devices` shows them), the HAN picture, the join journeys, and the
 * hub's health. Built from the hub's live parts on each request; nothing personal leaves unmasked.
 */
export type HealthLevel = 'ok' | 'warn' | 'fault' | 'absent';

export interface HealthItem {
  name: 'radio' | 'wan' | 'store' | 'timeSync' | 'subGhz';
  level: HealthLevel;
  detail: string;
}

export interface PageState {
  now: number;
  mode: InstallerMode;
  deviceLog: { capacity: number; devices: DeviceRecord[] };
  historic: Array<{ eui64: string; tcLinkKey: string; recordedAt: string }>;
  han: { hub: string; devices: HanDevice[] };
  journeys: JoinJourney[];
  health: HealthItem[];
}

/** The running hub's parts the page reads (the composition root's Hub has them all). */
export interface PageHub {
  deviceLog: Pick<DeviceLog, 'capacity' | 'list' | 'historic'>;
  pairing: Pairing;
  joinProgress: JoinProgress;
  radio: { networkInfo(): NetworkInfo | null };
  wan: { link: { state: string } } | undefined;
  store: { writeFailure: { code: string } | undefined };
  time: { status(): { master: boolean; synchronised: boolean } };
  subGhz: { currentChannel(): { page: number; channel: number } | null } | undefined;
  network: { localEui64: string };
  simulatedRadio?: boolean;
}

/** A Device Log entry as `hub devices list` shows it: install code masked, the key only hashed. */
export interface DeviceRecord {
  eui64: string;
  deviceType: string;
  installCode: string;
  tcLinkKey: 'established' | 'none';
  hashedTcLinkKey: string;
  lastCommunication: string;
}

function deviceRecord(entry: DeviceLogEntry): DeviceRecord {
  return {
    eui64: entry.eui64,
    deviceType: entry.deviceType,
    installCode: maskSecret(entry.installCode),
    tcLinkKey: entry.tcLinkKey ? 'established' : 'none',
    hashedTcLinkKey: hashTcLinkKey(entry.tcLinkKey).toString('hex'),
    lastCommunication: entry.lastCommunication === undefined ? '' : new Date(entry.lastCommunication).toISOString(),
  };
}

export function health(hub: PageHub): HealthItem[] {
  const network = hub.radio.networkInfo();
  const wanState = hub.wan?.link.state;
  const time = hub.time.status();
  const subGhz = hub.subGhz?.currentChannel();
  return [
    {
      name: 'radio',
      level: network ? 'ok' : 'fault',
      detail: network ? `network up on channel ${network.channel}, PAN ${network.panId.toString(16).toUpperCase().padStart(4, '0')}${hub.simulatedRadio ? ' (simulated radio)' : ''}` : 'the radio is not answering or its network is down',
    },
    { name: 'wan', level: wanState === undefined ? 'absent' : wanState === 'connected' ? 'ok' : 'warn', detail: wanState === undefined ? 'no WAN configured' : `MQTT link ${wanState}` },
    { name: 'store', level: hub.store.writeFailure ? 'fault' : 'ok', detail: hub.store.writeFailure ? `writes refused: ${hub.store.writeFailure.code}` : 'writing and syncing' },
    { name: 'timeSync', level: time.synchronised ? 'ok' : time.master ? 'warn' : 'fault', detail: time.synchronised ? 'synchronised by the head end' : time.master ? 'serving the system clock, not yet set by the head end' : 'no time to serve' },
    hub.subGhz ? { name: 'subGhz', level: subGhz ? 'ok' : 'warn', detail: subGhz ? `channel ${subGhz.channel} (page ${subGhz.page})` : 'no Sub GHz channel yet' } : { name: 'subGhz', level: 'absent', detail: 'single-band radio' },
  ];
}

export function pageState(hub: PageHub): PageState {
  const log = hub.deviceLog;
  return {
    now: Date.now(),
    mode: hub.pairing.mode,
    deviceLog: { capacity: log.capacity, devices: log.list().map(deviceRecord) },
    historic: log.historic.list().map((entry) => ({ eui64: entry.eui64, tcLinkKey: maskSecret(entry.tcLinkKey), recordedAt: new Date(entry.recordedAt).toISOString() })),
    han: { hub: hub.network.localEui64, devices: hub.pairing.devices() },
    journeys: hub.joinProgress.list(),
    health: health(hub),
  };
}
