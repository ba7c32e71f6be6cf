import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GbcsError, MESSAGE_CODES, decodeMessage, encodeMessage, gbcsMacHeader, type GbcsMessage, type SupplementaryRemoteParty } from '../../src/gbcs/index.js';
import { describeRtds, loadVectors } from '../helpers/rtds.js';
import { sampleCommand } from './sample.js';

/** Decoding either succeeds, and then re-encodes to the same bytes, or throws a GbcsError. */
function decodesSafely(bytes: Uint8Array): void {
  let message: GbcsMessage;
  try {
    message = decodeMessage(bytes);
  } catch (error) {
    if (!(error instanceof GbcsError)) throw error;
    expect(error.offset === undefined || (error.offset >= 0 && error.offset <= bytes.length)).toBe(true);
    return;
  }
  expect(encodeMessage(message).equals(Buffer.from(bytes))).toBe(true);
}

const eui = fc.uint8Array({ minLength: 8, maxLength: 8 }).map((bytes) => Buffer.from(bytes).toString('hex').toUpperCase());
const counter = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
const bytesOf = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max }).map((bytes) => Buffer.from(bytes));

const supplementary: fc.Arbitrary<SupplementaryRemoteParty> = fc.oneof(
  fc.record({ remotePartyId: eui }),
  fc.record({ remotePartyId: eui, remotePartyCounter: counter }),
  fc.record({ remotePartyId: eui, remotePartyCounter: counter, originatorCounter: counter }),
  fc.record({ remotePartyId: eui, remotePartyCounter: counter, keyAgreementCertificate: bytesOf(9, 400) }),
);

const message: fc.Arbitrary<GbcsMessage> = fc
  .record({
    header: fc.record(
      {
        cra: fc.constantFrom('command' as const, 'response' as const, 'alert' as const),
        originatorCounter: counter,
        originator: eui,
        recipient: eui,
        dateTime: bytesOf(12, 12),
        messageCode: fc.constantFrom(...MESSAGE_CODES.keys()),
        supplementary,
      },
      { requiredKeys: ['cra', 'originatorCounter', 'originator', 'recipient', 'messageCode'] },
    ),
    payload: bytesOf(0, 600),
    signature: fc.oneof(fc.constant('absent' as const), fc.constant('empty' as const), bytesOf(64, 64)),
    mac: fc.option(bytesOf(12, 12), { nil: undefined }),
  })
  .map(({ mac, ...rest }) => (mac ? { ...rest, macHeader: gbcsMacHeader(), mac } : rest));

function mutations(original: Buffer): fc.Arbitrary<Buffer> {
  const index = fc.nat({ max: original.length - 1 });
  return fc.oneof(
    fc.tuple(index, fc.integer({ min: 0, max: 255 })).map(([at, value]) => Buffer.concat([original.subarray(0, at), Buffer.of(value), original.subarray(at + 1)])),
    fc.tuple(index, fc.integer({ min: 0, max: 255 })).map(([at, value]) => Buffer.concat([original.subarray(0, at), Buffer.of(value), original.subarray(at)])),
    index.map((at) => Buffer.concat([original.subarray(0, at), original.subarray(at + 1)])),
    index.map((at) => original.subarray(0, at)),
  );
}

describe('GBCS decoder properties', () => {
  it('throws nothing but GbcsError on random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), decodesSafely), { numRuns: 2000 });
  });

  it('throws nothing but GbcsError on random bytes behind a real tag', () => {
    const tagged = fc.tuple(fc.constantFrom(0xdd, 0xdf), fc.uint8Array({ maxLength: 300 })).map(([tag, rest]) => Uint8Array.of(tag, ...rest));
    fc.assert(fc.property(tagged, decodesSafely), { numRuns: 2000 });
  });

  it('decodes every message it encodes to the same message', () => {
    fc.assert(
      fc.property(message, (original) => {
        const bytes = encodeMessage(original);
        expect(decodeMessage(bytes)).toEqual(original);
      }),
      { numRuns: 500 },
    );
  });

  it('survives mutations of a well-formed message', () => {
    const bytes = encodeMessage(sampleCommand());
    fc.assert(fc.property(mutations(bytes), decodesSafely), { numRuns: 2000 });
  });
});

describeRtds('GBCS decoder properties on RTDS vectors', () => {
  it('survives mutations of every vector', () => {
    for (const vector of loadVectors()) {
      fc.assert(fc.property(mutations(vector.bytes), decodesSafely), { numRuns: 60 });
    }
  });
});
