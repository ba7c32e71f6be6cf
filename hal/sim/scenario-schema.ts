/** The JSON schema a scenario file must obey (see `scenario.ts` for what each setting means). */
const EUI64 = { type: 'string', pattern: '^[0-9A-Fa-f]{2}([-:]?[0-9A-Fa-f]{2}){7}$' } as const;
/** 6, 8, 12 or 16 bytes of code followed by its 2-byte CRC. */
const INSTALL_CODE = { type: 'string', pattern: '^([0-9A-Fa-f]{16}|[0-9A-Fa-f]{20}|[0-9A-Fa-f]{28}|[0-9A-Fa-f]{36})$' } as const;
const DBM = { type: 'integer', minimum: -128, maximum: 127 } as const;
const ENERGY_MAP = { type: 'object', propertyNames: { pattern: '^\\d{1,2}$' }, additionalProperties: DBM } as const;
const COUNT = { type: 'integer', minimum: 0 } as const;

export const SCENARIO_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['devices'],
  properties: {
    network: {
      type: 'object',
      additionalProperties: false,
      properties: {
        eui64: EUI64,
        channel: { type: 'integer', minimum: 11, maximum: 26 },
        panId: { type: 'integer', minimum: 0, maximum: 0xfffe },
        extendedPanId: { type: 'string', pattern: '^[0-9A-Fa-f]{16}$' },
        radioTxPower: DBM,
        energy: ENERGY_MAP,
        quietEnergy: DBM,
        dualBand: { type: 'boolean' },
        subGhzEnergy: ENERGY_MAP,
      },
    },
    aps: {
      type: 'object',
      additionalProperties: false,
      properties: {
        retries: { type: 'integer', minimum: 1, maximum: 10_000 },
        window: { type: 'integer', minimum: 1, maximum: 16 },
        retryIntervalMs: { type: 'integer', minimum: 1 },
        indirectTimeoutMs: { type: 'integer', minimum: 1 },
        keyEstablishmentTimeoutMs: { type: 'integer', minimum: 1 },
      },
    },
    faults: {
      type: 'object',
      additionalProperties: false,
      properties: {
        seed: { type: 'integer', minimum: 0, maximum: 0xffffffff },
        corruptOneIn: COUNT,
        dropOneIn: COUNT,
        duplicateOneIn: COUNT,
        directions: {
          type: 'array',
          minItems: 1,
          uniqueItems: true,
          items: { type: 'string', enum: ['toHost', 'toNcp'] },
        },
        delayMs: COUNT,
        resetAfterFrames: COUNT,
      },
    },
    devices: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'eui64', 'type', 'installCode'],
        properties: {
          name: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_-]*$' },
          eui64: EUI64,
          type: { type: 'string', enum: ['ESME', 'GSME', 'PPMID', 'IHD', 'HCALCS', 'CAD'] },
          installCode: INSTALL_CODE,
          declaredInstallCode: INSTALL_CODE,
          commissioned: { type: 'boolean' },
          sleepy: { type: 'boolean' },
          wakeIntervalSeconds: { type: 'integer', minimum: 1 },
          awakeSeconds: { type: 'integer', minimum: 0 },
          lqi: { type: 'integer', minimum: 0, maximum: 255 },
          rssi: DBM,
        },
      },
    },
  },
} as const;
