import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TunnelError } from '../../../hal/tunnel/errors.js';
import { decodeTunnelData, encodeTunnelData, type TunnelData } from '../../../hal/tunnel/header.js';
import { decodeTunnelFrame, encodeTunnelFrame, GBCS_TUNNEL, type TunnelCommand, type TunnelFrame } from '../../../hal/tunnel/protocol.js';

const hex = (text: string) => Buffer.from(text.replace(/\s/g, ''), 'hex');

/** Either a TunnelError naming an offset inside the input, or a result; never anything else. */
function safely<T>(decode: () => T, length: number): T | undefined {
  try {
    return decode();
  } catch (error) {
    expect(error).toBeInstanceOf(TunnelError);
    const offset = (error as TunnelError).offset;
    expect(offset === undefined || (offset >= 0 && offset <= length)).toBe(true);
    return undefined;
  }
}

function code(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(TunnelError);
    return (error as TunnelError).code;
  }
}

describe('Tunneling cluster frames: vectors', () => {
  it('encodes the GBCS RequestTunnel: protocol 6, no manufacturer code, no flow control, 1500 octets', () => {
    const bytes = encodeTunnelFrame({ sequence: 0x2a, direction: 'clientToServer', command: { kind: 'requestTunnel', ...GBCS_TUNNEL } });
    // frame control: cluster-specific, client to server, default response disabled; seq; command 0x00
    expect(bytes).toEqual(hex('11 2a 00  06 ffff 00 dc05'));
  });

  it('decodes a RequestTunnelResponse from a server', () => {
    expect(decodeTunnelFrame(hex('19 2a 00  3412 00 dc05'))).toEqual({
      sequence: 0x2a,
      direction: 'serverToClient',
      command: { kind: 'requestTunnelResponse', tunnelId: 0x1234, status: 0, maxIncomingTransferSize: 1500 },
    });
  });

  it('numbers TransferData by direction: 0x02 to the server, 0x01 to the client', () => {
    const data = hex('dd0102');
    expect(encodeTunnelFrame({ sequence: 1, direction: 'clientToServer', command: { kind: 'transferData', tunnelId: 7, data } })).toEqual(hex('11 01 02 0700 dd0102'));
    expect(encodeTunnelFrame({ sequence: 1, direction: 'serverToClient', command: { kind: 'transferData', tunnelId: 7, data } })).toEqual(hex('19 01 01 0700 dd0102'));
    expect(decodeTunnelFrame(hex('19 01 01 0700 dd0102')).command).toEqual({ kind: 'transferData', tunnelId: 7, data });
  });

  it('decodes TransferDataError, CloseTunnel, TunnelClosureNotification and a Default Response', () => {
    expect(decodeTunnelFrame(hex('19 05 02 0700 00')).command).toEqual({ kind: 'transferDataError', tunnelId: 7, status: 0 });
    expect(decodeTunnelFrame(hex('11 05 03 0700 02')).command).toEqual({ kind: 'transferDataError', tunnelId: 7, status: 2 });
    expect(decodeTunnelFrame(hex('11 05 01 0900')).command).toEqual({ kind: 'closeTunnel', tunnelId: 9 });
    expect(decodeTunnelFrame(hex('19 05 06 0900')).command).toEqual({ kind: 'tunnelClosureNotification', tunnelId: 9 });
    expect(decodeTunnelFrame(hex('18 05 0b 02 00')).command).toEqual({ kind: 'defaultResponse', commandId: 2, status: 0 });
  });

  it('refuses what a GBCS tunnel never carries, and broken frames, with typed errors', () => {
    expect(code(() => decodeTunnelFrame(hex('11 01 04 0700 0000')))).toBe('TUNNEL_UNSUPPORTED_COMMAND'); // AckTransferData
    expect(code(() => decodeTunnelFrame(hex('10 01 00 0000')))).toBe('TUNNEL_NOT_A_TUNNEL_COMMAND'); // Read Attributes
    expect(code(() => decodeTunnelFrame(hex('15 3412 01 02 0700')))).toBe('TUNNEL_NOT_A_TUNNEL_COMMAND'); // manufacturer-specific
    expect(code(() => decodeTunnelFrame(hex('11 2a 00 06 ffff 00 dc')))).toBe('TUNNEL_TRUNCATED');
    expect(code(() => decodeTunnelFrame(hex('11 2a 00 06 ffff 00 dc05 00')))).toBe('TUNNEL_TRAILING_BYTES');
    expect(code(() => decodeTunnelFrame(hex('11 01 02 07')))).toBe('TUNNEL_TRUNCATED');
    expect(code(() => decodeTunnelFrame(hex('13 01')))).toBe('TUNNEL_BAD_ZCL_FRAME');
    expect(code(() => encodeTunnelFrame({ sequence: 256, direction: 'clientToServer', command: { kind: 'closeTunnel', tunnelId: 1 } }))).toBe('TUNNEL_BAD_VALUE');
    expect(code(() => encodeTunnelFrame({ sequence: 1, direction: 'clientToServer', command: { kind: 'closeTunnel', tunnelId: 0x10000 } }))).toBe('TUNNEL_BAD_VALUE');
  });
});

