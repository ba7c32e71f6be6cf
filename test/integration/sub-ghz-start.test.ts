import { SystemClock } from '../../hal/clock.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { afterEach, expect, it } from 'vitest';
import { toRadioChannel } from '../../hal/ezsp/channel-pages.js';
import { silentLogger } from '../../hal/log.js';
import { parseScenario } from '../../hal/sim/scenario.js';
import { Simulator } from '../../hal/sim/simulator.js';
import { memoryTransportPair } from '../../hal/transport/memory.js';
import { DEFAULT_CONFIG, type HubConfig } from '../../src/config.js';
import { startHub } from '../../src/compose.js';
import type { Eui64 } from '../../hal/radio.js';
import { DBCH_RESULT } from '../../src/chf/use-cases/dbch-common.js';
import { DBCH02 } from '../../src/chf/use-cases/dbch02-read-sub-ghz-channel-log.js';
import { DBCH05 } from '../../src/chf/use-cases/dbch05-request-sub-ghz-channel-scan.js';
import { decodeMessage, messageCodesFor } from '../../src/gbcs/index.js';
import { DBCH01, DBCH03, DBCH04 } from '../../src/gbcs/payload/dlms/chf.js';
import { FileSecureElement } from '../../src/security/file-secure-element.js';
import { DEFAULT_CONFIGURATION, encodeChannel, fromBits } from '../../src/subghz/index.js';
import { vectorNamed } from '../conformance/harness.js';
import { describeRtds, RTDS_KEYSTORE } from '../helpers/rtds.js';
import { startTestBroker } from '../src/wan/test-broker.js';
import { HeadEnd } from './leak-head-end.js';
import { startHubProcess } from './leak-hub.js';

/**
 * The Sub GHz side of a running hub: `hub start` as a real process, its simulated NCP dual band,
 * asked DBCH01-05 over MQTT. Every Sub GHz channel reads quiet but channels 0-2, so the hub forms
 * on page 28 channel 3 (ties go to the lower page, then channel) and DBCH01 and DBCH02 report it.
 * A single-band hub answers every one of them with hardware-fault, as its RTDS ERROR vectors have it.
 * And a hub (in-process, over ASH to the simulator) sets its Sub GHz channel again after an NCP reset.
 */
const CHF: Eui64 = '00DB1234567890A2';
const GPF: Eui64 = '00DB1234567890A3';
const FORMED = encodeChannel({ page: 28, channel: 3 });
const { success: SUCCESS, hardwareFault: HARDWARE_FAULT } = DBCH_RESULT;

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

const payloadOf = (name: string): Buffer => decodeMessage(vectorNamed(name).bytes).payload;
const code = (useCase: string): number => messageCodesFor(useCase)[0]!;

/** DBCH02 as the RTDS sends it, its range widened to every time a 32-bit count of seconds since 2000 reaches. */
function dbch02Everything(): Buffer {
  const command = DBCH02.decodeCommand(payloadOf('DBCH02_6.32_SUCCESS_COMMAND_GBCS.HEX'));
  return DBCH02.encodeCommand({ ...command, parameters: { channelLog: { ...command.parameters.channelLog, from: 0, to: 0xffff_ffff } } });
}

