import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { withInstallCodeCrc } from '../../hal/install-code.js';
import type { Eui64 } from '../../hal/radio.js';
import { decodeMessage, messageCodesFor } from '../../src/gbcs/index.js';
import { CCS01 } from '../../src/gbcs/payload/dlms/index.js';
import { SystemClock } from '../../hal/clock.js';
import { decodeGbz } from '../../src/gbcs/payload/gbz/index.js';
import { GasProxyData } from '../../src/gpf/index.js';
import { openHubLogs } from '../../src/logs/index.js';
import { PinStore } from '../../src/security/pin-store.js';
import { FileSecureElement } from '../../src/security/file-secure-element.js';
import { mpanCheckDigit } from '../../src/security/identifiers.js';
import { bytesCodec, openStore, utf8Codec } from '../../src/store/index.js';
import { GCS11_CODE, gcs11Payload } from '../conformance/gpf-pins.js';
import { vectorNamed } from '../conformance/harness.js';
import { describeRtds, RTDS_KEYSTORE } from '../helpers/rtds.js';
import { filesUnder } from '../src/store/helpers.js';
import type { Received } from '../src/wan/subscriber.js';
import { startTestBroker } from '../src/wan/test-broker.js';
import { HeadEnd } from './leak-head-end.js';
import { runCli, startHubProcess, type CliRun } from './leak-hub.js';
import { bytesForms, installCodeForms, integerForms, scan, type Finding, type Needle } from './leak-scan.js';

/**
 * Issue 6's leak acceptance: a whole `hub start` (the real process, its simulated radio, its
 * broker) is given personal values through every entry point a hub has, and none of them may come
 * out in plain text: not in anything the process writes, not in any message it publishes, not in
 * an error message of a `hub` command, not in any file of its store.
 *
 * Planted: an install code in a CCS01 over MQTT and another in the simulated HAN's scenario (the
 * installer's labels `hub start` commissions from); the gas meter's registers, daily consumption
 * and MPRN through the GPF's store, read back over MQTT with GCS13a and GCS61; the engineering PIN
 * through `hub pin set`, and a wrong one through `hub pin verify`; a privacy PIN, which a GCS11
 * disables over MQTT and another GCS11 tries to carry; an MPAN (the hub takes none)
 * and all of the above again in bad inputs: junk and tampered commands on the command topic, bad
 * `hub` arguments, a bad config file.
 *
 * What is scanned, and why so: the GPF's answers carry the consumption to the supplier, encrypted
 * for it; so every form is looked for in every message the hub published (on any topic, payload,
 * topic name and MQTT 5 properties) and the test decrypts the answers as the supplier to show the
 * values were there to find. The messages the test itself published (a CCS01 carries its install
 * code in clear, as GBCS has it) are left out. Binary forms under five bytes are not looked for in
 * store files (see leak-scan.ts).
 */
const CHF: Eui64 = '00DB1234567890A2';
const GPF: Eui64 = '00DB1234567890A3';
const NEW_DEVICE: Eui64 = '00DB1234567890A6';
const MPAN_CORE = '131234567890';
const MPAN = `${MPAN_CORE}${mpanCheckDigit(MPAN_CORE)}`;
const MPRN = '0912345678';
const REGISTER_M3 = 48213.957;
/** The last two whole days, so no retention limit has taken them by the time the hub starts. */
const dayBefore = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
const DAILY = [
  { day: dayBefore(2), consumption: 9876.543 },
  { day: dayBefore(1), consumption: 7315.862 },
];
const PIN = '48290175';
const PRIVACY_PIN = '70592846';
const WRONG_PIN = '63917248';
const IC_WAN = Buffer.from('5B1E7C93A40D62F8E1B7309C4D8A2F65', 'hex');
const IC_LABEL = Buffer.from('E3A9174C08B26D5F93C1A7E4062B8D19', 'hex');
const IC_BAD = Buffer.from('7D4C91E0A35B2F86C1D9043E8A6B2F', 'hex');

