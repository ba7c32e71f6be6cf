import { EventEmitter } from 'node:events';
import type { Clock } from '../../hal/clock.js';
import type { Eui64 } from '../../hal/radio.js';
import { CS14_MESSAGE_CODE, type DeviceLogChange, type JoinWindowEvents } from '../chf/index.js';
import type { AdmissionEvents, RelayEvents } from '../han/index.js';
import type { AlertQueueEvents } from '../hub/index.js';
import type { JoinFailure, JoinHalf, JoinJourney, JoinProgressEvent, JourneyState } from './join-stages.js';

/**
 * The one stream of join progress that `hub pair watch` and the installer page both show. It
 * listens to what the layers below already report as typed events (the Device Log, the CCS01 join
 * window, HAN admission, the relay, the alerts sealed for the WAN) and keeps, per Device, the
 * stages of its current attempt, so a watcher that arrives late still sees what happened.
 */

type Source<Events extends Record<keyof Events, unknown[]>> = Pick<EventEmitter<Events>, 'on' | 'off'>;

export interface JoinProgressSources {
  clock: Clock;
  deviceLog: Source<{ changed: [change: DeviceLogChange] }> & { get(eui64: Eui64): { deviceType: string } | undefined };
  joinWindows: Source<JoinWindowEvents> & { phaseOf(eui64: Eui64): string | undefined };
  admission: Source<AdmissionEvents>;
  alerts: Source<AlertQueueEvents>;
  relay: Source<RelayEvents>;
}

export interface JoinProgressEvents {
  progress: [event: JoinProgressEvent];
}

/** Journeys kept at most: every Device in the log (16) and the latest strangers refused. */
export const MAX_JOURNEYS = 32;

const ENDED: ReadonlySet<JourneyState> = new Set(['failed', 'removed', 'talking']);

export class JoinProgress extends EventEmitter<JoinProgressEvents> {
  private readonly journeys = new Map<Eui64, JoinJourney>();
  /** Set by the join window's `joined`, which comes just before admission's `linkKeyEstablished`. */
  private readonly resumed = new Map<Eui64, boolean>();
  private readonly detach: Array<() => void> = [];

  constructor(private readonly sources: JoinProgressSources) {
    super();
    const { deviceLog, joinWindows, admission, alerts, relay } = sources;
    this.listen(deviceLog, 'changed', this.onLogChanged);
    this.listen(joinWindows, 'opened', ({ eui64, at, plan }) => {
      let opensAt = at;
      const halves: JoinHalf[] = plan.map(({ phase, durationMs }) => ({ phase, opensAt, closesAt: (opensAt += durationMs) }));
      this.record({ eui64, at, stage: 'windowOpened', halves }, { fresh: true });
    });
    this.listen(joinWindows, 'phase', ({ eui64, phase, closesAt }) => this.record({ eui64, at: this.now(), stage: 'windowHalf', phase, closesAt }));
    this.listen(joinWindows, 'joined', ({ eui64, resumedWithHistoricKey }) => void this.resumed.set(eui64, resumedWithHistoricKey));
    this.listen(joinWindows, 'expired', ({ eui64 }) => this.fail(eui64, 'windowClosed', 'no key was established in time', true));
    this.listen(joinWindows, 'failed', ({ eui64, error }) => this.fail(eui64, 'radioFailed', error.message, true));
    this.listen(admission, 'joinHeard', ({ eui64 }) => this.record({ eui64, at: this.now(), stage: 'heard' }));
    this.listen(admission, 'linkKeyEstablished', ({ eui64 }) => {
      const resumedWithHistoricKey = this.resumed.get(eui64) ?? false;
      this.resumed.delete(eui64);
      this.record({ eui64, at: this.now(), stage: 'linkKeyEstablished', resumedWithHistoricKey });
    });
    this.listen(admission, 'linkKeyUnreadable', ({ eui64, reason }) => this.fail(eui64, 'keyEstablishmentFailed', `the radio could not give the new key: ${reason}`, true));
    this.listen(admission, 'refused', this.onRefused);
    this.listen(alerts, 'sealed', ({ messageCode, counter, concerns }) => {
      if (messageCode !== CS14_MESSAGE_CODE) return;
      for (const eui64 of concerns ?? []) if (this.journeys.has(eui64)) this.record({ eui64, at: this.now(), stage: 'cs14AlertSent', counter: counter.toString() });
    });
    this.listen(relay, 'message', ({ eui64 }) => this.firstMessage(eui64, 'fromDevice'));
    this.listen(relay, 'delivered', ({ eui64 }) => this.firstMessage(eui64, 'toDevice'));
    this.listen(relay, 'queueSettled', ({ eui64, status }) => status === 'DELIVERED' && this.firstMessage(eui64, 'toDevice'));
  }

  /** Every journey kept, most recent activity last. */
  list(): JoinJourney[] {
    return [...this.journeys.values()].map(copy);
  }

