import { PassThrough } from 'node:stream';
import { format, inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HubError } from '../../../hal/errors.js';
import { createLogger, REDACTED_FIELDS } from '../../../src/logs/process-logger.js';
import { isPersonalFieldName } from '../../../src/logs/index.js';
import {
  classOfField,
  mask,
  mayLogField,
  NEVER_LOGGED_FIELDS,
  Personal,
  PERSONAL_DATA,
  redact,
  redactForLog,
  retentionCutoff,
  type PersonalClass,
} from '../../../src/privacy/personal-data.js';

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.UTC(2026, 4, 1);

// Planted values: each must never appear in any output below.
const MPAN = '1312345678907';
const MPRN = '0007654321';
const CONSUMPTION = 48213.957;
const INSTALL_CODE = '83FED3407A939723A5C639FF4C12AF11';
const PIN = '482910';
const PLANTED = [MPAN, MPRN, '7654321', String(CONSUMPTION), INSTALL_CODE, PIN];

function expectNoPlanted(text: string): void {
  for (const value of PLANTED) expect(text, `leaked ${value}`).not.toContain(value);
}

describe('the classification table', () => {
  it('gives every class field names, a retention and a log policy; only equipment ids may be logged', () => {
    for (const [name, policy] of Object.entries(PERSONAL_DATA)) {
      expect(policy.fields.length, name).toBeGreaterThan(0);
      expect(policy.retention.kind, name).toBeTruthy();
      expect(policy.encryptAtRest, name).toBe(policy.log === 'never');
    }
    expect(Object.entries(PERSONAL_DATA).filter(([, p]) => p.log === 'allowed').map(([name]) => name)).toEqual(['deviceId']);
    expect(retentionCutoff('consumption', NOW)).toBe(NOW - 731 * DAY);
    expect(retentionCutoff('meterPoint', NOW)).toBeUndefined();
  });

  it('is in step with the log redaction list and the log detail refusal', () => {
    for (const field of NEVER_LOGGED_FIELDS) {
      expect(REDACTED_FIELDS as readonly string[]).toContain(field);
      expect(isPersonalFieldName(field), field).toBe(true);
    }
    // Every name the lead's redaction list holds is classified here too (payload: GBCS bytes, masked whole).
    for (const field of REDACTED_FIELDS) if (field !== 'payload') expect(classOfField(field), field).toBeDefined();
  });

  it('classifies field names, matching suffixes only where that is safe', () => {
    const cases: Array<[string, PersonalClass | undefined]> = [
      ['mpan', 'meterPoint'], ['gasMprn', 'meterPoint'], ['import_mpan', 'meterPoint'], ['tcLinkKey', 'linkKey'], ['deviceInstallCode', 'installCode'],
      ['dailyConsumption', 'consumption'], ['meterBalance', 'prepayment'], ['billingData', 'tariff'], ['customerIdentificationNumber', 'customerId'],
      ['pin', 'pin'], ['privacyPin', 'pin'], ['resetPin', undefined], ['key', 'secret'], ['sequenceKey', undefined], ['eui64', 'deviceId'],
      ['messageCode', undefined], ['kind', undefined],
    ];
    for (const [field, expected] of cases) expect(classOfField(field), field).toBe(expected);
    expect(mayLogField('eui64')).toBe(true);
    expect(mayLogField('gasMprn')).toBe(false);
    expect(mayLogField('messageCode')).toBe(true);
  });
});

