import { SystemClock } from '../../hal/clock.js';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { withInstallCodeCrc } from '../../hal/install-code.js';
import { silentLogger } from '../../hal/log.js';
import type { Eui64 } from '../../hal/radio.js';
import { parseScenario } from '../../hal/sim/scenario.js';
import { ScriptedAnswers } from '../../hal/sim/scripted-answers.js';
import { Simulator } from '../../hal/sim/simulator.js';
import { memoryTransportPair } from '../../hal/transport/memory.js';
import { DEFAULT_CONFIG, type HubConfig } from '../../src/config.js';
import { CRA_FLAG, decodeMessage } from '../../src/gbcs/index.js';
import { splitIntoBlocks } from '../../hal/tunnel/block-transfer.js';
import { GBCS_TUNNEL } from '../../hal/tunnel/protocol.js';
import { startHub, type Hub } from '../../src/compose.js';
import { describeRtds, loadVectors, rtdsPresent, type Vector } from '../helpers/rtds.js';
import { Subscriber } from '../src/wan/subscriber.js';
import { RTDS_IDENTITY } from './harness.js';

/**
 * The relay conformance rig: a whole hub (startHub, its real router, HAN relay, sleepy queue and
 * EZSP radio) over ASH to the simulated NCP, whose one GBCS Device answers each RTDS command with
 * the RTDS response (ScriptedAnswers), and a head end on the mosquitto at 127.0.0.1:1883 under a
 * topic prefix and client ids of its own. One rig serves all of a Device's vectors.
 */
export const RELAY_BROKER = process.env['RELAY_BROKER'] ?? 'mqtt://127.0.0.1:1883';

export const RELAY_DEVICES = {
  ESME: '00DB1234567890A0',
  GSME: '00DB1234567890A1',
  PPMID: '00DB1234567890A4',
  HCALCS: '00DB1234567890A5',
} as const satisfies Record<string, Eui64>;
export type RelayDeviceType = keyof typeof RELAY_DEVICES;

/** One test: the Device gets `command` (when there is one) and sends `answers`; the head end must receive them as they are. */
export interface RelayCase {
  name: string;
  command: Vector | undefined;
  answers: Vector[];
}

function headerOf(vector: Vector) {
  return decodeMessage(vector.bytes, { allowUnknownMessageCode: true }).header;
}

/**
 * Every RTDS command addressed to the Device, each with the responses of its outcome; then every
 * alert and every response no command of the set claims, which the Device sends on its own.
 */
export function relayCases(device: Eui64): RelayCase[] {
  const vectors = loadVectors();
  const from = vectors.filter((v) => (v.kind === 'RESPONSE' || v.kind === 'ALERT') && headerOf(v).originator === device);
  const claimed = new Set<Vector>();
  const cases: RelayCase[] = [];
  for (const command of vectors.filter((v) => v.kind === 'COMMAND' && headerOf(v).recipient === device)) {
    const answers = from.filter((v) => v.kind === 'RESPONSE' && v.useCase === command.useCase && v.outcome === command.outcome);
    for (const answer of answers) claimed.add(answer);
    cases.push({ name: command.name, command, answers });
  }
  for (const own of from.filter((v) => !claimed.has(v))) cases.push({ name: own.name, command: undefined, answers: [own] });
  return cases;
}

/** Folders (use case and service reference) with a vector addressed to or sent by the Device. */
export function relayFolders(cases: readonly RelayCase[]): Set<string> {
  return new Set(cases.map(({ name }) => name.split('_').slice(0, 2).join('_')));
}

function scenarioText(type: RelayDeviceType): string {
  const installCode = withInstallCodeCrc(randomBytes(16)).toString('hex').toUpperCase();
  // The GSME only wakes when the test makes it, so each vector waits for nothing but the round it triggers.
  const sleepy = type === 'GSME' ? '\n    sleepy: true\n    wakeIntervalSeconds: 86400' : '';
  return `network:
  eui64: ${RTDS_IDENTITY.chf}
devices:
  - name: ${type.toLowerCase()}
    eui64: ${RELAY_DEVICES[type]}
    type: ${type}
    installCode: ${installCode}${sleepy}
`;
}

export class RelayRig {
  private constructor(
    readonly type: RelayDeviceType,
    readonly eui64: Eui64,
    private readonly hub: Hub,
    readonly sim: Simulator,
    private readonly answers: ScriptedAnswers,
    private readonly headEnd: Subscriber,
    private readonly topics: { command: string; response: string; alert: string },
    private readonly dir: string,
  ) {}

