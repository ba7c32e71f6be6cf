import type { Clock, Timer } from '../../hal/clock.js';
import type { Logger } from '../../hal/log.js';

/**
 * Runs the retention rules of PERSONAL_DATA (personal-data.ts) over the hub's state: once at start
 * (awaited, so a hub's first view is already purged) and then once a day on the hub's Clock. The rules themselves stay with the data's owners, who read
 * the class table for their limits: the GPF drops consumption, tariff and prepayment values past
 * their age, the CHF Device Log drops install codes whose link key is established. This module only
 * schedules passes, keeps them one at a time, and reports counts.
 *
 * A pass is idempotent (a second finds nothing) and each owner writes each domain in one atomic,
 * synced batch, so a crash mid-pass leaves every domain either as it was or purged; the next pass
 * finishes the job. Nothing here touches the Event or Security Log: they hold no personal data and
 * the Security Log loses entries only to its capacity bound and its own local purge.
 *
 * What is left to events, not passes: `untilReplaced` (PINs, keys: their stores overwrite them),
 * `untilDeviceRemoved` (the Device Log deletes an entry with its Device), `untilHistoricLogOverwrites`
 * (a removed Device's TC link key moves to the 15-entry Historic Device Log, which GBCS needs for
 * CCS01 to resume it, and goes when the oldest entry is overwritten), `untilDecommissioned`
 * (MPAN/MPRN go with the store). `untilChangeOfTenancy` (customer ids) has no holder: the hub
 * stores none.
 */
export interface RetentionHolder {
  /** What it holds, for the log line; never a value. */
  readonly name: string;
  /** Drop what retention has expired at `now` (UTC ms); resolves with how many entries went, per domain. */
  purge(now: number): Promise<ReadonlyArray<{ domain: string; entries: number }>>;
}

export interface RetentionReport {
  at: number;
  purged: Array<{ domain: string; entries: number }>;
  /** Holders whose pass failed (their state is as it was); the next pass tries again. */
  failed: string[];
}

export const RETENTION_INTERVAL_MS = 24 * 60 * 60 * 1000;

export interface RetentionPolicyOptions {
  clock: Clock;
  logger: Logger;
  holders: readonly RetentionHolder[];
  intervalMs?: number;
}

export class RetentionPolicy {
  private timer: Timer | undefined;
  private running: Promise<RetentionReport> | undefined;
  private stopped = false;
  private readonly intervalMs: number;

  constructor(private readonly options: RetentionPolicyOptions) {
    this.intervalMs = options.intervalMs ?? RETENTION_INTERVAL_MS;
    if (!Number.isSafeInteger(this.intervalMs) || this.intervalMs < 1) throw new RangeError(`retention interval ${this.intervalMs} ms is not a positive integer`);
  }

  /** The first pass now, resolving once it is done, so the hub starts purged; then one every interval. */
  async start(): Promise<RetentionReport> {
    this.stopped = false;
    const report = await this.runOnce();
    if (!this.stopped) this.schedule(this.intervalMs);
    return report;
  }

  /** One pass now (after any pass already running). */
  runOnce(): Promise<RetentionReport> {
    const previous = this.running ?? Promise.resolve(undefined);
    const run = previous.catch(() => undefined).then(() => this.pass());
    this.running = run;
    return run;
  }

  /** Resolves once no pass is running (a scheduled one has not started yet, or has finished). */
  async idle(): Promise<void> {
    await this.running?.catch(() => undefined);
  }

  /** No more passes; resolves once a pass in progress has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  private schedule(delayMs: number): void {
    this.timer?.cancel();
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = undefined;
      void this.runOnce().finally(() => {
        if (!this.stopped) this.schedule(this.intervalMs);
      });
    }, delayMs);
  }

  private async pass(): Promise<RetentionReport> {
    const { clock, logger, holders } = this.options;
    const report: RetentionReport = { at: clock.now(), purged: [], failed: [] };
    for (const holder of holders) {
      try {
        report.purged.push(...(await holder.purge(report.at)).filter(({ entries }) => entries > 0));
      } catch (error) {
        report.failed.push(holder.name);
        logger.warn({ err: error, holder: holder.name }, 'retention purge failed; its data is as it was and the next pass tries again');
      }
    }
    const total = report.purged.reduce((sum, { entries }) => sum + entries, 0);
    if (total > 0) logger.info({ purged: report.purged, total }, 'retention purge: personal data past its limit deleted');
    else logger.debug({ holders: holders.length }, 'retention purge: nothing past its limit');
    return report;
  }
}
