import { eui64ToBytes, isEui64 } from '../../hal/eui64.js';
import { ByteReader, encodeLength } from './bytes.js';
import { CRA_FLAG, OTHER_INFORMATION_LENGTH as OI, SIZE, TAG, craFromFlag } from './constants.js';
import { GbcsError } from './errors.js';
import type { GbcsMessage, GroupingHeader, MacHeader, SignatureField, SupplementaryRemoteParty } from './message.js';
import { messageCodeEntry } from './message-codes.js';

export interface DecodeOptions {
  /** Accept a Message Code the table does not know (to inspect or relay it); default false. */
  allowUnknownMessageCode?: boolean;
}

/**
 * What the MAC of a decoded message covers, as it arrived (copied out of the input when decoded), so
 * checking a MAC does not encode the whole grouping APDU again. Keyed by the very object
 * decodeMessage returned: a message built or spread from it has no entry and is encoded afresh.
 * Decoded messages are not to be changed in place.
 */
const RECEIVED_MAC_DATA = new WeakMap<object, Buffer>();

export function receivedMacData(message: object): Buffer | undefined {
  return RECEIVED_MAC_DATA.get(message);
}

/** Bytes to a message. Throws only GbcsError, naming the byte offset. */
export function decodeMessage(input: Uint8Array, options: DecodeOptions = {}): GbcsMessage {
  const bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const reader = new ByteReader(bytes);
  const first = reader.remaining > 0 ? input[0] : undefined;
  if (first === TAG.generalSigning) return decodeGrouping(reader, options);
  if (first === TAG.generalCiphering) return decodeCiphered(bytes, reader, options);
  if (first === undefined) throw new GbcsError('TRUNCATED', 'empty message', { offset: 0 });
  throw new GbcsError('BAD_TAG', `expected a MAC header (0xDD) or a grouping header (0xDF), found 0x${first.toString(16)}`, {
    offset: 0,
  });
}

function decodeCiphered(bytes: Buffer, reader: ByteReader, options: DecodeOptions): GbcsMessage {
  reader.expect(TAG.generalCiphering, 'General Ciphering tag');
  const transactionId = octets(reader, 'MAC header transaction id');
  const originatorSystemTitle = octets(reader, 'MAC header originator system title');
  const recipientSystemTitle = octets(reader, 'MAC header recipient system title');
  const dateTime = octets(reader, 'MAC header date-time');
  const otherInformation = octets(reader, 'MAC header other information');
  const fieldsEnd = reader.offset;
  reader.expect(0x00, 'key info (GBCS sends none)');
  const contentLength = reader.length('ciphered content length');
  if (reader.remaining > contentLength) {
    throw new GbcsError('LENGTH_MISMATCH', `${reader.remaining - contentLength} bytes after the ciphered content`, {
      offset: reader.offset + contentLength,
    });
  }
  const content = reader.slice(contentLength, 'ciphered content');
  const securityControl = content.u8('security control byte');
  const invocationCounter = content.view(SIZE.invocationCounter, 'invocation counter').readUInt32BE(0);
  if (content.remaining < SIZE.mac) {
    throw new GbcsError('LENGTH_MISMATCH', `ciphered content of ${contentLength} bytes leaves no room for the MAC`, {
      offset: content.offset,
    });
  }
  const groupingStart = content.offset;
  const grouping = decodeGrouping(content.slice(content.remaining - SIZE.mac, 'grouping header'), options);
  const groupingEnd = content.offset;
  const mac = Buffer.from(content.view(SIZE.mac, 'MAC'));
  const macHeader: MacHeader = {
    transactionId,
    originatorSystemTitle,
    recipientSystemTitle,
    dateTime,
    otherInformation,
    securityControl,
    invocationCounter,
  };
  const message: GbcsMessage = { macHeader, ...grouping, mac };
  // Security control byte, the five header fields as encoded (after the tag), the grouping APDU.
  const macData = Buffer.allocUnsafe(1 + fieldsEnd - 1 + groupingEnd - groupingStart);
  macData[0] = securityControl;
  bytes.copy(macData, 1, 1, fieldsEnd);
  bytes.copy(macData, fieldsEnd, groupingStart, groupingEnd);
  RECEIVED_MAC_DATA.set(message, macData);
  return message;
}

/** A length-prefixed octet string, copied out of the input. */
function octets(reader: ByteReader, what: string): Buffer {
  return Buffer.from(reader.view(reader.length(what), what));
}

/** An EUI-64 system title as upper-case hex, read straight from the input (no copy: it runs three times a message). */
function systemTitleAt(reader: ByteReader, what: string): string {
  return reader.view(SIZE.systemTitle, what).toString('hex').toUpperCase();
}

