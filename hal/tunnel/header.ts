import { TunnelError } from './errors.js';

/**
 * The one-octet header GBCS puts in front of the data of a TransferData on a sleepy Device's
 * tunnel. The GSME asks for waiting Remote Party Messages with GET (the header alone); the CHF
 * answers each GET with GET-RESPONSE, the count of messages still waiting after this one, then the
 * message (nothing when none waits); the GSME sends its own messages (responses, alerts) as PUT
 * followed by the message. Tunnels to mains-powered Devices carry bare GBCS messages, which begin
 * with the General Ciphering (0xDD) or General Signing (0xDF) tag.
 */
export const GB_HGRP_HEADER = {
  get: 0x01,
  getResponse: 0x02,
  put: 0x03,
} as const;

/** First octets of a GBCS message with no header (MAC header, or a grouping header on its own). */
export const GBCS_MESSAGE_TAGS: readonly number[] = [0xdd, 0xdf];

/** The count field is one octet: more waiting messages than this are reported as this many. */
export const MAX_REMAINING_COUNT = 0xff;

export type TunnelData =
  | { kind: 'get' }
  | { kind: 'getResponse'; remaining: number; message: Buffer }
  | { kind: 'put'; message: Buffer }
  | { kind: 'message'; message: Buffer };

export function encodeTunnelData(data: TunnelData): Buffer {
  switch (data.kind) {
    case 'get':
      return Buffer.of(GB_HGRP_HEADER.get);
    case 'getResponse':
      if (!Number.isInteger(data.remaining) || data.remaining < 0 || data.remaining > MAX_REMAINING_COUNT) {
        throw new TunnelError('TUNNEL_BAD_VALUE', `remaining count ${data.remaining} is not 0..${MAX_REMAINING_COUNT}`);
      }
      return Buffer.concat([Buffer.of(GB_HGRP_HEADER.getResponse, data.remaining), data.message]);
    case 'put':
      if (data.message.length === 0) throw new TunnelError('TUNNEL_BAD_VALUE', 'a PUT carries a message; this one is empty');
      return Buffer.concat([Buffer.of(GB_HGRP_HEADER.put), data.message]);
    case 'message':
      checkBare(data.message);
      return Buffer.from(data.message);
  }
}

function checkBare(message: Buffer): void {
  if (message.length === 0 || !GBCS_MESSAGE_TAGS.includes(message[0]!)) {
    throw new TunnelError('TUNNEL_UNKNOWN_HEADER', 'a bare GBCS message starts with 0xDD or 0xDF', { offset: 0 });
  }
}

/** Reads the data of one TransferData; throws a TunnelError (offset within the data) for anything else. */
export function decodeTunnelData(bytes: Uint8Array): TunnelData {
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (data.length === 0) throw new TunnelError('TUNNEL_TRUNCATED', 'a TransferData carries no data', { offset: 0 });
  switch (data[0]) {
    case GB_HGRP_HEADER.get:
      if (data.length > 1) throw new TunnelError('TUNNEL_TRAILING_BYTES', `a GET is its header alone; ${data.length - 1} bytes follow`, { offset: 1 });
      return { kind: 'get' };
    case GB_HGRP_HEADER.getResponse:
      if (data.length < 2) throw new TunnelError('TUNNEL_TRUNCATED', 'a GET-RESPONSE needs the count of remaining messages', { offset: 1 });
      return { kind: 'getResponse', remaining: data[1]!, message: Buffer.from(data.subarray(2)) };
    case GB_HGRP_HEADER.put:
      if (data.length < 2) throw new TunnelError('TUNNEL_TRUNCATED', 'a PUT carries a message; this one is empty', { offset: 1 });
      return { kind: 'put', message: Buffer.from(data.subarray(1)) };
    default:
      checkBare(data);
      return { kind: 'message', message: Buffer.from(data) };
  }
}
