/**
 * The Smart Energy clusters GBZ components address, as data: names, the attributes GBCS reads,
 * and the field layouts of the cluster-specific commands this hub reads or answers. A command
 * not listed here still decodes, with its payload kept as bytes.
 */
export type FieldType = 'uint8' | 'uint16' | 'uint24' | 'uint32' | 'uint48' | 'int32' | 'utcTime' | 'enum8' | 'bitmap8' | 'bitmap16' | 'bitmap32' | 'octetString';

export const FIELD_SIZE: Readonly<Record<Exclude<FieldType, 'octetString'>, { size: number; signed?: boolean }>> = {
  uint8: { size: 1 },
  uint16: { size: 2 },
  uint24: { size: 3 },
  uint32: { size: 4 },
  uint48: { size: 6 },
  int32: { size: 4, signed: true },
  utcTime: { size: 4 },
  enum8: { size: 1 },
  bitmap8: { size: 1 },
  bitmap16: { size: 2 },
  bitmap32: { size: 4 },
};

export interface CommandLayout {
  name: string;
  fields: ReadonlyArray<[name: string, type: FieldType]>;
  /** A list that follows the fields, as long as one of them says. */
  repeated?: { name: string; type: FieldType; countField: string };
}

export type Direction = 'toServer' | 'toClient';

export interface Cluster {
  name: string;
  attributes: ReadonlyMap<number, string>;
  commands: ReadonlyMap<string, CommandLayout>;
}

const key = (direction: Direction, command: number) => `${direction}:${command}`;

function cluster(name: string, attributes: Array<[number, string]>, commands: Array<[Direction, number, CommandLayout]>): Cluster {
  return { name, attributes: new Map(attributes), commands: new Map(commands.map(([direction, id, layout]) => [key(direction, id), layout])) };
}

export const CLUSTER_ID = { basic: 0x0000, price: 0x0700, metering: 0x0702, messaging: 0x0703, prepayment: 0x0705, deviceManagement: 0x0708, events: 0x0709 } as const;

export const CLUSTERS: ReadonlyMap<number, Cluster> = new Map([
  [CLUSTER_ID.basic, cluster('Basic', [[0x0003, 'HW version'], [0x0004, 'manufacturer name'], [0x0005, 'model identifier']], [])],
  [CLUSTER_ID.price, cluster('Price', [[0x0302, 'conversion factor'], [0x0304, 'calorific value']], [])],
  [CLUSTER_ID.metering, cluster(
    'Metering',
    [
      [0x0000, 'current summation delivered'],
      [0x0014, 'supply status'],
      [0x0300, 'unit of measure'],
      [0x0301, 'multiplier'],
      [0x0302, 'divisor'],
      [0x0307, 'site id'],
      [0x0a00, 'bill to date delivered'],
    ],
    [
      ['toServer', 0x08, {
        name: 'Get Sampled Data',
        fields: [['sampleId', 'uint16'], ['earliestSampleTime', 'utcTime'], ['sampleType', 'enum8'], ['numberOfSamples', 'uint16']],
      }],
      ['toClient', 0x07, {
        name: 'Get Sampled Data Response',
        fields: [['sampleId', 'uint16'], ['sampleStartTime', 'utcTime'], ['sampleType', 'enum8'], ['sampleRequestInterval', 'uint16'], ['numberOfSamples', 'uint16']],
        repeated: { name: 'samples', type: 'uint24', countField: 'numberOfSamples' },
      }],
    ],
  )],
  [CLUSTER_ID.messaging, cluster('Messaging', [], [
    ['toClient', 0x00, {
      name: 'Display Message',
      fields: [['messageId', 'uint32'], ['messageControl', 'bitmap8'], ['startTime', 'utcTime'], ['durationInMinutes', 'uint16'], ['message', 'octetString']],
    }],
  ])],
  [CLUSTER_ID.prepayment, cluster('Prepayment', [[0x0001, 'credit remaining'], [0x0005, 'accumulated debt']], [
    ['toServer', 0x02, {
      name: 'Change Debt',
      fields: [
        ['issuerEventId', 'uint32'], ['debtLabel', 'octetString'], ['debtAmount', 'uint32'], ['debtRecoveryMethod', 'enum8'],
        ['debtAmountType', 'enum8'], ['debtRecoveryStartTime', 'utcTime'], ['debtRecoveryCollectionTime', 'uint16'],
        ['debtRecoveryFrequency', 'enum8'], ['debtRecoveryAmount', 'uint32'], ['debtRecoveryBalancePercentage', 'uint16'],
      ],
    }],
    ['toServer', 0x06, {
      name: 'Change Payment Mode',
      fields: [['providerId', 'uint32'], ['issuerEventId', 'uint32'], ['implementationDateTime', 'utcTime'], ['proposedPaymentControlConfiguration', 'bitmap16'], ['cutOffValue', 'int32']],
    }],
    ['toClient', 0x02, {
      name: 'Change Payment Mode Response',
      fields: [['friendlyCredit', 'bitmap8'], ['friendlyCreditCalendarId', 'uint32'], ['emergencyCreditLimit', 'uint32'], ['emergencyCreditThreshold', 'uint32']],
    }],
  ])],
  [CLUSTER_ID.deviceManagement, cluster('Device Management', [], [
    ['toClient', 0x00, {
      name: 'Publish Change of Tenancy',
      fields: [['providerId', 'uint32'], ['issuerEventId', 'uint32'], ['tariffType', 'bitmap8'], ['implementationDateTime', 'utcTime'], ['proposedTenancyChangeControl', 'bitmap32']],
    }],
    // GCS11 sends it with an empty password: "stop asking for this password".
    ['toClient', 0x02, {
      name: 'Request New Password Response',
      fields: [['issuerEventId', 'uint32'], ['implementationDateTime', 'utcTime'], ['durationInMinutes', 'uint16'], ['passwordType', 'enum8'], ['password', 'octetString']],
    }],
  ])],
  [CLUSTER_ID.events, cluster('Events', [], [])],
]);

export function commandLayout(clusterId: number, direction: Direction, command: number): CommandLayout | undefined {
  return CLUSTERS.get(clusterId)?.commands.get(key(direction, command));
}
