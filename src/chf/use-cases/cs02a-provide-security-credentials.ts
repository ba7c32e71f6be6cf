// CS02a: report, for each remote party role asked about, the trust anchor certificates the hub holds (subject and key ids) and the role's sequence number.
import { eui64ToBytes } from '../../../hal/eui64.js';
import { decodeAsn1, encodeAsn1 } from '../../gbcs/payload/asn1/index.js';
import { defineHandler } from '../../use-case/index.js';
import type { Credential } from '../../security/certificates.js';
import { subjectKeyIdentifier, type SecurityCredentials } from '../../security/credentials.js';
import { KEY_USAGE_BITS, provideCredentialsCommand, provideCredentialsResponse, roleOfCode, STATUS_CODE, type RemotePartyDetails } from './credential-shapes.js';

function cell(credential: Credential) {
  return {
    keyUsage: KEY_USAGE_BITS[credential.usage],
    subjectUniqueId: eui64ToBytes(credential.eui),
    subjectKeyIdentifier: subjectKeyIdentifier(credential.der) ?? Buffer.alloc(0),
  };
}

function detailsFor(credentials: SecurityCredentials, code: number): RemotePartyDetails {
  const role = roleOfCode(code);
  const held = role ? [...credentials.forRole(role, 'digitalSigning'), ...credentials.forRole(role, 'keyAgreement')] : [];
  if (!role || held.length === 0) return { remotePartyRole: code, statusCode: STATUS_CODE.trustAnchorNotFound };
  return { remotePartyRole: code, statusCode: STATUS_CODE.success, currentSeqNumber: credentials.sequenceNumber(role), cells: held.map(cell) };
}

export const cs02a = defineHandler({
  useCase: 'CS02a',
  device: 'CHF',
  decodeCommand: (payload) => decodeAsn1(provideCredentialsCommand, payload),
  async handle(context, command) {
    const { rolesRequired } = command.payload.view!.value as { rolesRequired: number[] };
    const details = rolesRequired.map((code) => detailsFor(context.chf.credentials, code));
    return { payload: encodeAsn1(provideCredentialsResponse, details) };
  },
});
