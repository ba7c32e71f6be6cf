import { eui64FromWire, eui64ToWire, isEui64 } from '../eui64.js';
import type { Eui64 } from '../radio.js';
import { EzspFrameError } from './errors.js';

/**
 * The parameter types EZSP frames are built from, each with its reader, writer and zero value.
 * Multi-byte integers are little-endian, as on the wire. EUI-64s and extended PAN ids travel
 * least significant byte first and are handed up as 16 upper-case hex digits.
 */

/** EZSP 14 widened most status fields from an 8-bit EmberStatus to a 32-bit sl_status_t. */
export const FIRST_SL_STATUS_VERSION = 14;

export class FrameReader {
  private offset: number;

  constructor(
    private readonly bytes: Buffer,
    start: number,
    private readonly where: string,
  ) {
    this.offset = start;
  }

  get position(): number {
    return this.offset;
  }

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  take(length: number, what: string): Buffer {
    if (this.offset + length > this.bytes.length) {
      throw new EzspFrameError(
        'EZSP_FRAME_TOO_SHORT',
        `frame ends before ${what} (needs ${length} byte(s) at offset ${this.offset}, frame has ${this.bytes.length})`,
        { where: this.where },
      );
    }
    const slice = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }
}

export class FrameWriter {
  private readonly chunks: Buffer[] = [];

  constructor(readonly where: string) {}

