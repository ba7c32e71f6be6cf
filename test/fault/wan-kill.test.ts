import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, expect, it } from 'vitest';
import { SeededRandom } from '../../hal/sim/random.js';
import { decodeMessage } from '../../src/gbcs/index.js';
import { DEFAULT_TOPIC_PREFIX, hubTopics } from '../../src/wan/topics.js';
import { CHF_STATES } from '../conformance/chf-seeds.js';
import { buildCommand, ConformanceHub, RTDS_IDENTITY } from '../conformance/harness.js';
import { describeRtds } from '../helpers/rtds.js';
import { Subscriber } from '../src/wan/subscriber.js';
import { startTestBroker } from '../src/wan/test-broker.js';
import { PubackTap } from './puback-tap.js';

/**
 * QoS 1 means the command is durable before the broker hears PUBACK. A head end publishes bursts
 * of authentic CCS06 reads to a hub (test/fault/wan-hub-child.ts) on a real mosquitto; the hub is
 * killed with SIGKILL at seeded moments while it works through them, and started again on the same
 * store. A relay between hub and broker reads which commands the hub PUBACKed. Once the last hub has
 * drained the broker's queue: every PUBACKed command was answered, each with one response (the
 * outbox may send a response twice, byte for byte the same, when its own PUBACK was lost), and no
 * command ran twice across all the hubs. WAN_KILL_SEED reruns a failing schedule.
 */
const KILLS = Number(process.env['WAN_KILLS'] ?? 32);
const PER_BURST = 25;
const KILL_WITHIN_MS = 400;
const SEED = Number(process.env['WAN_KILL_SEED'] ?? 20_261_207);
const CCS06_PAYLOAD = Buffer.from('d920000514000101006800001e0300ff040100', 'hex');
const CHILD = fileURLToPath(new URL('./wan-hub-child.ts', import.meta.url));

type Line = { event: 'loaded' | 'ready' } | { event: 'failed'; message: string } | { executed: string };

/** One hub process; spawned ahead of its turn, so it has its code and keystore loaded when told to open the store. */
class WanHubChild {
  readonly lines: Line[] = [];
  readonly closed: Promise<void>;
  private stderr = '';
  private readonly process: ChildProcess;

  constructor() {
    this.process = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), CHILD], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.process.stderr!.on('data', (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-4000)));
    createInterface({ input: this.process.stdout! }).on('line', (line) => {
      try {
        this.lines.push(JSON.parse(line) as Line);
      } catch {
        // Only a line cut short by the kill; its command's outcome is judged by what follows.
      }
    });
    this.closed = new Promise((resolve) => this.process.once('close', () => resolve()));
  }

  async until(event: 'loaded' | 'ready', timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const failed = this.lines.find((line) => 'event' in line && line.event === 'failed');
      if (failed) throw new Error(`hub child failed: ${JSON.stringify(failed)}\n${this.stderr}`);
      if (this.lines.some((line) => 'event' in line && line.event === event)) return;
      if (this.process.exitCode !== null || Date.now() > deadline) throw new Error(`hub child: no ${event}\n${this.stderr}`);
      await sleep(10);
    }
  }

  go(orders: { store: string; broker: string; seed: boolean }): void {
    this.process.stdin!.write(`${JSON.stringify(orders)}\n`);
  }

  kill(): void {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill('SIGKILL');
  }

  get executed(): string[] {
    return this.lines.flatMap((line) => ('executed' in line ? [line.executed] : []));
  }
}

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

const counterOf = (bytes: Buffer): string => decodeMessage(bytes, { allowUnknownMessageCode: true }).header.originatorCounter.toString();

describeRtds('commands acknowledged to the broker', () => {
  it(`are answered exactly once and never run twice, through ${KILLS} SIGKILLs during bursts`, async () => {
    const random = new SeededRandom(SEED);
    const broker = await startTestBroker();
    cleanups.push(() => broker.dispose());
    const tap = await PubackTap.start(broker.port);
    cleanups.push(() => tap.close());
    const dir = await mkdtemp(join(tmpdir(), 'hub-wan-kill-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const commands = await ConformanceHub.open({ seed: CHF_STATES['CCS06_SUCCESS']!.seed });
    cleanups.push(() => commands.close());
    const topics = hubTopics(DEFAULT_TOPIC_PREFIX, RTDS_IDENTITY.chf);
    const head = await Subscriber.connect(broker.url, [topics.response]);
    cleanups.push(() => head.close());

    const children: WanHubChild[] = [];
    const spawnAhead = () => {
      const child = new WanHubChild();
      cleanups.push(async () => (child.kill(), child.closed));
      children.push(child);
      return child;
    };
    let next = spawnAhead();
    let counter = 1000n;
    const published: Array<Promise<unknown>> = [];
    for (let run = 0; run <= KILLS; run++) {
      const child = next;
      next = spawnAhead();
      await child.until('loaded');
      child.go({ store: join(dir, 'db'), broker: tap.url, seed: run === 0 });
      await child.until('ready');
      if (run === KILLS) break;
      const burst = await Promise.all(Array.from({ length: PER_BURST }, () => buildCommand(commands, { messageCode: 0x010f, payload: CCS06_PAYLOAD, counter: ++counter })));
      published.push(...burst.map((bytes) => head.publish(topics.command, bytes, { qos: 1 })));
      await sleep(random.below(KILL_WITHIN_MS + 1));
      child.kill();
      await child.closed;
    }
    await Promise.all(published);
    next.kill();
    const sent = Number(counter - 1000n);

    // The last hub drains what the broker still holds: wait until every command sent has had its PUBACK.
    const settled = () => new Set(tap.acknowledged.map(({ payload }) => counterOf(payload)));
    const answers = new Map<string, Set<string>>();
    const collect = () => {
      answers.clear();
      for (const { payload } of head.on(topics.response)) {
        const key = counterOf(payload);
        answers.set(key, (answers.get(key) ?? new Set()).add(payload.toString('hex')));
      }
    };
    const succeeded = () => new Set(tap.acknowledged.filter(({ reasonCode }) => reasonCode === 0).map(({ payload }) => counterOf(payload)));
    await head.until(() => (collect(), settled().size >= sent && [...succeeded()].every((c) => answers.has(c))), 60_000);
    await sleep(300);
    collect();

    const executed = children.flatMap((child) => child.executed);
    const runs = new Map<string, number>();
    for (const c of executed) runs.set(c, (runs.get(c) ?? 0) + 1);
    expect([...runs].filter(([, n]) => n > 1).map(([c]) => c), 'commands executed twice').toEqual([]);
    expect([...succeeded()].filter((c) => !answers.has(c)), 'commands PUBACKed as done but never answered').toEqual([]);
    expect([...answers].filter(([, bytes]) => bytes.size > 1).map(([c]) => c), 'commands answered with two different responses').toEqual([]);
    // The rest were admitted (their counters on disk) by a hub that died: refused as replays when delivered again, never run twice.
    const refused = [...settled()].filter((c) => !succeeded().has(c));
    process.stderr.write(`wan kill: ${sent} commands, ${succeeded().size} PUBACKed as answered, ${refused.length} as refused replays (${refused.filter((c) => runs.has(c)).length} of them had run and were answered)\n`);
    expect(succeeded().size + refused.length).toBe(sent);
  }, 300_000);
});
