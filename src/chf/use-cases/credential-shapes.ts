// The ASN.1 of the Security Credentials use cases (CS02a, CS02b) and CS07, as shapes; role codes are src/security/certificates.ts's.
import { ASN1_TAG, primitive, type Asn1Node, integer, octetString, sequence, sequenceOf, type Asn1Shape, type Asn1Value, PayloadError } from '../../gbcs/index.js';
import { REMOTE_PARTY_ROLE_CODES, type RemotePartyRole } from '../../security/certificates.js';

export function roleOfCode(code: number): RemotePartyRole | undefined {
  return REMOTE_PARTY_ROLE_CODES.find(([known]) => known === code)?.[1];
}

export function codeOfRole(role: RemotePartyRole): number | undefined {
  return REMOTE_PARTY_ROLE_CODES.find(([, known]) => known === role)?.[0];
}

/** StatusCode ENUMERATED values the hub answers with. */
export const STATUS_CODE = { success: 0, badCertificate: 5, noTrustAnchor: 10, trustAnchorNotFound: 25, other: 127 } as const;

const BIT_STRING = 0x03;

/** A BIT STRING kept as its DER content (unused-bits octet first): GBCS's KeyUsage. */
export const bitString: Asn1Shape<Buffer> = {
  decode: (node, field) => {
    if (node.tagClass !== 0 || node.tag !== BIT_STRING || node.constructed) throw new PayloadError('BAD_TAG', field, `expected BIT STRING, found tag ${node.tag}`, node.at);
    return node.value;
  },
  encode: (value) => primitive(BIT_STRING, value),
};

export const enumerated: Asn1Shape<number> = {
  decode: (node, field) => {
    if (node.tagClass !== 0 || node.tag !== ASN1_TAG.enumerated || node.constructed) throw new PayloadError('BAD_TAG', field, `expected ENUMERATED, found tag ${node.tag}`, node.at);
    return integer.decode({ ...node, tag: ASN1_TAG.integer }, field);
  },
  encode: (value, field) => ({ ...(integer.encode(value, field) as Asn1Node & { constructed: false }), tag: ASN1_TAG.enumerated }),
};

/** KeyUsage bits as GB certificates set them: digitalSignature (bit 0), keyAgreement (bit 4). */
export const KEY_USAGE_BITS = { digitalSigning: Buffer.from('0780', 'hex'), keyAgreement: Buffer.from('0308', 'hex') } as const;

export const trustAnchorCellIdentifier = sequence({ remotePartyRole: integer, keyUsage: bitString, cellUsage: integer }, ['cellUsage']);

/** A Seq Number of a special use (usage 0: prepayment top-up) and its value. */
export const specialistSeqNumber = sequence({ seqNumberUsage: integer, seqNumber: integer });

/** A role's new floor Seq Number, with its specialist floors where the command sets them: CS02b sets these and its response reports them. */
export const remotePartySeqNumberChange = sequence(
  { remotePartyRole: integer, floorSeqNumber: integer, specialistFloorSeqNumbers: sequenceOf(specialistSeqNumber) },
  ['specialistFloorSeqNumbers'],
);
export type RemotePartySeqNumberChange = Asn1Value<typeof remotePartySeqNumberChange>;

export const provideCredentialsCommand = sequence({
  authorisingCell: trustAnchorCellIdentifier,
  rolesRequired: sequenceOf(integer),
});

export const trustAnchorCellContents = sequence({ keyUsage: bitString, subjectUniqueId: octetString(), subjectKeyIdentifier: octetString() });

/** One role's details: role and status, then (when held) the current sequence number and the cells (cell usage left at its DEFAULT, management). */
export const remotePartyDetails = sequence(
  { remotePartyRole: integer, statusCode: enumerated, currentSeqNumber: integer, cells: sequenceOf(trustAnchorCellContents) },
  ['currentSeqNumber', 'cells'],
);
export const provideCredentialsResponse = sequenceOf(remotePartyDetails);

export type RemotePartyDetails = Asn1Value<typeof remotePartyDetails>;

export const deviceJoinEntry = sequence({ deviceId: octetString(8), deviceType: integer });
export const readDeviceJoinDetailsResponse = sequence({ responseCode: integer, devices: sequenceOf(deviceJoinEntry) }, ['devices']);
