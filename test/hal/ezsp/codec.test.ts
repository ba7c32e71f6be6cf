import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeFrame,
  encodeFrame,
  encodeRequest,
  encodeResponse,
  isFrame,
  MAX_FRAME_LENGTH,
} from '../../../hal/ezsp/codec.js';
import { EzspFrameError } from '../../../hal/ezsp/errors.js';
import { FRAME_NAMES, FRAMES, frameNameById, type FrameName } from '../../../hal/ezsp/frames.js';
import { statusName } from '../../../hal/ezsp/enums.js';
import { allFieldNames, paramsArbitrary } from './arbitraries.js';

const VERSIONS = [13, 14, 19];

function expectFrameError(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(EzspFrameError);
    expect((error as EzspFrameError).code).toBe(code);
    return;
  }
  throw new Error(`expected ${code}, nothing was thrown`);
}

describe('EZSP frame table', () => {
  it('gives every frame a distinct id', () => {
    const ids = FRAME_NAMES.map((n) => FRAMES[n].id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const name of FRAME_NAMES) expect(frameNameById(FRAMES[name].id)).toBe(name);
  });

  it('gives callbacks no request parameters', () => {
    for (const name of FRAME_NAMES) if (FRAMES[name].kind === 'callback') expect(FRAMES[name].request).toEqual([]);
  });
});

describe('EZSP codec round trips', () => {
  for (const version of VERSIONS) {
    for (const name of FRAME_NAMES) {
      const directions = FRAMES[name].kind === 'callback' ? (['response'] as const) : (['request', 'response'] as const);
      for (const direction of directions) {
        it(`${name} ${direction} (v${version}) decodes to what was encoded`, () => {
          fc.assert(
            fc.property(paramsArbitrary(name, direction, version), fc.integer({ min: 0, max: 255 }), (params, sequence) => {
              const bytes = encodeFrame({ direction, name, params, sequence }, version);
              const decoded = decodeFrame(bytes, version);
              expect(decoded.name).toBe(name);
              expect(decoded.direction).toBe(direction);
              expect(decoded.sequence).toBe(sequence);
              expect(decoded.format).toBe('extended');
              const got = decoded.params as Record<string, unknown>;
              for (const [field, value] of Object.entries(params)) expect(got[field]).toEqual(value);
              // Fields this version lacks are still present, so handlers always see a whole object.
              expect(Object.keys(got).sort()).toEqual(allFieldNames(name, direction).sort());
            }),
            { numRuns: 25 },
          );
        });
      }
    }
  }
});

