import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli.js';
import { encodeMessage } from '../../../src/gbcs/index.js';
import { describeRtds, RTDS_DIR, RTDS_KEYSTORE } from '../../helpers/rtds.js';
import { sampleCommand } from '../sample.js';

let stdout = '';

beforeEach(() => {
  stdout = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(() => vi.restoreAllMocks());

const vector = (folder: string, name: string) => join(RTDS_DIR, 'vectors', folder, name);

describe('hub gbcs inspect: the payload', () => {
  it('says why a payload cannot be decoded, and still shows the envelope', async () => {
    // The sample command's payload is a bare ACCESS request header, cut short.
    const hex = encodeMessage(sampleCommand()).toString('hex');
    expect(await main(['gbcs', 'inspect', hex])).toBe(0);
    expect(stdout).toMatch(/^message code\s+0x0001/m);
    expect(stdout).toMatch(/^decoded payload\s+cannot be decoded: payload byte \d+: .*\[(TRUNCATED|BAD_VALUE)\]$/m);
  });
});

describeRtds('hub gbcs inspect: decoded RTDS payloads', () => {
  it('shows the CCS01 register_device parameters for a person', async () => {
    expect(await main(['gbcs', 'inspect', vector('8.11_CCS01', 'CCS01_8.11_SUCCESS_COMMAND_GBCS.HEX')])).toBe(0);
    expect(stdout).toMatch(/^decoded payload\s+CCS01 command:$/m);
    expect(stdout).toMatch(/^\s+deviceId: 00DB1234567890A0$/m);
    expect(stdout).toMatch(/^\s+deviceType: 1 \(ESME\)$/m);
    expect(stdout).toMatch(/^\s+joinTimeout: 90$/m);
  });

  it('names results and alert codes', async () => {
    expect(await main(['gbcs', 'inspect', vector('8.9_CCS06', 'CCS06_8.9_ERROR_RESPONSE_GBCS.HEX')])).toBe(0);
    expect(stdout).toMatch(/^\s+result: 1 \(hardware-fault\)$/m);
    stdout = '';
    expect(await main(['gbcs', 'inspect', vector('NA_CS14', 'CS14_NA_8F12_ALERT_GBCS.HEX')])).toBe(0);
    expect(stdout).toMatch(/^\s+alertCode: 0x8F12 CHF Device Log Changed$/m);
    expect(stdout).toMatch(/^\s+backupDateTime: 2015-01-01T00:00:00$/m);
  });

  it('gives the typed view in --json, with bytes as hex', async () => {
    expect(await main(['gbcs', 'inspect', '--json', vector('NA_CCS08', 'CCS08_NA_NA_ALERT_GBCS.HEX')])).toBe(0);
    const json = JSON.parse(stdout);
    expect(json.decodedPayload).toMatchObject({
      format: 'asn1',
      view: 'CCS08 alert',
      value: { alertCode: 0x8f8a, executionDateTime: '2015-01-01T00:00:00.000Z', entityId: '00DB1234567890A4', firmwareVersion: '0123abcd', responseCode: 0 },
    });
  });

  it('falls back to the generic tree for payloads the hub only relays', async () => {
    expect(await main(['gbcs', 'inspect', '--json', vector('4.1.1_ECS17b', 'ECS17b_4.1.1_ERROR_RESPONSE_GBCS.HEX')])).toBe(0);
    const json = JSON.parse(stdout);
    expect(json.decodedPayload.view).toBeUndefined();
    expect(json.decodedPayload.value).toMatchObject({ apdu: 'access-response', specs: [{ kind: 'action', result: 1 }] });
  });

  it('decrypts GBZ components with --keystore, and says so when it cannot', async () => {
    const file = vector('4.1.1_GCS13a', 'GCS13a_4.1.1_SUCCESS_RELIABLE_GPF_RESPONSE_GBCS.HEX');
    expect(await main(['gbcs', 'inspect', '--json', file, '--keystore', RTDS_KEYSTORE])).toBe(0);
    const json = JSON.parse(stdout);
    expect(json.decodedPayload.decrypted).toEqual([
      {
        component: 0,
        value: {
          kind: 'read-attributes-response',
          records: [
            { attributeId: 0x0302, status: 0, dataType: 0x22, value: 1000 },
            { attributeId: 0x0301, status: 0, dataType: 0x22, value: 1 },
            { attributeId: 0x0300, status: 0, dataType: 0x30, value: 1 },
            { attributeId: 0x0000, status: 0, dataType: 0x25, value: 12345 },
          ],
        },
      },
    ]);
    stdout = '';
    expect(await main(['gbcs', 'inspect', file])).toBe(0);
    expect(stdout).not.toMatch(/decrypted/);
    expect(stdout).toMatch(/^\s+kind: ciphered$/m);
  });
});
