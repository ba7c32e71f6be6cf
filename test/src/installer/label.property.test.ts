import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HubError } from '../../../hal/errors.js';
import { INSTALL_CODE_LENGTHS, withInstallCodeCrc } from '../../../hal/install-code.js';
import { LabelError, parseLabel, typedLabel } from '../../../src/installer/label.js';

/** Labels in every form an installer meets, generated; the CRC is checked on the spot and no error repeats the code. */
const eui64 = fc.uint8Array({ minLength: 8, maxLength: 8 }).map((b) => Buffer.from(b).toString('hex').toUpperCase());
const installCode = fc.constantFrom(...INSTALL_CODE_LENGTHS).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })).map((b) => withInstallCodeCrc(b));
const casing = fc.constantFrom((s: string) => s, (s: string) => s.toLowerCase());
const grouped = fc.constantFrom((s: string) => s, (s: string) => s.match(/../g)!.join('-'), (s: string) => s.match(/..../g)?.join(' ') ?? s);

const render = {
  zigbeeQr: (eui: string, code: string, extra: string) => `${extra}Z:${eui}$I:${code}`,
  zigbeeQrA: (eui: string, code: string, extra: string) => `Z$A:${eui}$I:${code}${extra ? `$${extra.replace(/\$$/, '')}` : ''}`,
  pipe: (eui: string, code: string) => `${eui}|${code}`,
  plain: (eui: string, code: string) => `${eui}${code}`,
};

describe('labels', () => {
  it('reads the EUI-64 and install code back from every form, in either case, with or without separators', () => {
    fc.assert(
      fc.property(eui64, installCode, fc.constantFrom(...(Object.keys(render) as Array<keyof typeof render>)), casing, grouped, fc.constantFrom('', 'G$M:1385$S:7654SS10B43B$D:0$'), (eui, code, form, kase, group, extra) => {
        const hex = code.toString('hex').toUpperCase();
        const text = kase(render[form](form === 'plain' ? eui : group(eui), form === 'plain' ? hex : hex, extra));
        const label = parseLabel(text);
        expect(label.eui64).toBe(eui);
        expect(label.installCode.equals(code)).toBe(true);
      }),
    );
  });

  it('takes a code alone with the EUI-64 typed beside it, and refuses a label naming another Device', () => {
    fc.assert(
      fc.property(eui64, eui64, installCode, (typed, other, code) => {
        const hex = code.toString('hex');
        expect(parseLabel(hex, typed)).toMatchObject({ eui64: typed, format: 'plainHex' });
        expect(typedLabel(typed, hex).installCode.equals(code)).toBe(true);
        if (other !== typed) expect(() => parseLabel(`${other}|${hex}`, typed)).toThrow(expect.objectContaining({ code: 'LABEL_EUI64_MISMATCH' }));
      }),
    );
  });

  it('refuses a code whose CRC does not match, on the spot, without repeating it', () => {
    fc.assert(
      fc.property(eui64, installCode, fc.nat(), fc.integer({ min: 1, max: 255 }), (eui, code, at, flip) => {
        const bad = Buffer.from(code);
        bad[at % bad.length] = bad[at % bad.length]! ^ flip;
        const hex = bad.toString('hex').toUpperCase();
        for (const text of [`Z:${eui}$I:${hex}`, `${eui}|${hex}`, `${eui}${hex}`]) {
          let thrown: unknown;
          try {
            parseLabel(text);
          } catch (error) {
            thrown = error;
          }
          expect(thrown).toBeInstanceOf(LabelError);
          expect((thrown as LabelError).code).toBe('INSTALL_CODE_BAD_CRC');
          expect((thrown as Error).message).not.toContain(hex);
          expect((thrown as Error).message.toLowerCase()).not.toContain(hex.toLowerCase());
        }
      }),
    );
  });

  it('answers anything else with a typed LabelError, never another exception', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 80 }), fc.stringMatching(/^[0-9A-Fa-f$:|IZ -]{0,80}$/), fc.string({ minLength: 500, maxLength: 600 })), (text) => {
        try {
          const label = parseLabel(text);
          expect(label.eui64).toMatch(/^[0-9A-F]{16}$/);
        } catch (error) {
          expect(error).toBeInstanceOf(HubError);
          expect(error).toBeInstanceOf(LabelError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('says what is wrong in words', () => {
    expect(() => parseLabel('')).toThrow(expect.objectContaining({ code: 'LABEL_EMPTY' }));
    expect(() => parseLabel('Z:00DB1234567890A4$I:')).toThrow(expect.objectContaining({ code: 'LABEL_NO_INSTALL_CODE' }));
    expect(() => parseLabel('0102030405060708090A0B0C0D0E0F1090FD')).toThrow(expect.objectContaining({ code: 'LABEL_NO_EUI64' }));
    expect(() => parseLabel('hello world')).toThrow(expect.objectContaining({ code: 'LABEL_FORMAT' }));
    expect(() => parseLabel('00DB12|0102030405060708090A0B0C0D0E0F1090FD')).toThrow(expect.objectContaining({ code: 'LABEL_BAD_EUI64' }));
    // The simulated PPMID's label, as `hub sim` shows it.
    expect(parseLabel('Z:00DB1234567890A4$I:0102030405060708090A0B0C0D0E0F1090FD')).toMatchObject({ eui64: '00DB1234567890A4', format: 'zigbeeQr' });
  });
});
