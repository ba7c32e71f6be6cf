import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { registerGbcs } from '../../../src/cli/gbcs.js';
import { decodeMessage, GbcsAuthenticator, isSigned } from '../../../src/gbcs/index.js';
import { processOnce } from '../../../src/hub/process-once.js';
import { loadRtdsKeystore } from '../../../src/security/rtds-secure-element.js';
import { describeRtds, loadVectors, RTDS_DIR, RTDS_KEYSTORE } from '../../helpers/rtds.js';

const vector = (name: string) => loadVectors().find((v) => v.name === name)!.bytes;

const CCS06_STATE = `
now: 2015-01-01T00:00:00Z
extendedPanId: "0001020304050607"
devices:
  - { eui64: 00DB1234567890A0, deviceType: ESME, installCode: "30313233343536373839414243444546", lastCommunication: 2014-12-31T23:50:00Z }
  - { eui64: 00DB1234567890A1, deviceType: GSME, installCode: "30313233343536373839414243444546", lastCommunication: 2014-12-31T23:40:00Z }
linkStatistics:
  00DB1234567890A0: { status: c8, rssi: [-35, -50, -100], lqi: [2, 39, 247], numberOfHops: 1, transmissionFailures: 0, transmissionSuccesses: 100, applicationVersion: 1, stackVersion: 1 }
  00DB1234567890A1: { status: c8, rssi: [-34, -54, -77], lqi: [1, 96, 205], numberOfHops: 1, transmissionFailures: 0, transmissionSuccesses: 100, applicationVersion: 1, stackVersion: 1 }
`;

describeRtds('hub gbcs process', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hub-process-test-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('answers the RTDS CCS06 command from a YAML state file exactly as the RTDS response', async () => {
    const state = join(dir, 'ccs06.yaml');
    await writeFile(state, CCS06_STATE);
    const { outcome, lines } = await processOnce(vector('CCS06_8.9_SUCCESS_COMMAND_GBCS.HEX'), { keystoreDir: RTDS_KEYSTORE, stateFile: state });
    expect(outcome.kind).toBe('answered');
    expect(lines).toEqual([vector('CCS06_8.9_SUCCESS_RESPONSE_GBCS.HEX').toString('hex').toUpperCase()]);
  });

  it('runs a fresh hub named by the recipient: CCS01 with no radio adds the Device, fails the join, and CS14 follows', async () => {
    const { lines } = await processOnce(vector('CCS01_8.11_SUCCESS_COMMAND_GBCS.HEX'), { keystoreDir: RTDS_KEYSTORE });
    expect(lines).toHaveLength(2);
    const [response, alert] = lines.map((line) => decodeMessage(Buffer.from(line, 'hex')));
    expect(response!.header).toMatchObject({ cra: 'response', originator: '00DB1234567890A2', originatorCounter: 1302n });
    // register_device succeeded; join_timeout failed (no HAN here); enable_disable_joining not attempted.
    expect(response!.payload.subarray(-7).toString('hex')).toBe('030300020102fa');
    expect(alert!.header).toMatchObject({ cra: 'alert', originator: '00DB1234567890A2', messageCode: 0x0018, originatorCounter: 1n });
  });

  it('prints the response through the CLI, and refuses a message it cannot read with its typed error', async () => {
    const program = new Command().exitOverride();
    registerGbcs(program);
    const state = join(dir, 'ccs06-cli.yaml');
    await writeFile(state, CCS06_STATE);
    const written: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (written.push(String(chunk)), true));
    try {
      const file = join(RTDS_DIR, 'vectors/8.9_CCS06/CCS06_8.9_SUCCESS_COMMAND_GBCS.HEX');
      await program.parseAsync(['gbcs', 'process', file, '--keystore', RTDS_KEYSTORE, '--state', state], { from: 'user' });
      await expect(program.parseAsync(['gbcs', 'process', 'DF00', '--keystore', RTDS_KEYSTORE], { from: 'user' })).rejects.toMatchObject({ name: 'GbcsError', where: 'byte 1' });
    } finally {
      spy.mockRestore();
    }
    expect(written.join('')).toBe(`${vector('CCS06_8.9_SUCCESS_RESPONSE_GBCS.HEX').toString('hex').toUpperCase()}\n`);
  });

  it('answers a critical command signed by a key of its own, with no MAC', async () => {
    // CS02b supplierBySupplier, sequence number 1, no replacement: signed by the RTDS supplier, MACed by the ACB.
    const { secureElement, trustStore } = await loadRtdsKeystore(RTDS_KEYSTORE);
    const sender = new GbcsAuthenticator({ secureElement, credentials: trustStore });
    const header = { cra: 'command' as const, originatorCounter: 77n, originator: '90B3D51F30010000', recipient: '00DB1234567890A2', messageCode: 0x0102 };
    const payload = Buffer.from('300c3006020102830101' + '3000' + '3000', 'hex');
    const command = await sender.seal({ header, payload, signature: await sender.sign({ header, payload }) });
    const { outcome, lines } = await processOnce(command, { keystoreDir: RTDS_KEYSTORE });
    expect(outcome.kind === 'dropped' ? outcome.refusal.code : outcome.kind).toBe('answered');
    const response = decodeMessage(Buffer.from(lines[0]!, 'hex'));
    expect(response.macHeader).toBeUndefined();
    expect(isSigned(response)).toBe(true);
    expect(response.header).toMatchObject({ cra: 'response', originator: '00DB1234567890A2', recipient: '90B3D51F30010000', originatorCounter: 77n });
  });

  it('names the field of a state file that is wrong, and a message the hub drops', async () => {
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'devices:\n  - { eui64: nope, deviceType: ESME }\n');
    await expect(processOnce(vector('CCS06_8.9_SUCCESS_COMMAND_GBCS.HEX'), { keystoreDir: RTDS_KEYSTORE, stateFile: bad })).rejects.toMatchObject({
      code: 'SEED_INVALID',
      where: bad,
      message: expect.stringContaining('devices[0].eui64'),
    });
    const tampered = Buffer.from(vector('CCS06_8.9_SUCCESS_COMMAND_GBCS.HEX'));
    tampered[tampered.length - 1] = tampered[tampered.length - 1]! ^ 1;
    const { outcome, lines } = await processOnce(tampered, { keystoreDir: RTDS_KEYSTORE });
    expect(outcome.kind === 'dropped' && outcome.refusal.code).toBe('MAC_INVALID');
    // The refusal names where once: the wrapped error's own prefix is not repeated.
    expect(outcome.kind === 'dropped' && outcome.refusal.message).toBe('MAC: the MAC does not match the message');
    expect(lines).toEqual([]);
  });
});
