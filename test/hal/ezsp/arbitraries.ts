import fc from 'fast-check';
import { FRAMES, fieldsFor, type FrameName } from '../../../hal/ezsp/frames.js';
import { EMBER_COUNTER_COUNT, FIRST_SL_STATUS_VERSION, type WireTypeName } from '../../../hal/ezsp/wire-types.js';

/** fast-check generators for every EZSP wire type and for whole parameter objects. */

const hex16 = fc.uint8Array({ minLength: 8, maxLength: 8 }).map((b) => Buffer.from(b).toString('hex').toUpperCase());
const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max }).map((b) => Buffer.from(b));
const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const i8 = fc.integer({ min: -128, max: 127 });

export function wireArbitrary(type: WireTypeName, version: number): fc.Arbitrary<unknown> {
  switch (type) {
    case 'uint8':
      return u8;
    case 'int8':
      return i8;
    case 'uint16':
      return u16;
    case 'uint32':
      return u32;
    case 'bool':
      return fc.boolean();
    case 'status':
      return version >= FIRST_SL_STATUS_VERSION ? u32 : u8;
    case 'eui64':
      return hex16;
    case 'key':
      return bytes(16, 16);
    case 'payload':
      return bytes(0, 80);
    case 'clusterLists':
      return fc.record({ input: fc.array(u16, { maxLength: 8 }), output: fc.array(u16, { maxLength: 8 }) });
    case 'apsFrame':
      return fc.record({
        profileId: u16,
        clusterId: u16,
        sourceEndpoint: u8,
        destinationEndpoint: u8,
        options: u16,
        groupId: u16,
        sequence: u8,
      });
    case 'networkParameters':
      return fc.record({
        extendedPanId: hex16,
        panId: u16,
        radioTxPower: i8,
        radioChannel: u8,
        joinMethod: u8,
        nwkManagerId: u16,
        nwkUpdateId: u8,
        channels: u32,
      });
    case 'initialSecurityState':
      return fc.record({
        bitmask: u16,
        preconfiguredKey: bytes(16, 16),
        networkKey: bytes(16, 16),
        networkKeySequenceNumber: u8,
        preconfiguredTrustCenterEui64: hex16,
      });
    case 'secManContext':
      return fc.record({
        coreKeyType: u8,
        keyIndex: u8,
        derivedType: u16,
        eui64: hex16,
        multiNetworkIndex: u8,
        flags: u8,
        psaKeyAlgPermission: u32,
      });
    case 'apsKeyMetadata':
      return fc.record({ bitmask: u16, outgoingFrameCounter: u32, incomingFrameCounter: u32, ttlInSeconds: u16 });
    case 'counters':
      return fc.array(u16, { minLength: EMBER_COUNTER_COUNT, maxLength: EMBER_COUNTER_COUNT });
    case 'multicastTableEntry':
      return fc.record({ multicastId: u16, endpoint: u8, networkIndex: u8 });
    case 'networkKeyInfo':
      return fc.record({
        networkKeySet: fc.boolean(),
        alternateNetworkKeySet: fc.boolean(),
        networkKeySequenceNumber: u8,
        altNetworkKeySequenceNumber: u8,
        networkKeyFrameCounter: u32,
      });
  }
}

/** Parameters for one frame in one direction and version: only the fields that version carries. */
export function paramsArbitrary(name: FrameName, direction: 'request' | 'response', version: number): fc.Arbitrary<Record<string, unknown>> {
  const shape: Record<string, fc.Arbitrary<unknown>> = {};
  for (const field of fieldsFor(name, direction, version)) shape[field.name] = wireArbitrary(field.type, version);
  return fc.record(shape);
}

/** Every field name the frame may carry in any version, for checking absent ones decode as zero. */
export function allFieldNames(name: FrameName, direction: 'request' | 'response'): string[] {
  return [...new Set(FRAMES[name][direction].map((f) => f.name))];
}
