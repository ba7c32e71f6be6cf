import { ControlClient, ControlError, type PairWatchEvent } from '../control/index.js';
import { describeStep, JOIN_PHASE_WORDS, type JoinFailure, type JoinJourney, type JoinProgressEvent } from '../installer/index.js';

/**
 * `hub pair watch`: one Device's join, stage by stage, as the hub reports it, with a countdown for
 * the open half of its join window, until it ends. How it ended is the exit status, so a script
 * (or an installer's wrapper) can tell a wrong install code from a window that ran out.
 */
export const WATCH_EXIT = {
  done: 0,
  wrongInstallCode: 3,
  notWhitelisted: 4,
  windowClosed: 5,
  keyEstablishmentFailed: 6,
  radioFailed: 6,
  removed: 7,
  timedOut: 8,
} as const satisfies Record<JoinFailure | 'done' | 'removed' | 'timedOut', number>;

export type WatchGoal = 'joined' | 'message';

export interface WatchOptions {
  storePath: string;
  eui64: string;
  /** `joined`: end once the TC link key is established; `message` (default): at the first GBCS message. */
  until: WatchGoal;
  timeoutSeconds?: number;
  out: NodeJS.WritableStream & { isTTY?: boolean };
  /** Seconds between countdown lines when not on a terminal (on one, the line is redrawn every second). */
  countdownEverySeconds?: number;
}

/** How one step ends the watch, if it does. */
function verdict(step: JoinProgressEvent, until: WatchGoal): number | undefined {
  if (step.stage === 'failed') return step.final ? WATCH_EXIT[step.failure] : undefined;
  if (step.stage === 'removed') return WATCH_EXIT.removed;
  if (step.stage === 'firstMessage') return WATCH_EXIT.done;
  if (step.stage === 'linkKeyEstablished' && until === 'joined') return WATCH_EXIT.done;
  return undefined;
}

const clockTime = (ms: number) => new Date(ms).toISOString().slice(11, 19);

/** Resolves with the exit status. */
export async function watchJoin(options: WatchOptions): Promise<number> {
  const client = await ControlClient.connect(options.storePath);
  if (!client) throw new ControlError('HUB_NOT_RUNNING', 'no hub is running on this store: start it (hub start), then watch', { where: options.storePath });
  const { out } = options;
  const live = out.isTTY === true;
  let offset = 0; // the hub's clock minus ours, so countdowns agree with the hub's windows
  let closesAt: number | undefined;
  let half = '';
  let lastPrinted = 0;
  let redraw = false;
  const print = (line: string) => {
    if (redraw) out.write('\r\x1b[2K');
    redraw = false;
    out.write(`${line}\n`);
  };
  const countdown = () => {
    if (closesAt === undefined) return;
    const left = Math.max(0, Math.round((closesAt - (Date.now() + offset)) / 1000));
    const line = `  ⏱ ${half} closes in ${left} s`;
    if (live) {
      out.write(`\r\x1b[2K${line}`);
      redraw = true;
    } else if (Date.now() - lastPrinted >= (options.countdownEverySeconds ?? 10) * 1000) {
      lastPrinted = Date.now();
      out.write(`${line}\n`);
    }
  };
  return new Promise<number>((resolve, reject) => {
    let subscription: { close(): Promise<void> } | undefined;
    const ticker = setInterval(countdown, 1000);
    const timeout = options.timeoutSeconds === undefined ? undefined : setTimeout(() => finish(WATCH_EXIT.timedOut, `no outcome within ${options.timeoutSeconds} s`), options.timeoutSeconds * 1000);
    let finished = false;
    const finish = (code: number, why: string) => {
      if (finished) return;
      finished = true;
      clearInterval(ticker);
      if (timeout) clearTimeout(timeout);
      print(code === WATCH_EXIT.done ? `Paired: ${options.eui64} ${why} (exit ${code})` : `Ended: ${why} (exit ${code})`);
      void (subscription?.close() ?? Promise.resolve()).catch(() => undefined).finally(() => void client.close().then(() => resolve(code)));
    };
    const step = (event: JoinProgressEvent) => {
      if (event.stage === 'windowOpened' || event.stage === 'windowHalf') {
        const current = event.stage === 'windowHalf' ? event : { phase: event.halves[0]!.phase, closesAt: event.halves[0]!.closesAt };
        closesAt = current.closesAt;
        half = `join window ${JOIN_PHASE_WORDS[current.phase]}`;
        lastPrinted = 0;
      }
      if (event.stage === 'linkKeyEstablished' || event.stage === 'failed' || event.stage === 'removed') closesAt = undefined;
      print(`  ${event.stage === 'failed' ? '✗' : '✓'} ${clockTime(event.at)}  ${describeStep(event)}`);
      countdown();
      const code = verdict(event, options.until);
      if (code !== undefined) finish(code, code === WATCH_EXIT.done ? (options.until === 'joined' ? 'joined the HAN' : 'joined and its first GBCS message was relayed') : describeStep(event));
    };
    const replay = (journey: JoinJourney | undefined) => {
      print(`${options.eui64}${journey?.deviceType ? ` ${journey.deviceType}` : ''}: ${journey ? 'its join so far' : 'nothing yet: waiting for its join'}`);
      for (const event of journey?.steps ?? []) if (!finished) step(event);
    };
    const onEvent = (raw: unknown) => {
      const event = raw as PairWatchEvent;
      offset = event.now - Date.now();
      if (event.type === 'snapshot') replay(event.journeys.find((j) => j.eui64 === options.eui64));
      else if (!finished) step(event.event);
    };
    client.subscribe({ eui64: options.eui64 }, onEvent, (error) => finished || (clearInterval(ticker), reject(error)), 'pair.watch').then(
      (opened) => {
        subscription = opened;
        if (finished) void opened.close().catch(() => undefined);
      },
      (error: unknown) => {
        clearInterval(ticker);
        if (timeout) clearTimeout(timeout);
        void client.close();
        reject(error);
      },
    );
  });
}