  journey(eui64: Eui64): JoinJourney | undefined {
    const journey = this.journeys.get(eui64);
    return journey && copy(journey);
  }

  /** A failure found before anything reached the radio (a label whose Device is not in the log, in watch mode). */
  refuse(eui64: Eui64, failure: JoinFailure, detail: string): void {
    this.fail(eui64, failure, detail, true, true);
  }

  stop(): void {
    for (const off of this.detach.splice(0)) off();
  }

  private readonly onLogChanged = (change: DeviceLogChange): void => {
    for (const eui64 of change.eui64s) {
      if (change.kind === 'added') this.record({ eui64, at: change.at, stage: 'whitelisted', by: change.origin ?? 'local' }, { fresh: true, restart: true });
      else if ((change.kind === 'removed' || change.kind === 'restored') && !this.sources.deviceLog.get(eui64) && this.journeys.has(eui64)) {
        this.record({ eui64, at: change.at, stage: 'removed' });
      }
    }
  };

  private readonly onRefused = ({ eui64, code, reason, step }: AdmissionEvents['refused'][0]): void => {
    if (code === 'JOIN_REFUSED_NOT_IN_LOG') return this.fail(eui64, 'notWhitelisted', reason, true, true);
    if (code === 'JOINED_WITHOUT_ADMISSION') return this.fail(eui64, 'windowClosed', reason, true);
    const phase = this.sources.joinWindows.phaseOf(eui64);
    if (step === 'keyEstablishment') {
      // In the historic-key half a Device holding only its install-code key fails here and joins in the second half.
      if (phase === 'historicKey') return this.fail(eui64, 'keyEstablishmentFailed', reason, false);
      return this.fail(eui64, phase === 'installCode' ? 'wrongInstallCode' : 'keyEstablishmentFailed', reason, true);
    }
    this.fail(eui64, 'windowClosed', reason, phase === undefined);
  };

  private firstMessage(eui64: Eui64, direction: 'fromDevice' | 'toDevice'): void {
    const journey = this.journeys.get(eui64);
    if (!journey || journey.state !== 'joined') return;
    this.record({ eui64, at: this.now(), stage: 'firstMessage', direction });
  }

  private fail(eui64: Eui64, failure: JoinFailure, detail: string, final: boolean, startIfNone = false): void {
    const journey = this.journeys.get(eui64);
    // A late report (the window ran out after the key came) changes nothing in an attempt already decided.
    if (journey && journey.state !== 'waiting' && !(startIfNone && ENDED.has(journey.state))) return;
    if (!journey && !startIfNone) return;
    this.record({ eui64, at: this.now(), stage: 'failed', failure, detail, final }, { fresh: !journey || ENDED.has(journey.state) });
  }

  /**
   * Add a step to `eui64`'s journey. `fresh`: it begins a new attempt when the last one has ended
   * (keeping the whitelisting, which still holds); `restart`: it begins one whatever the state.
   */
  private record(event: JoinProgressEvent, options: { fresh?: boolean; restart?: boolean } = {}): void {
    let journey = this.journeys.get(event.eui64);
    if (!journey && !options.fresh) return;
    if (!journey || options.restart || (options.fresh && ENDED.has(journey.state))) {
      const kept = options.restart ? [] : (journey?.steps.filter((s) => s.stage === 'whitelisted') ?? []);
      journey = { eui64: event.eui64, state: 'waiting', steps: kept };
      const deviceType = this.sources.deviceLog.get(event.eui64)?.deviceType;
      if (deviceType) journey.deviceType = deviceType;
    }
    journey.steps.push(event);
    journey.state = stateAfter(journey.state, event);
    this.journeys.delete(event.eui64);
    this.journeys.set(event.eui64, journey);
    for (const oldest of [...this.journeys.keys()].slice(0, Math.max(0, this.journeys.size - MAX_JOURNEYS))) this.journeys.delete(oldest);
    this.emit('progress', event);
  }

  private listen<Events extends Record<keyof Events, unknown[]>, K extends keyof Events & string>(source: Source<Events>, name: K, listener: (...args: Events[K]) => void): void {
    // EventEmitter's typed overloads do not follow a generic event name; the listener's type already matches it.
    type Untyped = (name: string, listener: unknown) => unknown;
    (source.on as unknown as Untyped).call(source, name, listener);
    this.detach.push(() => void (source.off as unknown as Untyped).call(source, name, listener));
  }

  private now(): number {
    return this.sources.clock.now();
  }
}

function stateAfter(state: JourneyState, event: JoinProgressEvent): JourneyState {
  switch (event.stage) {
    case 'linkKeyEstablished':
      return 'joined';
    case 'firstMessage':
      return 'talking';
    case 'failed':
      return event.final ? 'failed' : state;
    case 'removed':
      return 'removed';
    case 'windowOpened':
    case 'whitelisted':
      return 'waiting';
    default:
      return state;
  }
}

function copy(journey: JoinJourney): JoinJourney {
  return { ...journey, steps: journey.steps.map((s) => ({ ...s })) };
}