describe('Personal values', () => {
  it('show only their mask in every printable form, and give the value to reveal()', () => {
    const mpan = redact(MPAN, 'meterPoint');
    const forms = [
      String(mpan), `${mpan}`, mpan + '', JSON.stringify({ mpan, nested: [mpan] }), inspect(mpan), inspect({ deep: { mpan } }, { depth: 10 }),
      format('%s %o %O %j', mpan, mpan, mpan, mpan), new HubError('TEST', `refused ${mpan}`).message, JSON.stringify({ ...mpan }),
      JSON.stringify(Object.entries(mpan)), JSON.stringify(structuredClone({ value: mpan.toJSON() })),
    ];
    for (const form of forms) {
      expect(form).not.toContain(MPAN);
    }
    expect(String(mpan)).toBe('[personal:meterPoint]');
    expect(mpan.reveal()).toBe(MPAN);
    expect(mpan.map((text) => text.slice(0, 2)).reveal()).toBe('13');
    expect(String(mpan.map((text) => text.slice(0, 2)))).toBe(mask('meterPoint'));
  });

  it('never print a wrapped value of any shape (property)', () => {
    const secret = fc.stringMatching(/^[0-9A-F]{6,32}$/);
    fc.assert(
      fc.property(secret, fc.constantFrom(...(Object.keys(PERSONAL_DATA) as PersonalClass[])), (value, personalClass) => {
        const wrapped = new Personal({ value, list: [value] }, personalClass);
        const text = [String(wrapped), JSON.stringify([wrapped]), inspect(wrapped, { depth: 5, showHidden: true }), format('%s %j %o', wrapped, wrapped, wrapped)].join('\n');
        expect(text).not.toContain(value);
        expect(wrapped.reveal().value).toBe(value);
      }),
    );
  });
});

describe('redactForLog', () => {
  it('masks classified fields at any depth and Personal values anywhere, and keeps the rest', () => {
    const error = new HubError('GPF_BAD_MPRN', 'an MPRN is decimal digits only', { where: 'mprn' });
    const redacted = redactForLog({
      eui64: '00DB4829170356A1',
      premises: { supply: { gas: { meter: { mprn: MPRN, reading: CONSUMPTION } } } },
      devices: [{ eui64: 'x', installCode: INSTALL_CODE }],
      note: redact(PIN, 'pin'),
      err: error,
      messageCode: 0x009b,
    });
    expectNoPlanted(JSON.stringify(redacted));
    expect(redacted).toMatchObject({
      eui64: '00DB4829170356A1',
      premises: { supply: { gas: { meter: { mprn: mask('meterPoint'), reading: mask('consumption') } } } },
      devices: [{ eui64: 'x', installCode: mask('installCode') }],
      note: mask('pin'),
      err: { type: 'HubError', code: 'GPF_BAD_MPRN', message: 'mprn: an MPRN is decimal digits only' },
      messageCode: 0x009b,
    });
  });

  it('masks classified fields wherever they are nested (property)', () => {
    const fieldName = fc.constantFrom(...NEVER_LOGGED_FIELDS, 'gasMprn', 'deviceLinkKey', 'halfHourConsumption');
    const path = fc.array(fc.constantFrom('a', 'b', 'devices', 'meter'), { maxLength: 6 });
    fc.assert(
      fc.property(path, fieldName, fc.stringMatching(/^[0-9]{6,16}$/), (segments, field, value) => {
        const object = segments.reduceRight<Record<string, unknown>>((inner, segment) => ({ [segment]: inner }), { [field]: value });
        expect(JSON.stringify(redactForLog(object))).not.toContain(value);
      }),
    );
  });
});

describe('the hub logger', () => {
  for (const pretty of [false, true]) {
    it(`leaves no planted personal value in a ${pretty ? 'readable' : 'JSON'} log line`, async () => {
      const destination = new PassThrough();
      let text = '';
      destination.on('data', (chunk) => (text += String(chunk)));
      const log = createLogger({ destination, pretty, level: 'trace' });
      const mpan = redact(MPAN, 'meterPoint');
      log.info({ mpan: MPAN, gas: { supply: { meter: { point: { mprn: MPRN } } } } }, 'meter points');
      log.warn({ device: { join: { window: { installCode: INSTALL_CODE } } } }, 'device');
      log.info({ readings: [CONSUMPTION], dailyConsumption: CONSUMPTION }, 'reads');
      log.error({ err: new HubError('PIN_WRONG', `wrong PIN for ${mpan}`) }, 'failure');
      log.info(`engineering PIN is ${redact(PIN, 'pin')} for ${mpan}`);
      log.child({ premises: { mpan: MPAN } }).info({ engineeringPin: PIN }, 'child');
      log.info({ eui64: '00DB4829170356A1' }, 'kept');
      await new Promise((resolve) => setTimeout(resolve, 50));
      expectNoPlanted(text);
      expect(text).toContain('00DB4829170356A1');
      expect(text).toContain('[personal:meterPoint]');
    });
  }
});
