/** What the GPF's GBZ read handlers share: the command they were sent, the key their values are encrypted with, and how an answer is built. */
import { HubError } from '../../../hal/errors.js';
import type { Eui64 } from '../../../hal/radio.js';
import { deriveKey, encodeDateTime, type GroupingHeader } from '../../gbcs/index.js';
import { EXTENDED_HEADER_CONTROL, encryptGbzBody, encodeGbz, GBZ_PROFILE_ID, type GbzComponent, type GbzPayload, type ZclBody, type ZclHeader } from '../../gbcs/payload/gbz/index.js';
import type { HandlerContext, UseCaseCommand } from '../../use-case/index.js';
import { parseCertificate } from '../../security/certificates.js';
import type { Audience, GasProxyData, GpfDeviceLog } from '../index.js';

export class GpfAnswerError extends HubError {}

/** ZCL frame control bits as GPF responses carry them. */
export const FRAME = { clusterSpecific: 0x01, toClient: 0x08, disableDefaultResponse: 0x10 } as const;


export const ZCL_COMMAND = { readAttributes: 0x00, readAttributesResponse: 0x01, defaultResponse: 0x0b } as const;

export interface GpfParts {
  data: GasProxyData;
  deviceLog: GpfDeviceLog;
}

/** The GPF's state; a hub without one cannot answer a GPF command at all. */
export function gpfOf(context: HandlerContext): GpfParts {
  if (!context.gpf) throw new GpfAnswerError('NO_GPF', 'this hub runs no GPF', { where: 'GPF' });
  return context.gpf;
}

/** The GBZ components of a command (the pipeline decoded them; a GBZ alert is not a command). */
export function commandComponents(command: UseCaseCommand): GbzComponent[] {
  const value = command.payload.view?.value as GbzPayload | undefined;
  if (!value || value.gbz !== 'components') throw new GpfAnswerError('NOT_GBZ_COMMAND', `${command.entry.useCase} needs GBZ components`, { where: 'payload' });
  return value.components;
}

/**
 * Who may see what: a supplier or network operator sees the whole copy; any other party (an Other
 * User, acting for the householder) sees only what happened since the change of tenancy.
 */
export function audienceOf(command: UseCaseCommand): Audience {
  const role = command.remoteParty.role;
  return role === 'supplier' || role === 'networkOperator' ? 'supplier' : 'householder';
}

/** The party values are encrypted for: the supplementary remote party when the ACB relays, else the originator. */
function encryptionParty(header: GroupingHeader): Eui64 {
  return header.supplementary?.remotePartyId ?? header.originator;
}

/**
 * The AES key for the response's encrypted components: ECDH between the GPF's Key Agreement key
 * and the remote party's (from the certificate the command carries, else the one the hub trusts),
 * then the GBCS KDF with transaction kind "encryption" over the response's counter (the GPF's own,
 * when the response carries one for an unknown remote party).
 */
export async function responseKey(context: HandlerContext, command: UseCaseCommand, ownCounter?: bigint): Promise<Buffer> {
  const { header } = command;
  const party = encryptionParty(header);
  const secureElement = context.secureElement;
  if (!secureElement) throw new GpfAnswerError('NO_SECURE_ELEMENT', 'no SecureElement to agree an encryption key', { where: 'GPF' });
  const carried = header.supplementary?.keyAgreementCertificate;
  const peer = carried ? parseCertificate(carried, 'supplementary key agreement certificate').publicKeyDer : context.chf.credentials.forEui(party, 'keyAgreement')?.publicKeyDer;
  if (!peer) throw new GpfAnswerError('NO_CREDENTIAL', `no Key Agreement certificate for ${party}`, { where: party });
  const secret = await secureElement.ecdh(context.identity.gpf, peer);
  const counter = ownCounter ?? header.supplementary?.originatorCounter ?? header.originatorCounter;
  return deriveKey(secret, { originator: context.identity.gpf, kind: 'encryption', counter, recipient: party });
}

/** A response's ZCL header: to the client, default response disabled, the command's sequence number. */
export function responseZcl(command: ZclHeader, commandId: number, clusterSpecific: boolean): ZclHeader {
  return { frameControl: FRAME.toClient | FRAME.disableDefaultResponse | (clusterSpecific ? FRAME.clusterSpecific : 0), sequence: command.sequence, commandId };
}

/**
 * One component whose ZCL payload is encrypted for the remote party. `frameCounter` numbers the
 * encrypted components of one payload from 0 (the RTDS GCS16b's second one carries 1).
 */
export function encryptedComponent(clusterId: number, zcl: ZclHeader, body: ZclBody, key: Buffer, gpf: Eui64, last: boolean, frameCounter = 0): GbzComponent {
  return {
    control: EXTENDED_HEADER_CONTROL.encrypted | (last ? EXTENDED_HEADER_CONTROL.lastComponent : 0),
    clusterId,
    additionalHeader: { control: 0, frameCounter },
    zcl,
    body: encryptGbzBody(body, { clusterId, zcl }, key, gpf),
  };
}

/** A ZCL default response (unencrypted) saying why a command was not answered with data. */
export function defaultResponse(clusterId: number, command: ZclHeader, status: number, frameControl: number = FRAME.toClient): GbzComponent {
  return {
    control: EXTENDED_HEADER_CONTROL.lastComponent,
    clusterId,
    zcl: { frameControl, sequence: command.sequence, commandId: ZCL_COMMAND.defaultResponse },
    body: { kind: 'default-response', commandId: command.commandId, status },
  };
}

export function gbzPayload(components: GbzComponent[]): Buffer {
  return encodeGbz({ gbz: 'components', profileId: GBZ_PROFILE_ID, components });
}

/**
 * The response date-time of a read from the GPF's copy: when the reading was taken, with a clock
 * status saying whose clock stamped it: 0x00 the GPF's own, 0x04 ("different clock base") the
 * GSME's, as the RTDS GCS13a RELIABLE_GPF and RELIABLE_GSME responses have them.
 */
export const CLOCK_STATUS = { gpf: 0x00, gsme: 0x04 } as const;

export function readingDateTime(at: number, source: 'gpf' | 'gsme' = 'gpf'): Buffer {
  const date = new Date(at);
  return encodeDateTime({
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    dayOfWeek: 0xff,
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    second: date.getUTCSeconds(),
    hundredths: 0,
    deviation: -0x8000,
    clockStatus: CLOCK_STATUS[source],
  });
}