describe('GB-HGRP header: vectors', () => {
  it('GET is 0x01 alone; GET-RESPONSE is 0x02, the remaining count, then the message; PUT is 0x03 then the message', () => {
    expect(encodeTunnelData({ kind: 'get' })).toEqual(hex('01'));
    expect(encodeTunnelData({ kind: 'getResponse', remaining: 3, message: hex('dd00ff') })).toEqual(hex('02 03 dd00ff'));
    expect(encodeTunnelData({ kind: 'getResponse', remaining: 0, message: Buffer.alloc(0) })).toEqual(hex('02 00'));
    expect(encodeTunnelData({ kind: 'put', message: hex('dd0102') })).toEqual(hex('03 dd0102'));
    expect(decodeTunnelData(hex('02 01 df00'))).toEqual({ kind: 'getResponse', remaining: 1, message: hex('df00') });
    expect(decodeTunnelData(hex('dd 00 11'))).toEqual({ kind: 'message', message: hex('dd0011') });
  });

  it('refuses unknown headers, an empty PUT, a GET with a tail and a bare count', () => {
    expect(code(() => decodeTunnelData(hex('04 dd')))).toBe('TUNNEL_UNKNOWN_HEADER');
    expect(code(() => decodeTunnelData(hex('03')))).toBe('TUNNEL_TRUNCATED');
    expect(code(() => decodeTunnelData(hex('01 00')))).toBe('TUNNEL_TRAILING_BYTES');
    expect(code(() => decodeTunnelData(hex('02')))).toBe('TUNNEL_TRUNCATED');
    expect(code(() => decodeTunnelData(Buffer.alloc(0)))).toBe('TUNNEL_TRUNCATED');
    expect(code(() => encodeTunnelData({ kind: 'getResponse', remaining: 256, message: Buffer.alloc(0) }))).toBe('TUNNEL_BAD_VALUE');
  });
});

const u16 = fc.integer({ min: 0, max: 0xffff });
const u8 = fc.integer({ min: 0, max: 0xff });
const bytes = (min = 0) => fc.uint8Array({ minLength: min, maxLength: 64 }).map((b) => Buffer.from(b));
const direction = fc.constantFrom('clientToServer' as const, 'serverToClient' as const);

const frame: fc.Arbitrary<TunnelFrame> = fc.oneof(
  fc
    .record({ protocolId: u8, manufacturerCode: u16, flowControl: fc.boolean(), maxIncomingTransferSize: u16 })
    .map((c): [TunnelCommand, 'clientToServer'] => [{ kind: 'requestTunnel', ...c }, 'clientToServer']),
  fc.record({ tunnelId: u16, status: u8, maxIncomingTransferSize: u16 }).map((c): [TunnelCommand, 'serverToClient'] => [{ kind: 'requestTunnelResponse', ...c }, 'serverToClient']),
  fc.record({ tunnelId: u16, data: bytes() }).chain((c) => direction.map((d): [TunnelCommand, typeof d] => [{ kind: 'transferData', ...c }, d])),
  fc.record({ tunnelId: u16, status: u8 }).chain((c) => direction.map((d): [TunnelCommand, typeof d] => [{ kind: 'transferDataError', ...c }, d])),
  u16.map((tunnelId): [TunnelCommand, 'clientToServer'] => [{ kind: 'closeTunnel', tunnelId }, 'clientToServer']),
  u16.map((tunnelId): [TunnelCommand, 'serverToClient'] => [{ kind: 'tunnelClosureNotification', tunnelId }, 'serverToClient']),
  fc.record({ commandId: u8, status: u8 }).chain((c) => direction.map((d): [TunnelCommand, typeof d] => [{ kind: 'defaultResponse', ...c }, d])),
).chain(([command, dir]) => u8.map((sequence) => ({ sequence, direction: dir, command })));

const data: fc.Arbitrary<TunnelData> = fc.oneof(
  fc.constant({ kind: 'get' as const }),
  fc.record({ remaining: u8, message: bytes() }).map((d) => ({ kind: 'getResponse' as const, ...d })),
  bytes(1).map((message) => ({ kind: 'put' as const, message })),
  fc.record({ tag: fc.constantFrom(0xdd, 0xdf), rest: bytes() }).map(({ tag, rest }) => ({ kind: 'message' as const, message: Buffer.concat([Buffer.of(tag), rest]) })),
);

describe('tunnel codecs: properties', () => {
  it('round-trips every Tunneling cluster frame', () => {
    fc.assert(fc.property(frame, (f) => {
        expect(decodeTunnelFrame(encodeTunnelFrame(f))).toEqual(f);
      }));
  });

  it('round-trips every GB-HGRP data', () => {
    fc.assert(fc.property(data, (d) => {
        expect(decodeTunnelData(encodeTunnelData(d))).toEqual(d);
      }));
  });

  it('decodes arbitrary bytes to a frame that re-encodes to the same bytes, or refuses them with a TunnelError inside the input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }), (raw) => {
        const decoded = safely(() => decodeTunnelFrame(raw), raw.length);
        // Reserved frame-control bits are dropped and responses are re-sent with default response disabled: compare the rest.
        if (decoded) expect(encodeTunnelFrame(decoded).subarray(1)).toEqual(Buffer.from(raw).subarray(1));
      }),
    );
  });

  it('decodes arbitrary data to a header that re-encodes to the same bytes, or refuses it with a TunnelError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }), (raw) => {
        const decoded = safely(() => decodeTunnelData(raw), raw.length);
        if (decoded) expect(encodeTunnelData(decoded)).toEqual(Buffer.from(raw));
      }),
    );
  });
});
