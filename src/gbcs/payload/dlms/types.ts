/**
 * The DLMS/COSEM Data CHOICE (IEC 62056-6-2, A-XDR), as GBCS uses it. Every node can be encoded
 * back to exactly the bytes it came from; `at` is the payload offset a decoded node started at,
 * for error messages, and is ignored by the encoder.
 */
export type IntegerType = 'integer' | 'long' | 'double-long' | 'unsigned' | 'long-unsigned' | 'double-long-unsigned' | 'enum' | 'bcd';
export type BigIntegerType = 'long64' | 'long64-unsigned';
export type OctetType = 'octet-string' | 'utf8-string' | 'float32' | 'float64' | 'date-time' | 'date' | 'time';

export type DlmsData = (
  | { type: 'null-data' }
  | { type: 'array'; items: DlmsData[] }
  | { type: 'structure'; items: DlmsData[] }
  | { type: 'boolean'; value: boolean }
  | { type: 'bit-string'; bits: number; value: Buffer }
  | { type: 'visible-string'; value: string }
  | { type: OctetType; value: Buffer }
  | { type: IntegerType; value: number }
  | { type: BigIntegerType; value: bigint }
  | { type: 'compact-array'; description: TypeDescription; items: DlmsData[] }
) & { at?: number };

export type DlmsType = DlmsData['type'];

/** A compact array's type description: the shape every element shares. */
export type TypeDescription =
  | { type: 'array'; count: number; element: TypeDescription }
  | { type: 'structure'; items: TypeDescription[] }
  | { type: Exclude<DlmsType, 'array' | 'structure' | 'compact-array'> };

type Layout =
  | { kind: 'container' }
  | { kind: 'none' }
  | { kind: 'boolean' }
  | { kind: 'bits' }
  | { kind: 'octets'; size?: number }
  | { kind: 'text' }
  | { kind: 'int'; size: number; signed: boolean }
  | { kind: 'bigint'; signed: boolean };

/** Tag numbers and wire layouts of the Data CHOICE. */
export const DATA_TYPES: ReadonlyArray<[tag: number, type: DlmsType, layout: Layout]> = [
  [0, 'null-data', { kind: 'none' }],
  [1, 'array', { kind: 'container' }],
  [2, 'structure', { kind: 'container' }],
  [3, 'boolean', { kind: 'boolean' }],
  [4, 'bit-string', { kind: 'bits' }],
  [5, 'double-long', { kind: 'int', size: 4, signed: true }],
  [6, 'double-long-unsigned', { kind: 'int', size: 4, signed: false }],
  [9, 'octet-string', { kind: 'octets' }],
  [10, 'visible-string', { kind: 'text' }],
  [12, 'utf8-string', { kind: 'octets' }],
  [13, 'bcd', { kind: 'int', size: 1, signed: true }],
  [15, 'integer', { kind: 'int', size: 1, signed: true }],
  [16, 'long', { kind: 'int', size: 2, signed: true }],
  [17, 'unsigned', { kind: 'int', size: 1, signed: false }],
  [18, 'long-unsigned', { kind: 'int', size: 2, signed: false }],
  [19, 'compact-array', { kind: 'container' }],
  [20, 'long64', { kind: 'bigint', signed: true }],
  [21, 'long64-unsigned', { kind: 'bigint', signed: false }],
  [22, 'enum', { kind: 'int', size: 1, signed: false }],
  [23, 'float32', { kind: 'octets', size: 4 }],
  [24, 'float64', { kind: 'octets', size: 8 }],
  [25, 'date-time', { kind: 'octets', size: 12 }],
  [26, 'date', { kind: 'octets', size: 5 }],
  [27, 'time', { kind: 'octets', size: 4 }],
];

export const TYPE_BY_TAG: ReadonlyMap<number, { type: DlmsType; layout: Layout }> = new Map(
  DATA_TYPES.map(([tag, type, layout]) => [tag, { type, layout }]),
);
export const TAG_BY_TYPE: ReadonlyMap<DlmsType, { tag: number; layout: Layout }> = new Map(
  DATA_TYPES.map(([tag, type, layout]) => [type, { tag, layout }]),
);
