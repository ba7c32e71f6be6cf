import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.js';
import { encodeMessage } from '../../src/gbcs/index.js';
import { describeRtds, loadVectors, RTDS_DIR, RTDS_KEYSTORE } from '../helpers/rtds.js';
import { inspectMessage } from '../../src/cli/gbcs.js';
import { sampleCommand } from './sample.js';

let stdout = '';
let stderr = '';

beforeEach(() => {
  stdout = '';
  stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
});
afterEach(() => vi.restoreAllMocks());

describe('hub gbcs inspect', () => {
  const hex = encodeMessage(sampleCommand()).toString('hex');

  it('prints the envelope for a person', async () => {
    expect(await main(['gbcs', 'inspect', hex])).toBe(0);
    expect(stdout).toMatch(/^CRA flag\s+command$/m);
    expect(stdout).toMatch(/^originator\s+90B3D51F30000002 {2}Access Control Broker$/m);
    expect(stdout).toMatch(/^recipient\s+00DB1234567890A2 {2}CHF \(the hub\)$/m);
    expect(stdout).toMatch(/^message code\s+0x0001 {2}CCS01 Add Device to CHF Device Log$/m);
    expect(stdout).toMatch(/^supplementary\s+remote party 90B3D51F30010000 {2}supplier, counter 1002$/m);
    expect(stdout).toMatch(/^payload\s+DLMS COSEM ACCESS request: d9200005160003$/m);
    expect(stdout).toMatch(/^MAC\s+abababababababababababab$/m);
    expect(stdout).not.toMatch(/MAC check/);
  });

  it('prints JSON with --json', async () => {
    expect(await main(['gbcs', 'inspect', '--json', hex.toUpperCase().replace(/(..)/g, '$1 ')])).toBe(0);
    const json = JSON.parse(stdout);
    expect(json).toMatchObject({ cra: 'command', originatorCounter: '1302', messageCode: { code: '0x0001', useCase: 'CCS01' }, signature: 'none (empty field)' });
    // 7 bytes of MAC header and one length byte, then security header (5), grouping APDU, MAC (12)
    const cipheredContent = hex.length / 2 - 8;
    expect(json.lengths).toEqual({ groupingApdu: cipheredContent - 5 - 12, payload: 7, cipheredContent });
  });

  it('names the problem with input that is not a message', async () => {
    expect(await main(['gbcs', 'inspect', 'xyz'])).toBe(2);
    expect(stderr).toMatch(/argument: not a file, nor an even number of hex digits \[BAD_INPUT\]/);
    expect(await main(['gbcs', 'inspect', hex.slice(0, 40)])).toBe(2);
    expect(stderr).toMatch(/byte \d+: .* \[TRUNCATED\]/);
  });

  it('explains itself', async () => {
    expect(await main(['gbcs', '--help'])).toBe(0);
    expect(stdout).toMatch(/inspect \[options\] <message>/);
    expect(await main(['gbcs', 'inspect', '--help'])).toBe(0);
    expect(stdout).toMatch(/--keystore <dir>/);
  });
});

describeRtds('hub gbcs inspect --keystore on RTDS vectors', () => {
  const vector = (folder: string, name: string) => join(RTDS_DIR, 'vectors', folder, name);

  it('says a command authenticates', async () => {
    expect(await main(['gbcs', 'inspect', vector('8.11_CCS01', 'CCS01_8.11_SUCCESS_COMMAND_GBCS.HEX'), '--keystore', RTDS_KEYSTORE])).toBe(0);
    expect(stdout).toMatch(/^MAC check\s+valid$/m);
    expect(stdout).toMatch(/^signature check\s+not present$/m);
  });

  it('says a signed command verifies, and a changed one does not', async () => {
    const file = vector('11.3_CS06', 'CS06_11.3_IMMEDIATE_SUCCESS_COMMAND_GBCS.HEX');
    expect(await main(['gbcs', 'inspect', file, '--keystore', RTDS_KEYSTORE])).toBe(0);
    expect(stdout).toMatch(/^signature check\s+valid$/m);
    const changed = readFileSync(file, 'utf8').trim().replace(/.$/, (last) => (last === '0' ? '1' : '0'));
    expect(await main(['gbcs', 'inspect', changed, '--keystore', RTDS_KEYSTORE])).toBe(2);
    expect(stdout).toMatch(/^MAC check\s+INVALID: MAC: the MAC does not match the message \[MAC_INVALID\]$/m);
    expect(stderr).toMatch(/does not authenticate .*\[MAC_INVALID\]/);
  });

  it('says a pre-command lacks the signature it needs', async () => {
    const file = vector('11.3_CS06', 'CS06_11.3_IMMEDIATE_SUCCESS_PRECOMMAND_GBCS.HEX');
    expect(await main(['gbcs', 'inspect', file, '--keystore', RTDS_KEYSTORE, '--json'])).toBe(2);
    expect(JSON.parse(stdout).verification).toEqual({ mac: 'not present', signature: expect.stringMatching(/^MISSING: .*\[SIGNATURE_MISSING\]$/) });
  });
});

describeRtds('hub gbcs inspect on the whole RTDS', () => {
  it('names the use case of every vector and decodes its payload, whoever it is addressed to', async () => {
    const vectors = loadVectors();
    expect(vectors.length).toBeGreaterThan(1000);
    const failures: string[] = [];
    for (const vector of vectors) {
      const inspection = await inspectMessage(vector.bytes);
      if (!inspection.messageCode.useCase) failures.push(`${vector.name}: message code ${inspection.messageCode.code} unnamed`);
      if ('error' in inspection.decodedPayload) failures.push(`${vector.name}: ${inspection.decodedPayload.error}`);
      else if (inspection.decodedPayload.lines.length === 0) failures.push(`${vector.name}: nothing described`);
    }
    expect(failures).toEqual([]);
  });
});
