import type { Clock } from '../../hal/clock.js';
import { HubError } from '../../hal/errors.js';
import { parseEui64 } from '../../hal/eui64.js';
import type { Eui64, IncomingMessage } from '../../hal/radio.js';
import { maskSecret, parseDeviceType, type DeviceLog, type JoinPlanStep, type JoinWindows } from '../chf/index.js';
import type { InstallerConfig } from '../config.js';
import { HUB_EVENTS, type EventLog, type HubEventName } from '../logs/index.js';
import type { JoinProgress } from './join-progress.js';
import type { JoinJourney } from './join-stages.js';
import type { PairingLabel } from './label.js';

/**
 * What an installer may do at the hub, and the policy on it. GB lets a Device join a live hub only
 * after its supplier's CCS01, so in `watch` mode the installer may only re-open the join window of a
 * Device CCS01 put in the log, and only with the install code CCS01 gave; `local-add` (labs and
 * prototypes) adds Devices too. Every action, and every refusal, is in the Event Log with the
 * channel it came through; a local add goes through the same Device Log call as CCS01, so it makes
 * the same entry and raises the same CS14 alert.
 */
export type InstallerMode = InstallerConfig['mode'];
/** Where an action came from, for the Event Log. */
export type InstallerChannel = 'cli' | 'page' | 'wan';

export class PairingError extends HubError {}

/** A label as checked against the Device Log: nothing changed, nothing personal in it. */
export interface LabelVerdict {
  eui64: Eui64;
  /** Masked: its last byte and length only. */
  installCode: string;
  inDeviceLog: boolean;
  /** Whether the label's code is the one the log holds (undefined when the log holds none to compare). */
  codeMatches?: boolean;
  /** What pair add would do with it in this mode; `refused` says why not. */
  action: 'add' | 'reopen' | 'alreadyJoined' | 'refused';
  refusal?: string;
}

export interface PairOutcome {
  eui64: Eui64;
  added: boolean;
  plan: JoinPlanStep[];
  journey: JoinJourney | undefined;
}

/** One row of the HAN picture: the Device, how its join stands, when it was last heard and how well. */
export interface HanDevice {
  eui64: Eui64;
  deviceType: string;
  installCode: string;
  linkKey: 'established' | 'none';
  state: JoinJourney['state'] | 'joined' | 'notJoined';
  lastHeard: number | null;
  /** RSSI (dBm) and LQI (0..255) of the last message heard. */
  rssi: number | null;
  lqi: number | null;
}

export interface PairingOptions {
  config: Pick<InstallerConfig, 'mode' | 'joinTimeoutSeconds'>;
  clock: Clock;
  deviceLog: DeviceLog;
  joinWindows: Pick<JoinWindows, 'open' | 'lastJoinTimeout'>;
  joinProgress: Pick<JoinProgress, 'journey' | 'refuse'>;
  eventLog: Pick<EventLog, 'record'>;
  /** Only its messages' link quality is read. */
  radio: { on(event: 'message', listener: (message: IncomingMessage) => void): unknown; off(event: 'message', listener: (message: IncomingMessage) => void): unknown };
}

export class Pairing {
  readonly mode: InstallerMode;
  private readonly lqi = new Map<Eui64, number>();
  private readonly onMessage = ({ eui64, lqi }: IncomingMessage) => void this.lqi.set(eui64, lqi);

  constructor(private readonly options: PairingOptions) {
    this.mode = options.config.mode;
    options.radio.on('message', this.onMessage);
  }

  stop(): void {
    this.options.radio.off('message', this.onMessage);
  }

  /** What `add` would do with this label, without doing it. */
  check(label: PairingLabel): LabelVerdict {
    const entry = this.options.deviceLog.get(label.eui64);
    const verdict: LabelVerdict = { eui64: label.eui64, installCode: maskSecret(label.installCode), inDeviceLog: entry !== undefined, action: 'add' };
    if (entry?.installCode) verdict.codeMatches = entry.installCode.equals(label.installCode);
    if (!entry) {
      if (this.mode === 'watch') return { ...verdict, action: 'refused', refusal: 'not whitelisted: its supplier has not added it (CCS01), and in watch mode it cannot be added here' };
      return verdict;
    }
    if (verdict.codeMatches === false) return { ...verdict, action: 'refused', refusal: 'wrong install code: the label does not match the code its whitelisting gave' };
    if (!entry.installCode) return { ...verdict, action: entry.tcLinkKey ? 'alreadyJoined' : 'refused', ...(entry.tcLinkKey ? {} : { refusal: 'the log holds no install code for it yet: its supplier sends one with CCS01' }) };
    return { ...verdict, action: 'reopen' };
  }