  static async open(type: RelayDeviceType): Promise<RelayRig> {
    const eui64 = RELAY_DEVICES[type];
    const dir = await mkdtemp(join(tmpdir(), `relay-${type.toLowerCase()}-`));
    const sim = new Simulator({ scenario: parseScenario(scenarioText(type), `${type} relay scenario`), clock: new SystemClock() });
    const [hostSide, ncpSide] = memoryTransportPair(`relay-${type}`);
    sim.serve(ncpSide);
    const unique = `${type.toLowerCase()}${randomBytes(4).toString('hex')}`;
    const config: HubConfig = {
      ...structuredClone(DEFAULT_CONFIG),
      store: { path: join(dir, 'state') },
      log: { level: 'warn' },
      wan: { ...DEFAULT_CONFIG.wan, broker: RELAY_BROKER, topicPrefix: `relay-rtds/${unique}`, clientId: `hub-${unique}` },
    };
    let hub: Hub | undefined;
    try {
      hub = await startHub({ config, logger: silentLogger, transport: hostSide });
      const spec = sim.scenario.devices[0]!;
      await hub.deviceLog.add({ eui64, deviceType: type, installCode: spec.declaredInstallCode });
      await hub.joinWindows.open(eui64, 60);
      const joined = sim.join(eui64);
      if (!joined.joined) throw new Error(`the ${type} could not join: ${joined.reason}`);
      await hub.admission.settled();
      const base = `relay-rtds/${unique}/${RTDS_IDENTITY.chf}`;
      const topics = { command: `${base}/command`, response: `${base}/response`, alert: `${base}/alert` };
      const headEnd = await Subscriber.connect(RELAY_BROKER, [topics.response, topics.alert], { clientId: `head-${unique}` });
      return new RelayRig(type, eui64, hub, sim, new ScriptedAnswers(sim), headEnd, topics, dir);
    } catch (error) {
      await hub?.stop();
      await sim.close();
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /**
   * Runs one case: scripts the Device, publishes the command as the head end, and checks that the
   * Device got it byte for byte and that the head end got every answer byte for byte, responses on
   * the response topic and alerts on the alert topic, in order.
   */
  async run(relay: RelayCase): Promise<void> {
    const seen = this.headEnd.received.length;
    const expected = relay.answers.map((answer) => ({ topic: answer.kind === 'ALERT' ? this.topics.alert : this.topics.response, bytes: answer.bytes }));
    const arrived = () => this.headEnd.received.slice(seen);
    if (relay.command) {
      const before = this.answers.received.length;
      this.answers.script(this.eui64, relay.command.bytes, relay.answers.map((answer) => answer.bytes));
      for (const part of asPublished(relay.command.bytes)) await this.headEnd.publish(this.topics.command, part, { qos: 1 });
      await this.untilDevice(() => this.answers.received.length > before);
      const got = this.answers.received.slice(before).map((m) => m.gbcs.toString('hex'));
      expect(got, 'what the Device received').toEqual([relay.command.bytes.toString('hex')]);
    } else {
      for (const answer of relay.answers) this.sim.sendGbcs(this.eui64, answer.bytes);
    }
    await this.untilDevice(() => arrived().length >= expected.length);
    expect(this.answers.failures).toEqual([]);
    expect(arrived().map(shown), 'what the head end received').toEqual(expected.map(shown));
  }

  /** Waits for `done`; the sleepy GSME is woken for each round until then (as its own timer would, sooner). */
  private async untilDevice(done: () => boolean): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`timed out; the head end has ${this.headEnd.received.length} messages`);
      if (this.type === 'GSME') await this.sim.tunnelEnd(this.eui64).collect().catch(() => undefined);
      if (!done()) await this.headEnd.until(done, 50).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    this.answers.stop();
    await this.headEnd.close();
    await this.hub.stop();
    await this.sim.close();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * A command as the head end sends it: whole, or in General Block Transfer blocks when it does not
 * fit one tunnel transfer (the sleepy GSME's GET-RESPONSE header is two of its octets).
 */
function asPublished(command: Buffer): Buffer[] {
  if (command.length <= GBCS_TUNNEL.maxIncomingTransferSize - 2) return [command];
  const { header } = decodeMessage(command, { allowUnknownMessageCode: true });
  const routing = { craFlag: CRA_FLAG[header.cra], originatorCounter: header.originatorCounter, originator: header.originator, target: header.recipient, messageCode: header.messageCode };
  return splitIntoBlocks(command, routing, BLOCK_SIZE);
}

/** Octets of the whole message per block: with the routing and block headers, well inside one transfer. */
const BLOCK_SIZE = 1200;

function shown(message: { topic: string; bytes?: Buffer; payload?: Buffer }): string {
  return `${message.topic.split('/').pop()} ${(message.bytes ?? message.payload)!.toString('hex')}`;
}

/** The suite for one Device type: one rig, one test per vector, named after it. */
export function describeRelay(type: RelayDeviceType): void {
  describeRtds(`relay conformance: the ${type}'s RTDS traffic through the hub, byte for byte`, () => {
    const cases = rtdsPresent ? relayCases(RELAY_DEVICES[type]) : [];
    let rig: RelayRig | undefined;
    beforeAll(async () => {
      rig = await RelayRig.open(type);
    }, 60_000);
    afterAll(async () => rig?.close());

    it(`finds RTDS vectors for the ${type}`, () => {
      expect(cases.length).toBeGreaterThan(0);
    });
    for (const relay of cases) it(relay.name, () => rig!.run(relay), 30_000);
  });
}