/** The General Signing APDU; `reader` ends where the APDU must end. */
function decodeGrouping(reader: ByteReader, options: DecodeOptions): GbcsMessage {
  reader.expect(TAG.generalSigning, 'General Signing tag');
  reader.expect(SIZE.transactionId, 'transaction id length');
  const craAt = reader.offset;
  const cra = craFromFlag(reader.u8('CRA flag'));
  if (cra === undefined) throw new GbcsError('BAD_VALUE', 'CRA flag must be 1 (command), 2 (response) or 3 (alert)', { offset: craAt });
  const originatorCounter = reader.view(SIZE.counter, 'originator counter').readBigUInt64BE(0);
  reader.expect(SIZE.systemTitle, 'originator system title length');
  const originator = systemTitleAt(reader, 'originator system title');
  reader.expect(SIZE.systemTitle, 'recipient system title length');
  const recipient = systemTitleAt(reader, 'recipient system title');
  const dateTimeAt = reader.offset;
  const dateTimeLength = reader.u8('date-time length');
  if (dateTimeLength !== 0 && dateTimeLength !== SIZE.dateTime) {
    throw new GbcsError('BAD_VALUE', `date-time must be absent (0) or ${SIZE.dateTime} octets, not ${dateTimeLength}`, { offset: dateTimeAt });
  }
  const dateTime = dateTimeLength === 0 ? undefined : Buffer.from(reader.view(dateTimeLength, 'date-time'));
  const otherAt = reader.offset;
  const otherInformation = reader.slice(reader.length('other information length'), 'other information');
  const { messageCode, supplementary } = decodeOtherInformation(otherInformation, otherAt, options);
  const payload = Buffer.from(reader.view(reader.length('content length'), 'content'));
  const signature = decodeSignature(reader);
  if (reader.remaining > 0) {
    throw new GbcsError('LENGTH_MISMATCH', `${reader.remaining} bytes after the signature field`, { offset: reader.offset });
  }
  const header: GroupingHeader = {
    cra,
    originatorCounter,
    originator,
    recipient,
    ...(dateTime ? { dateTime } : {}),
    messageCode,
    ...(supplementary ? { supplementary } : {}),
  };
  return { header, payload, signature };
}

/** `lengthAt` is where the field's length byte sits, to name it when the length has no layout. */
function decodeOtherInformation(reader: ByteReader, lengthAt: number, options: DecodeOptions) {
  const length = reader.remaining;
  const at = reader.offset;
  if (length < OI.messageCodeOnly || (length > OI.messageCodeOnly && length < OI.withRemotePartyId) ||
      (length > OI.withRemotePartyId && length < OI.withRemotePartyCounter) ||
      (length > OI.withRemotePartyCounter && length < OI.withOriginatorCounter)) {
    throw new GbcsError('BAD_VALUE', `other information of ${length} octets has no GBCS layout`, { offset: lengthAt });
  }
  const messageCode = reader.view(SIZE.messageCode, 'message code').readUInt16BE(0);
  if (!options.allowUnknownMessageCode && !messageCodeEntry(messageCode)) {
    throw new GbcsError('UNKNOWN_MESSAGE_CODE', `message code 0x${messageCode.toString(16).padStart(4, '0')} is not one this hub knows`, {
      offset: at,
    });
  }
  if (length === OI.messageCodeOnly) return { messageCode };
  const supplementary: SupplementaryRemoteParty = {
    remotePartyId: systemTitleAt(reader, 'supplementary remote party id'),
  };
  if (length >= OI.withRemotePartyCounter) {
    supplementary.remotePartyCounter = reader.view(SIZE.counter, 'supplementary remote party counter').readBigUInt64BE(0);
  }
  if (length === OI.withOriginatorCounter) {
    supplementary.originatorCounter = reader.view(SIZE.counter, 'supplementary originator counter').readBigUInt64BE(0);
  } else if (length > OI.withOriginatorCounter) {
    supplementary.keyAgreementCertificate = Buffer.from(reader.view(reader.remaining, 'key agreement certificate'));
  }
  return { messageCode, supplementary };
}

function decodeSignature(reader: ByteReader): SignatureField {
  if (reader.remaining === 0) return 'absent';
  const at = reader.offset;
  const length = reader.length('signature length');
  if (length === 0) return 'empty';
  if (length !== SIZE.signature) {
    throw new GbcsError('BAD_VALUE', `a signature is ${SIZE.signature} bytes, not ${length}`, { offset: at });
  }
  return Buffer.from(reader.view(length, 'signature'));
}

/** A message to bytes: the exact inverse of decodeMessage for every message it accepts. */
export function encodeMessage(message: GbcsMessage): Buffer {
  const apdu = encodeGroupingApdu(message);
  if (!message.macHeader) {
    if (message.mac) throw new GbcsError('BAD_VALUE', 'a MAC needs a MAC header');
    return apdu;
  }
  if (!message.mac || message.mac.length !== SIZE.mac) throw new GbcsError('BAD_VALUE', `a MAC header needs a ${SIZE.mac}-byte MAC`);
  const content = Buffer.concat([securityHeader(message.macHeader), apdu, message.mac]);
  return Buffer.concat([macHeaderPrefix(message.macHeader), encodeLength(content.length), content]);
}

