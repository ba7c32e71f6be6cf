import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REDACTED_FIELDS } from '../../../src/logs/process-logger.js';
import { isPersonalFieldName, LogError, validateDetail } from '../../../src/logs/index.js';

const safeName = fc.constantFrom('eui64', 'messageCode', 'outcome', 'reason', 'count', 'role', 'channel', 'originator');
const leaf = fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.boolean(), fc.constant(null));
const safeDetail = fc.dictionary(safeName, fc.oneof(leaf, fc.dictionary(safeName, leaf, { maxKeys: 3 })), { maxKeys: 5 });
const spelling = (name: string) => fc.constantFrom(name, name.toUpperCase(), `device_${name}`, `gas${name[0]!.toUpperCase()}${name.slice(1)}`);

describe('log details', () => {
  it('accept small plain objects whose fields name no personal data', () => {
    fc.assert(
      fc.property(safeDetail, (detail) => {
        expect(validateDetail(detail)).toBe(detail);
      }),
    );
  });

  it('refuse a personal field however it is spelled and wherever it is nested, naming the path', () => {
    fc.assert(
      fc.property(safeDetail, fc.constantFrom(...REDACTED_FIELDS).chain(spelling), fc.boolean(), leaf, (detail, field, nested, value) => {
        const planted = nested ? { ...detail, inner: { [field]: value } } : { ...detail, [field]: value };
        expect(isPersonalFieldName(field)).toBe(true);
        let error: unknown;
        try {
          validateDetail(planted);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(LogError);
        expect((error as LogError).code).toBe('LOG_PERSONAL_DETAIL');
        expect((error as LogError).where).toBe(nested ? `detail.inner.${field}` : `detail.${field}`);
      }),
    );
  });
});