  put(bytes: Buffer): void {
    this.chunks.push(bytes);
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

interface WireType<T> {
  read(reader: FrameReader, version: number, what: string): T;
  write(writer: FrameWriter, value: T, version: number, what: string): void;
  zero(): T;
}

function badValue(writer: FrameWriter, what: string, expected: string, value: unknown): never {
  const shown = typeof value === 'object' ? JSON.stringify(value) : String(value);
  throw new EzspFrameError('EZSP_BAD_VALUE', `${what} must be ${expected}, got ${shown}`, { where: writer.where });
}

function integer(bytes: 1 | 2 | 4, signed: boolean): WireType<number> {
  const min = signed ? -(2 ** (bytes * 8 - 1)) : 0;
  const max = signed ? 2 ** (bytes * 8 - 1) - 1 : 2 ** (bytes * 8) - 1;
  return {
    read: (reader, _version, what) => {
      const slice = reader.take(bytes, what);
      return signed ? slice.readIntLE(0, bytes) : slice.readUIntLE(0, bytes);
    },
    write: (writer, value, _version, what) => {
      if (!Number.isInteger(value) || value < min || value > max) badValue(writer, what, `an integer ${min}..${max}`, value);
      const out = Buffer.alloc(bytes);
      if (signed) out.writeIntLE(value, 0, bytes);
      else out.writeUIntLE(value, 0, bytes);
      writer.put(out);
    },
    zero: () => 0,
  };
}

const uint8 = integer(1, false);
const uint32 = integer(4, false);

const bool: WireType<boolean> = {
  read: (reader, version, what) => uint8.read(reader, version, what) !== 0,
  write: (writer, value, version, what) => uint8.write(writer, value ? 1 : 0, version, what),
  zero: () => false,
};

/** 8 bytes least significant first on the wire, 16 hex digits most significant first in memory. */
const eui64: WireType<Eui64> = {
  read: (reader, _version, what) => eui64FromWire(reader.take(8, what)),
  write: (writer, value, _version, what) => {
    if (typeof value !== 'string' || !isEui64(value)) badValue(writer, what, '16 upper-case hex digits', value);
    writer.put(eui64ToWire(value));
  },
  zero: () => '0000000000000000',
};

function fixedBytes(length: number): WireType<Buffer> {
  return {
    read: (reader, _version, what) => Buffer.from(reader.take(length, what)),
    write: (writer, value, _version, what) => {
      if (!Buffer.isBuffer(value) || value.length !== length) badValue(writer, what, `${length} bytes`, value?.length);
      writer.put(Buffer.from(value));
    },
    zero: () => Buffer.alloc(length),
  };
}

/** A length byte followed by that many bytes (message contents, getValue/setValue data). */
const lengthPrefixed: WireType<Buffer> = {
  read: (reader, version, what) => Buffer.from(reader.take(uint8.read(reader, version, `${what} length`), what)),
  write: (writer, value, version, what) => {
    if (!Buffer.isBuffer(value) || value.length > 255) badValue(writer, what, 'at most 255 bytes', value?.length);
    uint8.write(writer, value.length, version, `${what} length`);
    writer.put(Buffer.from(value));
  },
  zero: () => Buffer.alloc(0),
};

/** EmberStatus (8 bits) before EZSP 14, sl_status_t (32 bits) from 14 on; 0 is success in both. */
const status: WireType<number> = {
  read: (reader, version, what) =>
    version >= FIRST_SL_STATUS_VERSION ? uint32.read(reader, version, what) : uint8.read(reader, version, what),
  write: (writer, value, version, what) =>
    version >= FIRST_SL_STATUS_VERSION ? uint32.write(writer, value, version, what) : uint8.write(writer, value, version, what),
  zero: () => 0,
};

type StructLayout = readonly (readonly [name: string, type: WireType<unknown>])[];

function struct<T>(layout: StructLayout): WireType<T> {
  return {
    read: (reader, version, what) => {
      const out: Record<string, unknown> = {};
      for (const [name, type] of layout) out[name] = type.read(reader, version, `${what}.${name}`);
      return out as T;
    },
    write: (writer, value, version, what) => {
      if (typeof value !== 'object' || value === null) badValue(writer, what, 'an object', value);
      const record = value as Record<string, unknown>;
      for (const [name, type] of layout) type.write(writer, record[name], version, `${what}.${name}`);
    },
    zero: () => Object.fromEntries(layout.map(([name, type]) => [name, type.zero()])) as T,
  };
}

export interface ApsFrame {
  profileId: number;
  clusterId: number;
  sourceEndpoint: number;
  destinationEndpoint: number;
  /** EmberApsOption bits. */
  options: number;
  groupId: number;
  /** APS counter. */
  sequence: number;
}

export interface EmberNetworkParameters {
  /** 16 hex digits, most significant first. */
  extendedPanId: string;
  panId: number;
  /** dBm. */
  radioTxPower: number;
  radioChannel: number;
  joinMethod: number;
  nwkManagerId: number;
  nwkUpdateId: number;
  /** Channel mask, bit n for channel n. */
  channels: number;
}

export interface EmberInitialSecurityState {
  /** EmberInitialSecurityBitmask bits. */
  bitmask: number;
  preconfiguredKey: Buffer;
  networkKey: Buffer;
  networkKeySequenceNumber: number;
  preconfiguredTrustCenterEui64: Eui64;
}

export interface SecManContext {
  coreKeyType: number;
  keyIndex: number;
  derivedType: number;
  eui64: Eui64;
  multiNetworkIndex: number;
  flags: number;
  psaKeyAlgPermission: number;
}

export interface ApsKeyMetadata {
  bitmask: number;
  outgoingFrameCounter: number;
  incomingFrameCounter: number;
  ttlInSeconds: number;
}

/** One slot of the multicast table: the group, the endpoint that receives it, the network. */
export interface MulticastTableEntry {
  multicastId: number;
  endpoint: number;
  networkIndex: number;
}

/** What the NCP says about its network keys (never the keys themselves). */
export interface NetworkKeyInfo {
  networkKeySet: boolean;
  alternateNetworkKeySet: boolean;
  networkKeySequenceNumber: number;
  altNetworkKeySequenceNumber: number;
  networkKeyFrameCounter: number;
}

export interface ClusterLists {
  input: number[];
  output: number[];
}

const uint16 = integer(2, false);
const key = fixedBytes(16);

/** addEndpoint sends both counts first, then both lists. */
const clusterLists: WireType<ClusterLists> = {
  read: (reader, version, what) => {
    const inputCount = uint8.read(reader, version, `${what} input count`);
    const outputCount = uint8.read(reader, version, `${what} output count`);
    const list = (count: number, side: string) =>
      Array.from({ length: count }, (_, i) => uint16.read(reader, version, `${what}.${side}[${i}]`));
    return { input: list(inputCount, 'input'), output: list(outputCount, 'output') };
  },
  write: (writer, value, version, what) => {
    if (!Array.isArray(value?.input) || !Array.isArray(value?.output)) badValue(writer, what, 'input and output lists', value);
    uint8.write(writer, value.input.length, version, `${what} input count`);
    uint8.write(writer, value.output.length, version, `${what} output count`);
    value.input.forEach((id, i) => uint16.write(writer, id, version, `${what}.input[${i}]`));
    value.output.forEach((id, i) => uint16.write(writer, id, version, `${what}.output[${i}]`));
  },
  zero: () => ({ input: [], output: [] }),
};

/** How many counters readAndClearCounters returns: one per EmberCounterType, in that order. */
export const EMBER_COUNTER_COUNT = 42;

/** readAndClearCounters: a fixed number of 16-bit counters, no count on the wire. */
const counters: WireType<number[]> = {
  read: (reader, version, what) => Array.from({ length: EMBER_COUNTER_COUNT }, (_, i) => uint16.read(reader, version, `${what}[${i}]`)),
  write: (writer, value, version, what) => {
    if (!Array.isArray(value) || value.length !== EMBER_COUNTER_COUNT) badValue(writer, what, `${EMBER_COUNTER_COUNT} counters`, value?.length);
    value.forEach((count, i) => uint16.write(writer, count, version, `${what}[${i}]`));
  },
  zero: () => Array.from({ length: EMBER_COUNTER_COUNT }, () => 0),
};

export const WIRE_TYPES = {
  uint8,
  int8: integer(1, true),
  uint16,
  uint32,
  bool,
  status,
  eui64,
  key,
  payload: lengthPrefixed,
  clusterLists,
  counters,
  apsFrame: struct<ApsFrame>([
    ['profileId', uint16],
    ['clusterId', uint16],
    ['sourceEndpoint', uint8],
    ['destinationEndpoint', uint8],
    ['options', uint16],
    ['groupId', uint16],
    ['sequence', uint8],
  ]),
  networkParameters: struct<EmberNetworkParameters>([
    ['extendedPanId', eui64],
    ['panId', uint16],
    ['radioTxPower', integer(1, true)],
    ['radioChannel', uint8],
    ['joinMethod', uint8],
    ['nwkManagerId', uint16],
    ['nwkUpdateId', uint8],
    ['channels', uint32],
  ]),
  initialSecurityState: struct<EmberInitialSecurityState>([
    ['bitmask', uint16],
    ['preconfiguredKey', key],
    ['networkKey', key],
    ['networkKeySequenceNumber', uint8],
    ['preconfiguredTrustCenterEui64', eui64],
  ]),
  secManContext: struct<SecManContext>([
    ['coreKeyType', uint8],
    ['keyIndex', uint8],
    ['derivedType', uint16],
    ['eui64', eui64],
    ['multiNetworkIndex', uint8],
    ['flags', uint8],
    ['psaKeyAlgPermission', uint32],
  ]),
  apsKeyMetadata: struct<ApsKeyMetadata>([
    ['bitmask', uint16],
    ['outgoingFrameCounter', uint32],
    ['incomingFrameCounter', uint32],
    ['ttlInSeconds', uint16],
  ]),
  multicastTableEntry: struct<MulticastTableEntry>([
    ['multicastId', uint16],
    ['endpoint', uint8],
    ['networkIndex', uint8],
  ]),
  networkKeyInfo: struct<NetworkKeyInfo>([
    ['networkKeySet', bool],
    ['alternateNetworkKeySet', bool],
    ['networkKeySequenceNumber', uint8],
    ['altNetworkKeySequenceNumber', uint8],
    ['networkKeyFrameCounter', uint32],
  ]),
} as const;

export type WireTypeName = keyof typeof WIRE_TYPES;
export type WireValue<T extends WireTypeName> = ReturnType<(typeof WIRE_TYPES)[T]['zero']>;
