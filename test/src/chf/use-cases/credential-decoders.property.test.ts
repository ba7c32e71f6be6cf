import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { provideCredentialsCommand, remotePartyDetails, remotePartySeqNumberChange, roleOfCode, codeOfRole, specialistSeqNumber } from '../../../../src/chf/use-cases/credential-shapes.js';
import { ASN1_TAG, encodeDer, primitive, sequenceNode, type Asn1Node } from '../../../../src/gbcs/payload/asn1/der.js';
import { integer, sequenceOf } from '../../../../src/gbcs/payload/asn1/shape.js';
import { REMOTE_PARTY_ROLE_CODES } from '../../../../src/security/certificates.js';
import { decodeUpdateCommand } from '../../../../src/chf/use-cases/cs02b-update-security-credentials.js';
import { GbcsError } from '../../../../src/gbcs/index.js';
import { decodeAsn1, encodeAsn1 } from '../../../../src/gbcs/payload/asn1/index.js';

/** The CHF's own ASN.1 decoders (CS02a, CS02b) refuse any bytes they cannot read with a typed error naming where. */
const onlyTypedErrors = (decode: () => unknown) => {
  try {
    decode();
  } catch (error) {
    expect(error).toBeInstanceOf(GbcsError);
    expect((error as GbcsError).where).toBeDefined();
  }
};

describe('Security Credentials decoders', () => {
  it('refuse random bytes with a typed error (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
        onlyTypedErrors(() => decodeUpdateCommand(Buffer.from(bytes)));
        onlyTypedErrors(() => decodeAsn1(provideCredentialsCommand, Buffer.from(bytes)));
      }),
      { numRuns: 300 },
    );
  });

  it('refuse every truncation and one-byte change of a valid CS02a command with a typed error or read it (property)', () => {
    const valid = Buffer.from('3014300702010203020780300902010202010102010' + '4', 'hex');
    expect(decodeAsn1(provideCredentialsCommand, valid).rolesRequired).toEqual([2, 1, 4]);
    fc.assert(
      fc.property(fc.nat(valid.length - 1), fc.integer({ min: 1, max: 255 }), fc.boolean(), (at, xor, truncate) => {
        const bytes = truncate ? valid.subarray(0, at) : Buffer.from(valid.map((b, i) => (i === at ? b ^ xor : b)));
        onlyTypedErrors(() => decodeAsn1(provideCredentialsCommand, bytes));
      }),
    );
  });

  it('read a CS02b control\'s floors, [4] [5] [6], whatever they are, and refuse every change of one with a typed error or read it (property)', () => {
    const change = fc.record({ remotePartyRole: fc.nat(7), floorSeqNumber: fc.nat(), specialistFloorSeqNumbers: fc.option(fc.array(fc.record({ seqNumberUsage: fc.nat(3), seqNumber: fc.nat() }), { maxLength: 2 }), { nil: undefined }) });
    const tagged = (tag: number, node: Asn1Node): Asn1Node => ({ ...node, tagClass: 2, tag });
    fc.assert(
      fc.property(fc.nat(), fc.option(change, { nil: undefined }), fc.array(change, { maxLength: 3 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (seq, own, others, at, xor) => {
        const control = sequenceNode([
          primitive(ASN1_TAG.integer, Buffer.from([2])),
          tagged(3, integer.encode(seq, 'seq')),
          ...(own ? [tagged(4, integer.encode(own.floorSeqNumber, 'floor'))] : []),
          ...(own?.specialistFloorSeqNumbers ? [tagged(5, sequenceOf(specialistSeqNumber).encode(own.specialistFloorSeqNumbers, 'specialist'))] : []),
          ...(others.length > 0 ? [tagged(6, sequenceOf(remotePartySeqNumberChange).encode(others, 'others'))] : []),
        ]);
        const payload = encodeDer(sequenceNode([control, sequenceNode([]), sequenceNode([])]));
        const read = decodeUpdateCommand(payload);
        // Absent optional members read back as absent, not as undefined-valued keys.
        const defined = (value: unknown): unknown => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));
        expect(read.authorisingSeqNumber).toBe(seq);
        expect(defined(read.newFloor)).toEqual(own ? defined({ floorSeqNumber: own.floorSeqNumber, specialistFloorSeqNumbers: own.specialistFloorSeqNumbers }) : undefined);
        expect(defined(read.otherSeqNumberChanges)).toEqual(defined(others));
        const changed = Buffer.from(payload.map((byte, i) => (i === at % payload.length ? byte ^ xor : byte)));
        onlyTypedErrors(() => decodeUpdateCommand(changed));
      }),
    );
  });

  it('encode and read back any role details (property)', () => {
    const details = fc.record(
      {
        remotePartyRole: fc.integer({ min: 0, max: 127 }),
        statusCode: fc.constantFrom(0, 5, 10, 25, 127),
        currentSeqNumber: fc.nat(),
        cells: fc.array(
          fc.record({ keyUsage: fc.constantFrom(Buffer.from('0780', 'hex'), Buffer.from('0308', 'hex')), subjectUniqueId: fc.uint8Array({ minLength: 8, maxLength: 8 }).map(Buffer.from), subjectKeyIdentifier: fc.uint8Array({ maxLength: 20 }).map(Buffer.from) }),
          { maxLength: 3 },
        ),
      },
      { requiredKeys: ['remotePartyRole', 'statusCode'] },
    );
    fc.assert(
      fc.property(details, (value) => {
        const cleaned = value.cells === undefined ? { ...value, currentSeqNumber: undefined } : value.currentSeqNumber === undefined ? { ...value, cells: undefined } : value;
        const defined = Object.fromEntries(Object.entries(cleaned).filter(([, v]) => v !== undefined)) as typeof value;
        expect(decodeAsn1(remotePartyDetails, encodeAsn1(remotePartyDetails, defined))).toEqual(defined);
      }),
    );
  });

  it('name every GBCS remote party role code both ways', () => {
    for (const [code, role] of REMOTE_PARTY_ROLE_CODES) {
      expect(roleOfCode(code)).toBe(role);
      expect(codeOfRole(role)).toBe(code);
    }
    expect(roleOfCode(99)).toBeUndefined();
  });
});
