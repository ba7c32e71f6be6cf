import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { explainNoResponse } from '../../../src/cli/send-diagnosis.js';
import { loadVectors } from '../../helpers/rtds.js';

const HUB = '00DB1234567890A2';
const vector = (name: string) => loadVectors().find((v) => v.name === name)!.bytes;

describe('why a command got no answer', () => {
  it('names UNKNOWN_RECIPIENT when the recipient is not the hub, its GPF or a Device in its log', () => {
    const command = vector('CCS06_8.9_SUCCESS_COMMAND_GBCS.HEX');
    expect(explainNoResponse(command, '00DB123456789000', { han: { devices: [] } })).toMatch(/recipient 00DB1234567890A2 .*UNKNOWN_RECIPIENT/);
  });

  it('points at the Security Log when the hub would route it, and says when it went to a HAN Device', () => {
    const command = vector('CCS06_8.9_SUCCESS_COMMAND_GBCS.HEX');
    expect(explainNoResponse(command, HUB, { han: { devices: [] } })).toMatch(/refused it or has not answered yet\. .*hub logs security/);
    const toMeter = vector('CCS01_8.11_SUCCESS_COMMAND_GBCS.HEX');
    expect(explainNoResponse(toMeter, '00DB123456789000', { han: { devices: [{ eui64: HUB, lastContact: null }] } })).toContain('a HAN Device');
  });

  it('says a response is not a command, and bytes that are no GBCS are MALFORMED', () => {
    expect(explainNoResponse(vector('CCS06_8.9_SUCCESS_RESPONSE_GBCS.HEX'), HUB, undefined)).toContain('is a response, not a command');
    expect(explainNoResponse(Buffer.from('0102', 'hex'), HUB, undefined)).toContain('MALFORMED');
  });

  it('explains any bytes at all with one line and no throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const text = explainNoResponse(Buffer.from(bytes), HUB, { han: { devices: [] } });
        expect(text).not.toContain('\n');
      }),
    );
  });
});