const litres = (m3: number) => BigInt(Math.round(m3 * 1000));

const NEEDLES: readonly Needle[] = [
  ...integerForms('MPAN', BigInt(MPAN), [6, 8]),
  { label: 'MPAN as printed', bytes: Buffer.from(`${MPAN.slice(0, 2)} ${MPAN.slice(2, 6)} ${MPAN.slice(6, 10)} ${MPAN.slice(10)}`), inFiles: true },
  { label: 'MPRN with leading zero', bytes: Buffer.from(MPRN), inFiles: true },
  ...integerForms('MPRN', BigInt(MPRN), [4, 8]),
  { label: 'register m³', bytes: Buffer.from(String(REGISTER_M3)), inFiles: true },
  ...integerForms('register litres', litres(REGISTER_M3), [4, 6]),
  ...DAILY.flatMap(({ day, consumption }) => [
    { label: `${day} consumption m³`, bytes: Buffer.from(String(consumption)), inFiles: true },
    ...integerForms(`${day} consumption litres`, litres(consumption), [3, 4]),
  ]),
  ...[PIN, WRONG_PIN, PRIVACY_PIN].flatMap((pin) => integerForms(`PIN ${pin}`, BigInt(pin), [4])),
  ...installCodeForms('install code over the WAN', IC_WAN),
  ...installCodeForms('install code on a label', IC_LABEL),
  ...bytesForms('install code of a bad length', IC_BAD),
];