describe('EZSP wire layouts', () => {
  it('sends the first version command in the legacy format', () => {
    const bytes = encodeRequest('version', { desiredProtocolVersion: 13 }, 0, 13, 'legacy');
    expect(bytes.toString('hex')).toBe('0000000d');
  });

  it('decodes a legacy version response and an extended one alike', () => {
    const legacy = decodeFrame(Buffer.from('0080000d023074', 'hex'), 13);
    expect(legacy.format).toBe('legacy');
    expect(legacy.params).toEqual({ protocolVersion: 13, stackType: 2, stackVersion: 0x7430 });
    const extended = decodeFrame(Buffer.from('01800100000e023074', 'hex'), 14);
    expect(extended.format).toBe('extended');
    expect(isFrame(extended, 'version', 'response') && extended.params).toEqual({ protocolVersion: 14, stackType: 2, stackVersion: 0x7430 });
  });

  it('lays out the extended header as sequence, frame control LE, frame id LE', () => {
    const bytes = encodeResponse('getNodeId', { nodeId: 0x1234 }, 7, 14);
    expect(bytes.toString('hex')).toBe('07800127003412');
    const request = encodeRequest('importTransientKey', { eui64: '00124B0001020304', plaintextKey: Buffer.alloc(16, 0xab), flags: 0 }, 9, 14);
    expect(request.subarray(0, 5).toString('hex')).toBe('0900011101');
    // EUI-64 least significant byte first.
    expect(request.subarray(5, 13).toString('hex')).toBe('0403020100' + '4b1200');
  });

  it('marks callbacks as asynchronous responses', () => {
    const bytes = encodeResponse('stackStatusHandler', { status: 0x90 }, 3, 13);
    expect(bytes.toString('hex')).toBe('039001190090');
    const frame = decodeFrame(bytes, 13);
    expect(frame.callbackType).toBe('asynchronous');
    expect(statusName(0x90, 13)).toBe('NETWORK_UP');
    expect(statusName(0x15, 14)).toBe('NETWORK_UP');
  });

  it('follows EZSP 14 in moving messageSentHandler status first and widening it and the tag', () => {
    const aps = { profileId: 0x0109, clusterId: 0x0800, sourceEndpoint: 1, destinationEndpoint: 2, options: 0x40, groupId: 0, sequence: 5 };
    const params = { status: 0x66, type: 0, indexOrDestination: 0x1234, apsFrame: aps, messageTag: 0x42, messageContents: Buffer.alloc(0) };
    const v13 = encodeResponse('messageSentHandler', params, 1, 13);
    const v14 = encodeResponse('messageSentHandler', { ...params, status: 0x0c02 }, 1, 14);
    // v13: type(1) dest(2) aps(11) tag(1) status(1) length(1)
    expect(v13.length).toBe(5 + 1 + 2 + 11 + 1 + 1 + 1);
    expect(v13[5 + 1 + 2 + 11 + 1]).toBe(0x66);
    // v14: status(4) type(1) dest(2) aps(11) tag(2) length(1)
    expect(v14.length).toBe(5 + 4 + 1 + 2 + 11 + 2 + 1);
    expect(v14.readUInt32LE(5)).toBe(0x0c02);
  });

  it('adds the sender EUI-64 and timestamp to incomingMessageHandler from EZSP 14', () => {
    const aps = { profileId: 0x0109, clusterId: 0x0800, sourceEndpoint: 1, destinationEndpoint: 1, options: 0, groupId: 0, sequence: 9 };
    const v14 = encodeResponse(
      'incomingMessageHandler',
      {
        type: 0,
        apsFrame: aps,
        senderShortId: 0x2222,
        senderLongId: '0011223344556677',
        bindingIndex: 0xff,
        addressIndex: 0xff,
        lastHopLqi: 200,
        lastHopRssi: -40,
        lastHopTimestamp: 1,
        messageContents: Buffer.from('hi'),
      },
      0,
      14,
    );
    const decoded = decodeFrame(v14, 14);
    expect(isFrame(decoded, 'incomingMessageHandler', 'response') && decoded.params.senderLongId).toBe('0011223344556677');
    const v13 = decodeFrame(
      encodeResponse('incomingMessageHandler', { ...(decoded.params as object), senderLongId: '0000000000000000' } as never, 0, 13),
      13,
    );
    expect(v13.params).toMatchObject({ senderShortId: 0x2222, lastHopRssi: -40, senderLongId: '0000000000000000', lastHopTimestamp: 0 });
  });
});

