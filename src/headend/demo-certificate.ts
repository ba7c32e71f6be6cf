import { sign, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import type { Eui64 } from '../../hal/radio.js';
import type { KeyUsage } from '../security/secure-element.js';

/**
 * A remote party certificate in the GB smart-metering profile, as far as the hub reads one
 * (src/security/certificates.ts): the EUI-64 in the subject's x500UniqueIdentifier, the role in
 * its OU, one key usage. For the demo head end only: a real party's comes from the SMKI.
 */
export interface DemoCertificateRequest {
  eui: Eui64;
  /** Two digits: GBCS's RemotePartyRole code (02 supplier, 04 Access Control Broker). */
  ou: string;
  usage: KeyUsage;
  /** SPKI DER of the certified key. */
  publicKeyDer: Buffer;
  /** Signs the certificate (the demo head end's own issuing key). */
  issuerKey: KeyObject;
  serial: number;
  now: Date;
}

const { asn1 } = forge;
const T = asn1.Type;
const UNIVERSAL = asn1.Class.UNIVERSAL;

const OIDS = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organizationalUnit: '2.5.4.11',
  uniqueIdentifier: '2.5.4.45',
  keyUsage: '2.5.29.15',
} as const;

/** Key usage BIT STRING contents: unused bits, then the bits (digitalSignature is bit 0, keyAgreement bit 4). */
const KEY_USAGE_BITS: Readonly<Record<KeyUsage, string>> = { digitalSigning: '\x07\x80', keyAgreement: '\x03\x08' };

const seq = (...items: forge.asn1.Asn1[]) => asn1.create(UNIVERSAL, T.SEQUENCE, true, items);
const oid = (dotted: string) => asn1.create(UNIVERSAL, T.OID, false, asn1.oidToDer(dotted).getBytes());
const attribute = (type: string, value: forge.asn1.Asn1) => asn1.create(UNIVERSAL, T.SET, true, [seq(oid(type), value)]);
const fromDer = (der: Buffer) => asn1.fromDer(forge.util.createBuffer(der.toString('binary')));

function name(cn: string, ou?: string, eui?: Eui64): forge.asn1.Asn1 {
  return seq(
    attribute(OIDS.commonName, asn1.create(UNIVERSAL, T.UTF8, false, cn)),
    ...(ou ? [attribute(OIDS.organizationalUnit, asn1.create(UNIVERSAL, T.UTF8, false, ou))] : []),
    ...(eui ? [attribute(OIDS.uniqueIdentifier, asn1.create(UNIVERSAL, T.BITSTRING, false, `\x00${Buffer.from(eui, 'hex').toString('binary')}`))] : []),
  );
}

export function demoCertificate(request: DemoCertificateRequest): Buffer {
  const algorithm = seq(oid(OIDS.ecdsaWithSha256));
  const notAfter = new Date(Date.UTC(9999, 11, 31, 23, 59, 59));
  const tbs = seq(
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [asn1.create(UNIVERSAL, T.INTEGER, false, '\x02')]),
    asn1.create(UNIVERSAL, T.INTEGER, false, asn1.integerToDer(request.serial).getBytes()),
    algorithm,
    name('demo head end issuer'),
    seq(asn1.create(UNIVERSAL, T.UTCTIME, false, asn1.dateToUtcTime(request.now)), asn1.create(UNIVERSAL, T.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(notAfter))),
    name(`demo head end ${request.eui}`, request.ou, request.eui),
    fromDer(request.publicKeyDer),
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 3, true, [
      seq(seq(oid(OIDS.keyUsage), asn1.create(UNIVERSAL, T.BOOLEAN, false, '\xff'), asn1.create(UNIVERSAL, T.OCTETSTRING, false, asn1.toDer(asn1.create(UNIVERSAL, T.BITSTRING, false, KEY_USAGE_BITS[request.usage])).getBytes()))),
    ]),
  );
  const tbsDer = Buffer.from(asn1.toDer(tbs).getBytes(), 'binary');
  const signature = sign('sha256', tbsDer, { key: request.issuerKey, dsaEncoding: 'der' });
  const certificate = seq(fromDer(tbsDer), algorithm, asn1.create(UNIVERSAL, T.BITSTRING, false, `\x00${signature.toString('binary')}`));
  return Buffer.from(asn1.toDer(certificate).getBytes(), 'binary');
}