async function runningHub(dualBand: boolean): Promise<HeadEnd> {
  const dir = await mkdtemp(join(tmpdir(), 'hub-subghz-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const state = join(dir, 'state');
  const broker = await startTestBroker();
  cleanups.push(() => broker.dispose());
  const keys = await FileSecureElement.open({ stateDir: state, owners: [CHF, GPF] });
  await writeFile(join(dir, 'han.yaml'), `network:\n  eui64: ${CHF}\n  subGhzEnergy: { 0: -60, 1: -60, 2: -60 }\ndevices: []\n`);
  const lines = [
    `store: { path: ${state} }`,
    `radio: { port: sim${dualBand ? ', dualBand: true' : ''} }`,
    `sim: { scenario: ${join(dir, 'han.yaml')} }`,
    `wan: { broker: '${broker.url}' }`,
    `security: { keystore: ${RTDS_KEYSTORE} }`,
  ];
  await writeFile(join(dir, 'hub.yaml'), `${lines.join('\n')}\n`, { mode: 0o600 });
  const hub = startHubProcess(join(dir, 'hub.yaml'));
  cleanups.push(() => hub.kill());
  await hub.wrote('"msg":"hub ready"');
  if (dualBand) expect(hub.output().toString('utf8')).toContain('"msg":"Sub GHz network up"');
  const headEnd = await HeadEnd.connect(broker.url, CHF, { keyAgreement: (owner) => keys.publicKey(owner, 'keyAgreement') });
  cleanups.push(() => headEnd.close());
  return headEnd;
}

async function ask(headEnd: HeadEnd, useCase: string, payload: Buffer): Promise<Buffer> {
  return decodeMessage(await headEnd.ask(await headEnd.command(CHF, code(useCase), payload))).payload;
}

describeRtds('the Sub GHz side of a running hub', () => {
  it('a dual-band hub forms its Sub GHz network and answers DBCH01-05 from it over MQTT', async () => {
    const headEnd = await runningHub(true);

    const channel = DBCH01.decodeResponse(await ask(headEnd, 'DBCH01', payloadOf('DBCH01_6.31_SUCCESS_COMMAND_GBCS.HEX'))).results.channel;
    expect(channel.result).toBe(SUCCESS);
    expect(fromBits((channel as { value: { value: Buffer } }).value.value, 'channel')).toBe(FORMED);

    const log = DBCH02.decodeResponse(await ask(headEnd, 'DBCH02', dbch02Everything())).results.channelLog;
    expect(log.result).toBe(SUCCESS);
    const entries = (log as { value: Array<{ eventCode: number; detail: Buffer }> }).value;
    expect(entries).toHaveLength(1);
    expect(entries[0]!.detail.readUInt32BE(0)).toBe(FORMED);

    const configuration = DBCH03.decodeResponse(await ask(headEnd, 'DBCH03', payloadOf('DBCH03_6.30_SUCCESS_COMMAND_GBCS.HEX'))).results.configuration;
    expect(configuration.result).toBe(SUCCESS);
    expect(JSON.stringify(configuration)).toContain(String(DEFAULT_CONFIGURATION.settings.minimumScanInterval));

    // DBCH04 sets the RTDS configuration; DBCH03 then reads it back, and DBCH09 says it changed.
    const set = DBCH04.decodeResponse(await ask(headEnd, 'DBCH04', payloadOf('DBCH04_6.28_SUCCESS_COMMAND_GBCS.HEX'))).results.configuration;
    expect(set.result).toBe(SUCCESS);
    const written = DBCH04.decodeCommand(payloadOf('DBCH04_6.28_SUCCESS_COMMAND_GBCS.HEX')).parameters.configuration;
    const reread = DBCH03.decodeResponse(await ask(headEnd, 'DBCH03', payloadOf('DBCH03_6.30_SUCCESS_COMMAND_GBCS.HEX'))).results.configuration;
    expect(JSON.stringify((reread as { value: unknown }).value)).toBe(JSON.stringify(written));

    // The scan request is taken at once; its assessment follows as an alert.
    const scan = DBCH05.decodeResponse(await ask(headEnd, 'DBCH05', payloadOf('DBCH05_6.29_SUCCESS_COMMAND_GBCS.HEX'))).results.channelScan;
    expect(scan.result).toBe(SUCCESS);
    await headEnd.until('alert');
  }, 120_000);

  it('a single-band hub answers DBCH01-05 with hardware-fault', async () => {
    const headEnd = await runningHub(false);
    const results = [
      DBCH01.decodeResponse(await ask(headEnd, 'DBCH01', payloadOf('DBCH01_6.31_SUCCESS_COMMAND_GBCS.HEX'))).results.channel.result,
      DBCH02.decodeResponse(await ask(headEnd, 'DBCH02', dbch02Everything())).results.channelLog.result,
      DBCH03.decodeResponse(await ask(headEnd, 'DBCH03', payloadOf('DBCH03_6.30_SUCCESS_COMMAND_GBCS.HEX'))).results.configuration.result,
      DBCH04.decodeResponse(await ask(headEnd, 'DBCH04', payloadOf('DBCH04_6.28_SUCCESS_COMMAND_GBCS.HEX'))).results.configuration.result,
      DBCH05.decodeResponse(await ask(headEnd, 'DBCH05', payloadOf('DBCH05_6.29_SUCCESS_COMMAND_GBCS.HEX'))).results.channelScan.result,
    ];
    expect(results).toEqual([HARDWARE_FAULT, HARDWARE_FAULT, HARDWARE_FAULT, HARDWARE_FAULT, HARDWARE_FAULT]);
  }, 120_000);

  it('puts the radio back on its Sub GHz channel when the NCP comes back from a reset, which forgets it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hub-subghz-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const sim = new Simulator({ scenario: parseScenario(`network:\n  eui64: ${CHF}\n  dualBand: true\n  subGhzEnergy: { 0: -60, 1: -60, 2: -60 }\ndevices: []\n`, 'dual-band scenario'), clock: new SystemClock() });
    cleanups.push(() => sim.close());
    const [hostSide, ncpSide] = memoryTransportPair('sub-ghz-reset');
    sim.serve(ncpSide);
    const config: HubConfig = { ...structuredClone(DEFAULT_CONFIG), radio: { port: 'sim', dualBand: true }, store: { path: join(dir, 'state') } };
    const hub = await startHub({ config, logger: silentLogger, transport: hostSide });
    cleanups.push(() => hub.stop());
    const onChannel = toRadioChannel(28, 3);
    expect(sim.ncp.ram.subGhzChannel).toBe(onChannel);

    const back = once(hub.radio, 'networkUp');
    await sim.resetNcp();
    await back;
    await expect.poll(() => sim.ncp.ram.subGhzChannel).toBe(onChannel);
    expect(hub.subGhz?.currentChannel()).toEqual({ page: 28, channel: 3 });
    expect(await hub.subGhz?.readChannelLog()).toHaveLength(1);
  }, 60_000);
});