/** Tag and the five (GBCS: empty) octet strings of the General Ciphering header, then "no key info". */
export function macHeaderPrefix(header: MacHeader): Buffer {
  return Buffer.concat([Buffer.of(TAG.generalCiphering), macHeaderFields(header), Buffer.of(0x00)]);
}

/** The five General Ciphering octet strings as encoded; they are part of what the MAC covers. */
export function macHeaderFields(header: MacHeader): Buffer {
  const fields = [header.transactionId, header.originatorSystemTitle, header.recipientSystemTitle, header.dateTime, header.otherInformation];
  return Buffer.concat(fields.flatMap((field) => [encodeLength(field.length), field]));
}

export function securityHeader(header: MacHeader): Buffer {
  const bytes = Buffer.alloc(1 + SIZE.invocationCounter);
  bytes[0] = header.securityControl;
  bytes.writeUInt32BE(header.invocationCounter, 1);
  return bytes;
}

/** DF, the grouping header, the content and the signature field. */
export function encodeGroupingApdu(message: Pick<GbcsMessage, 'header' | 'payload' | 'signature'>): Buffer {
  return Buffer.concat([Buffer.of(TAG.generalSigning), signedPart(message), encodeSignature(message.signature)]);
}

/** What the ECDSA signature covers: the General Signing APDU after its tag, up to the end of the content. */
export function signedPart(message: Pick<GbcsMessage, 'header' | 'payload'>): Buffer {
  const { header } = message;
  const other = encodeOtherInformation(header);
  return Buffer.concat([
    Buffer.of(SIZE.transactionId, CRA_FLAG[header.cra]),
    counterBytes(header.originatorCounter, 'originator counter'),
    Buffer.of(SIZE.systemTitle), systemTitle(header.originator, 'originator'),
    Buffer.of(SIZE.systemTitle), systemTitle(header.recipient, 'recipient'),
    encodeDateTimeField(header.dateTime),
    encodeLength(other.length), other,
    encodeLength(message.payload.length), message.payload,
  ]);
}

function encodeDateTimeField(dateTime: Buffer | undefined): Buffer {
  if (!dateTime) return Buffer.of(0);
  if (dateTime.length !== SIZE.dateTime) throw new GbcsError('BAD_VALUE', `a date-time is ${SIZE.dateTime} octets, not ${dateTime.length}`);
  return Buffer.concat([Buffer.of(SIZE.dateTime), dateTime]);
}

function encodeOtherInformation(header: GroupingHeader): Buffer {
  const code = Buffer.alloc(SIZE.messageCode);
  if (!Number.isInteger(header.messageCode) || header.messageCode < 0 || header.messageCode > 0xffff) {
    throw new GbcsError('BAD_VALUE', `message code ${header.messageCode} is not two bytes`);
  }
  code.writeUInt16BE(header.messageCode);
  const extra = header.supplementary;
  if (!extra) return code;
  const parts = [code, systemTitle(extra.remotePartyId, 'supplementary remote party id')];
  if (extra.remotePartyCounter !== undefined) parts.push(counterBytes(extra.remotePartyCounter, 'supplementary remote party counter'));
  if (extra.originatorCounter !== undefined && extra.keyAgreementCertificate) {
    throw new GbcsError('BAD_VALUE', 'other information holds a supplementary originator counter or a certificate, not both');
  }
  if ((extra.originatorCounter !== undefined || extra.keyAgreementCertificate) && extra.remotePartyCounter === undefined) {
    throw new GbcsError('BAD_VALUE', 'a supplementary originator counter or certificate needs the remote party counter');
  }
  if (extra.originatorCounter !== undefined) parts.push(counterBytes(extra.originatorCounter, 'supplementary originator counter'));
  if (extra.keyAgreementCertificate) {
    // Shorter would read back as a supplementary originator counter, or as no layout at all.
    if (extra.keyAgreementCertificate.length <= SIZE.counter) {
      throw new GbcsError('BAD_VALUE', `a certificate of ${extra.keyAgreementCertificate.length} bytes cannot be told from a counter`);
    }
    parts.push(extra.keyAgreementCertificate);
  }
  return Buffer.concat(parts);
}

function encodeSignature(signature: SignatureField): Buffer {
  if (signature === 'absent') return Buffer.alloc(0);
  if (signature === 'empty') return Buffer.of(0);
  if (signature.length !== SIZE.signature) throw new GbcsError('BAD_VALUE', `a signature is ${SIZE.signature} bytes, not ${signature.length}`);
  return Buffer.concat([Buffer.of(SIZE.signature), signature]);
}

function counterBytes(value: bigint, what: string): Buffer {
  if (value < 0n || value > 0xffff_ffff_ffff_ffffn) throw new GbcsError('BAD_VALUE', `${what} ${value} does not fit in 64 bits`);
  const bytes = Buffer.alloc(SIZE.counter);
  bytes.writeBigUInt64BE(value);
  return bytes;
}

function systemTitle(eui: string, what: string): Buffer {
  if (!isEui64(eui)) throw new GbcsError('BAD_VALUE', `${what} "${eui}" is not an EUI-64 (16 upper-case hex digits)`);
  return eui64ToBytes(eui);
}