describe('EZSP codec refusals', () => {
  const valid = encodeRequest('permitJoining', { duration: 60 }, 1, 14);

  it('refuses frames too short for a header', () => {
    expectFrameError(() => decodeFrame(Buffer.from([1, 0]), 14), 'EZSP_FRAME_TOO_SHORT');
    expectFrameError(() => decodeFrame(Buffer.from([1, 0, 1, 0x22]), 14), 'EZSP_FRAME_TOO_SHORT');
  });

  it('refuses frames whose parameters are cut short, naming the frame', () => {
    expectFrameError(() => decodeFrame(valid.subarray(0, valid.length - 1), 14), 'EZSP_FRAME_TOO_SHORT');
    try {
      decodeFrame(valid.subarray(0, valid.length - 1), 14);
    } catch (error) {
      expect((error as EzspFrameError).where).toContain('permitJoining');
    }
  });

  it('refuses trailing bytes and oversized frames', () => {
    expectFrameError(() => decodeFrame(Buffer.concat([valid, Buffer.from([0])]), 14), 'EZSP_FRAME_TOO_LONG');
    expectFrameError(() => decodeFrame(Buffer.alloc(MAX_FRAME_LENGTH + 1, 1), 14), 'EZSP_FRAME_TOO_LONG');
  });

  it('refuses unknown frame ids', () => {
    expectFrameError(() => decodeFrame(Buffer.from('0100017777', 'hex'), 14), 'EZSP_UNKNOWN_FRAME');
  });

  it('refuses a legacy frame other than version, and secured frames', () => {
    expectFrameError(() => decodeFrame(Buffer.from('01002200', 'hex'), 14), 'EZSP_BAD_FRAME_CONTROL');
    expectFrameError(() => decodeFrame(Buffer.from('0100812200', 'hex'), 14), 'EZSP_BAD_FRAME_CONTROL');
  });

  it('refuses out-of-range values and oversized payloads when encoding', () => {
    expectFrameError(() => encodeRequest('permitJoining', { duration: 256 }, 1, 14), 'EZSP_BAD_VALUE');
    expectFrameError(() => encodeRequest('getEui64', {}, 256, 14), 'EZSP_BAD_VALUE');
    expectFrameError(() => encodeRequest('removeDevice', { destShort: 0, destLong: 'nope', targetLong: '0000000000000000' }, 1, 14), 'EZSP_BAD_VALUE');
    expectFrameError(() => encodeRequest('importLinkKey', { index: 0, address: '0000000000000000', plaintextKey: Buffer.alloc(15) }, 1, 14), 'EZSP_BAD_VALUE');
    const aps = { profileId: 0, clusterId: 0, sourceEndpoint: 1, destinationEndpoint: 1, options: 0, groupId: 0, sequence: 0 };
    expectFrameError(
      () => encodeRequest('sendUnicast', { type: 0, indexOrDestination: 0, apsFrame: aps, messageTag: 0, messageContents: Buffer.alloc(220) }, 1, 14),
      'EZSP_FRAME_TOO_LONG',
    );
    expectFrameError(() => encodeRequest('importLinkKey', { index: 0, address: '0000000000000000', plaintextKey: Buffer.alloc(16) }, 1, 14, 'legacy'), 'EZSP_BAD_VALUE');
  });
});

describe('EZSP decoding of arbitrary bytes', () => {
  it('never throws anything but EzspFrameError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 240 }), fc.constantFrom(...VERSIONS), (bytes, version) => {
        try {
          decodeFrame(bytes, version);
        } catch (error) {
          if (!(error instanceof EzspFrameError)) throw error;
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('never throws anything but EzspFrameError on damaged valid frames', () => {
    const names = FRAME_NAMES.filter((n) => FRAMES[n].kind === 'callback') as FrameName[];
    const damaged = fc
      .constantFrom(...names)
      .chain((name) => fc.tuple(fc.constant(name), paramsArbitrary(name, 'response', 14)))
      .chain(([name, params]) => {
        const bytes = encodeFrame({ direction: 'response', name, params, sequence: 0 }, 14);
        return fc.tuple(fc.constant(bytes), fc.nat({ max: bytes.length }), fc.nat({ max: 255 }), fc.nat({ max: bytes.length - 1 }));
      });
    fc.assert(
      fc.property(damaged, ([bytes, cut, value, at]) => {
        const copy = Buffer.from(bytes);
        copy[at] = value;
        for (const candidate of [copy, bytes.subarray(0, cut)]) {
          try {
            decodeFrame(candidate, 14);
          } catch (error) {
            if (!(error instanceof EzspFrameError)) throw error;
          }
        }
      }),
      { numRuns: 1000 },
    );
  });
});