/** A small HAN whose NCP has the RTDS CHF's EUI-64; the ESME's label carries a planted install code. */
const scenario = (label: Buffer) => `network:
  eui64: ${CHF}
  channel: 11
  panId: 0x1A62
  extendedPanId: 00DB123456789000
devices:
  - name: esme
    eui64: 00DB1234567890A0
    type: ESME
    installCode: ${withInstallCodeCrc(label).toString('hex').toUpperCase()}
`;

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hub-leak-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * What the gas meter gave the GPF and its MPRN (the running hub has no path that takes either: the
 * GPF's store is where they arrive), and the householder's privacy PIN, written into the hub's store
 * before it starts.
 */
async function plantGasData(state: string): Promise<FileSecureElement> {
  const secureElement = await FileSecureElement.open({ stateDir: state, owners: [CHF, GPF] });
  const store = await openStore({ path: state, secureElement });
  try {
    const gpf = await GasProxyData.open(store);
    await gpf.setMprn(MPRN);
    await gpf.recordReading({ at: Date.now() - 3_600_000, consumption: REGISTER_M3, blockCounters: [], touRegisters: [] });
    await gpf.recordDailyConsumption(DAILY);
    const clock = new SystemClock();
    const pins = await PinStore.open(store, { clock, securityLog: (await openHubLogs(store, clock)).securityLog });
    await pins.set('privacy', PRIVACY_PIN, { by: 'installation' }, 'local');
  } finally {
    await store.close();
  }
  return secureElement;
}

function code(useCase: string): number {
  const [messageCode] = messageCodesFor(useCase);
  if (messageCode === undefined) throw new Error(`no message code for ${useCase}`);
  return messageCode;
}

function ccs01(installCode: Buffer, deviceId: Eui64): Buffer {
  return CCS01.encodeCommand({
    invokeId: 0x20000516,
    parameters: { registerDevice: { deviceId, deviceType: 5, installCode, option: 0 }, joinTimeout: 60, joiningEnabled: true },
  });
}

/** Every finding in what the hub and its commands wrote, what it published and its store's files. */
async function scanAll(outputs: Array<[string, Buffer]>, published: readonly Received[], stateDir: string): Promise<Finding[]> {
  const findings = outputs.flatMap(([where, bytes]) => scan(where, bytes, NEEDLES));
  for (const [i, message] of published.entries()) {
    const where = `message ${i} on ${message.topic}`;
    const properties = Buffer.from(JSON.stringify(message.packet.properties ?? {}));
    findings.push(...scan(where, Buffer.concat([Buffer.from(message.topic), message.payload, properties]), NEEDLES));
  }
  for (const file of await filesUnder(stateDir)) findings.push(...scan(file.name, file.bytes, NEEDLES, true));
  return findings;
}

/** The hub's config: its own store, the small HAN, every log line, the test's broker, the RTDS remote parties trusted. */
async function writeConfig(dir: string, state: string, brokerUrl: string): Promise<string> {
  await writeFile(join(dir, 'han.yaml'), scenario(IC_LABEL));
  const config = join(dir, 'hub.yaml');
  const lines = [
    `store: { path: ${state} }`,
    `sim: { scenario: ${join(dir, 'han.yaml')} }`,
    'log: { level: trace }',
    `wan: { broker: '${brokerUrl}', telemetrySeconds: 5 }`,
    `security: { keystore: ${RTDS_KEYSTORE} }`,
  ];
  await writeFile(config, `${lines.join('\n')}\n`, { mode: 0o600 });
  return config;
}

type Cli = (what: string, args: string[], stdin?: string) => Promise<CliRun>;

/**
 * Bad `hub` arguments and a bad config carrying planted values, refused before the hub's store or
 * broker is used; `hub devices add` opens its store first, so each gets a scratch store of its own.
 */
async function refusedCommandLines(cli: Cli, scratch: string, brokerUrl: string): Promise<void> {
  const badCrc = withInstallCodeCrc(IC_WAN);
  badCrc[16]! ^= 0xff;
  const badConfig = join(scratch, 'bad.yaml');
  await mkdir(scratch, { recursive: true });
  await writeFile(badConfig, `identity: { gpf: '${MPAN}' }\nnetwork: { extendedPanId: ${IC_WAN.toString('hex')} }\nwan: { password: ${PIN} }\n`, { mode: 0o600 });
  const [refusedConfig, badHex, refusedCrc, refusedEui] = await Promise.all([
    cli('hub start with a bad config', ['--config', badConfig, 'start']),
    cli('hub send with bad hex', ['send', '--broker', brokerUrl, '--hub', CHF, `DF${MPAN}${MPRN}ZZ`]),
    cli('hub devices add with a bad CRC', ['devices', 'add', '--store', join(scratch, 'crc'), '00DB1234567890A8', 'ESME'], `${badCrc.toString('hex')}\n`),
    cli('hub devices add with an MPAN for an EUI-64', ['devices', 'add', '--store', join(scratch, 'eui'), MPAN, 'ESME'], `${withInstallCodeCrc(IC_WAN).toString('hex')}\n`),
  ]);
  expect(refusedConfig.stderr).toContain('CONFIG_INVALID');
  expect(badHex.stderr).toContain('WAN_BAD_HEX');
  expect(refusedCrc.stderr).toContain('INSTALL_CODE_BAD_CRC');
  expect(refusedEui.stderr).toContain('BAD_EUI64');
}

/** The install code through CCS01, as a supplier adds a Device; the consumption read back by the supplier, decrypted to show it is there. */
async function plantOverWan(headEnd: HeadEnd): Promise<void> {
  const added = CCS01.decodeResponse(decodeMessage(await headEnd.ask(await headEnd.command(CHF, code('CCS01'), ccs01(IC_WAN, NEW_DEVICE)))).payload);
  expect(added.results.registerDevice.result).toBe(0);
  expect(added.results.joiningEnabled.result).toBe(0);
  await headEnd.until('alert');

  const gcs13a = decodeMessage(vectorNamed('GCS13a_4.1.1_SUCCESS_RELIABLE_GPF_COMMAND_GBCS.HEX').bytes).payload;
  const register = await headEnd.decryptGpfResponse(await headEnd.ask(await headEnd.command(GPF, code('GCS13a'), gcs13a)));
  expect(register).toContainEqual(expect.objectContaining({ records: expect.arrayContaining([expect.objectContaining({ attributeId: 0, value: Number(litres(REGISTER_M3)) })]) }));
  const gcs61 = decodeMessage(vectorNamed('GCS61_4.17_SUCCESS_COMMAND_GBCS.HEX').bytes).payload;
  const daily = await headEnd.decryptGpfResponse(await headEnd.ask(await headEnd.command(GPF, code('GCS61'), gcs61)));
  expect(JSON.stringify(daily)).toContain(`[${DAILY.map(({ consumption }) => litres(consumption)).join(',')}]`);

  // The supplier disables the privacy PIN; one that tries to send a PIN over the WAN is refused.
  const disabled = await headEnd.ask(await headEnd.command(GPF, GCS11_CODE, gcs11Payload()));
  expect(gpfStatus(disabled)).toBe(ZCL_SUCCESS);
  const carried = await headEnd.ask(await headEnd.command(GPF, GCS11_CODE, gcs11Payload({ password: Buffer.from(PRIVACY_PIN) })));
  expect(gpfStatus(carried)).not.toBe(ZCL_SUCCESS);
}

const ZCL_SUCCESS = 0x00;

/** The status of a GPF answer that is one default response. */
function gpfStatus(response: Buffer): number | undefined {
  const gbz = decodeGbz(decodeMessage(response).payload, { alert: false });
  const body = gbz.gbz === 'components' && gbz.components.length === 1 ? gbz.components[0]!.body : undefined;
  return body?.kind === 'default-response' ? body.status : undefined;
}

/** Bad input on the command topic: junk, JSON, a tampered MAC, a command cut short inside its install code, an install code of a bad length. */
async function sendBadInput(headEnd: HeadEnd): Promise<void> {
  await headEnd.send(Buffer.concat([Buffer.from(`MPAN ${MPAN} MPRN ${MPRN} PIN ${PIN} `), IC_WAN]));
  await headEnd.send(Buffer.from(JSON.stringify({ mpan: MPAN, mprn: MPRN, consumption: REGISTER_M3, installCode: IC_WAN.toString('hex'), pin: PIN })));
  const tampered = await headEnd.command(CHF, code('CCS01'), ccs01(IC_WAN, NEW_DEVICE));
  tampered[tampered.length - 1]! ^= 0xff;
  await headEnd.send(tampered);
  const whole = await headEnd.command(CHF, code('CCS01'), ccs01(IC_WAN, NEW_DEVICE));
  await headEnd.send(whole.subarray(0, whole.indexOf(IC_WAN) + 8));
  const badLength = CCS01.decodeResponse(decodeMessage(await headEnd.ask(await headEnd.command(CHF, code('CCS01'), ccs01(IC_BAD, '00DB1234567890A7')))).payload);
  expect(badLength.results.registerDevice.result).not.toBe(0);
}

describe('the leak scanner', () => {
  it('finds every planted value when it is there: in a LevelDB file, a log line and a message', async () => {
    const dir = await tempDir();
    const secureElement = await FileSecureElement.open({ stateDir: dir });
    const store = await openStore({ path: dir, secureElement });
    const careless = await store.domain({ name: 'careless', codec: bytesCodec });
    const carelessText = await store.domain({ name: 'carelessText', codec: utf8Codec });
    await careless.put('installCode', IC_WAN);
    await carelessText.put('mprn', `MPRN ${MPRN}, MPAN ${MPAN}, ${REGISTER_M3} m3, PIN ${PIN}`);
    await store.close();
    const files = await filesUnder(dir);
    const found = new Set(files.flatMap((file) => scan(file.name, file.bytes, NEEDLES, true)).map((finding) => finding.label));
    for (const label of ['install code over the WAN raw', 'MPRN with leading zero', 'MPAN decimal', 'register m³', `PIN ${PIN} decimal`]) {
      expect(found, label).toContain(label);
    }

    const line = Buffer.from(JSON.stringify({ msg: 'careless', device: { installCode: IC_WAN }, mprn: Number(MPRN) }));
    const inLine = new Set(scan('a log line', line, NEEDLES).map((finding) => finding.label));
    expect(inLine).toEqual(new Set(['install code over the WAN as a JSON Buffer', 'MPRN decimal']));
    const inMessage = scan('a message', Buffer.concat([Buffer.of(0xdd), IC_LABEL, Buffer.from([0x3f, 0xb4, 0x96])]), NEEDLES).map((finding) => finding.label);
    expect(inMessage).toEqual([`${DAILY[0]!.day} consumption litres uint24 little-endian`, 'install code on a label raw']);
  });
});

describeRtds('a full hub run with planted personal values', () => {
  it('leaves none of them in its output, its messages, its error messages or its store, stopped or killed', async () => {
    const dir = await tempDir();
    const state = join(dir, 'state');
    const broker = await startTestBroker();
    cleanups.push(() => broker.dispose());
    const keys = await plantGasData(state);
    const headEnd = await HeadEnd.connect(broker.url, CHF, { keyAgreement: (owner) => keys.publicKey(owner, 'keyAgreement') });
    cleanups.push(() => headEnd.close());
    const outputs: Array<[string, Buffer]> = [];
    const cli: Cli = async (what, args, stdin) => {
      const run = await runCli(args, stdin);
      outputs.push([what, run.output]);
      return run;
    };
    const pinSet = await cli('hub pin set', ['pin', 'set', '--store', state], `${PIN}\n${PIN}\n`);
    expect(pinSet.code, pinSet.stderr).toBe(0);
    const config = await writeConfig(dir, state, broker.url);

    const first = startHubProcess(config);
    cleanups.push(() => first.kill());
    await Promise.all([first.wrote('"msg":"hub ready"'), refusedCommandLines(cli, join(dir, 'scratch'), broker.url)]);
    await plantOverWan(headEnd);
    await sendBadInput(headEnd);
    // The four refused are logged as such before the hub stops.
    await first.wrote('"msg":"message refused', 4);
    await headEnd.until('telemetry');
    expect(await first.stop()).toBe(0);
    // A refused command names where once (not `MAC: MAC: ...`).
    const written = first.output().toString('utf8');
    expect(written).not.toMatch(/"msg":"message refused: ([^":]+): \1:/);
    outputs.push(['hub start (stopped)', first.output()]);
    const afterStop = await scanAll(outputs, headEnd.published(), state);

    // Again, killed this time: what was in flight stays in LevelDB's log as the kill left it.
    const second = startHubProcess(config);
    cleanups.push(() => second.kill());
    await second.wrote('"msg":"hub ready"');
    await headEnd.ask(await headEnd.command(CHF, code('CCS01'), ccs01(IC_WAN, NEW_DEVICE)));
    await second.kill();
    outputs.push(['hub start (killed)', second.output()]);

    const wrongPin = await cli('hub pin verify', ['pin', 'verify', '--store', state], `${WRONG_PIN}\n`);
    expect(wrongPin.code).toBe(2);
    expect(wrongPin.stderr).toContain('PIN_WRONG');

    const published = headEnd.published();
    expect(published.filter((r) => r.topic === headEnd.topic('response')).length).toBeGreaterThanOrEqual(5);
    // The scan can see the install code in a message: the CCS01 the head end sent carries it in clear.
    expect(scan('a CCS01 the head end sent', headEnd.sent[0]!, NEEDLES).map((f) => f.label)).toContain('install code over the WAN raw');
    expect((await filesUnder(state)).some((file) => /\.(log|ldb)$/.test(file.name))).toBe(true);
    expect([...afterStop, ...(await scanAll(outputs, published, state))]).toEqual([]);
  }, 120_000);
});