  /**
   * Pair by label: in `local-add` a Device not in the log is added (local origin) first; then its
   * join window is opened (a Device CCS01 added gets the join_timeout its CCS01 set, when known).
   */
  async add(label: PairingLabel, deviceTypeText: string | undefined, channel: InstallerChannel): Promise<PairOutcome> {
    const verdict = this.check(label);
    if (verdict.action === 'refused' || verdict.action === 'alreadyJoined') {
      const why = verdict.refusal ?? 'it has already joined: its TC link key is established';
      await this.record('localActionRefused', { action: 'pair add', eui64: label.eui64, why: why.split(':')[0]!, via: channel });
      if (!verdict.inDeviceLog) this.options.joinProgress.refuse(label.eui64, 'notWhitelisted', 'not in the CHF Device Log');
      if (verdict.codeMatches === false) this.options.joinProgress.refuse(label.eui64, 'wrongInstallCode', 'the label does not match the Device Log');
      throw new PairingError(verdict.codeMatches === false ? 'LABEL_WRONG_INSTALL_CODE' : verdict.inDeviceLog ? 'PAIR_NOT_POSSIBLE' : 'NOT_WHITELISTED', why, { where: label.eui64 });
    }
    let added = false;
    if (verdict.action === 'add') {
      if (deviceTypeText === undefined) throw new PairingError('DEVICE_TYPE_NEEDED', 'name the Device type to add it (ESME, GSME, PPMID, HCALCS, Type2...)', { where: 'device type' });
      const deviceType = parseDeviceType(deviceTypeText);
      added = (await this.options.deviceLog.add({ eui64: label.eui64, deviceType, installCode: label.installCode, origin: 'local' })).added;
      await this.record('localDeviceAdded', { eui64: label.eui64, deviceType, via: channel });
    }
    const seconds = this.options.joinWindows.lastJoinTimeout(label.eui64) ?? this.options.config.joinTimeoutSeconds;
    const plan = await this.options.joinWindows.open(label.eui64, seconds);
    await this.record('localJoinWindowOpened', { eui64: label.eui64, seconds, via: channel });
    return { eui64: label.eui64, added, plan, journey: this.options.joinProgress.journey(label.eui64) };
  }

  /** Remove a Device (local-add mode only: in watch mode Devices leave the log by their supplier's CCS02). */
  async remove(eui64Text: string, channel: InstallerChannel): Promise<{ eui64: Eui64; keptInHistoricLog: boolean }> {
    const eui64 = parseEui64(eui64Text);
    if (this.mode !== 'local-add') {
      await this.record('localActionRefused', { action: 'pair remove', eui64, why: 'watch mode', via: channel });
      throw new PairingError('PAIR_WATCH_MODE', "in watch mode a Device leaves the log by its supplier's CCS02; set installer.mode: local-add to remove it here", { where: eui64 });
    }
    const outcome = await this.options.deviceLog.remove(eui64);
    if (!outcome.removed) throw new PairingError('DEVICE_NOT_IN_LOG', 'is not in the CHF Device Log', { where: eui64 });
    await this.record('localDeviceRemoved', { eui64, via: channel });
    return { eui64, keptInHistoricLog: outcome.keptInHistoricLog };
  }

  /** The HAN as the installer sees it: every Device in the log with its join state, last heard and link quality. */
  devices(): HanDevice[] {
    return this.options.deviceLog.list().map((entry) => {
      const journey = this.options.joinProgress.journey(entry.eui64);
      const state = journey && journey.state !== 'removed' ? journey.state : entry.tcLinkKey ? 'joined' : 'notJoined';
      return {
        eui64: entry.eui64,
        deviceType: entry.deviceType,
        installCode: maskSecret(entry.installCode),
        linkKey: entry.tcLinkKey ? 'established' : 'none',
        state,
        lastHeard: entry.lastCommunication ?? null,
        rssi: entry.signalStrength ?? null,
        lqi: this.lqi.get(entry.eui64) ?? null,
      };
    });
  }

  /** An installer's action, in the Event Log; `detail` carries no install code or key. */
  async record(event: HubEventName, detail: Record<string, string | number>): Promise<void> {
    await this.options.eventLog.record(HUB_EVENTS[event].code, detail);
  }
}
