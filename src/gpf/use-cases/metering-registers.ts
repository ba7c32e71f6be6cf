/** The Metering cluster attributes the GPF serves from its copy of the gas meter's registers (GCS13a/b/c), as a table. */
import { ZCL_STATUS } from '../../../hal/zcl/index.js';
import { type AttributeRecord, CLUSTER_ID } from '../../gbcs/payload/gbz/index.js';
import type { HandlerContext, UseCaseCommand, UseCaseResult } from '../../use-case/index.js';
import type { GasRegisters } from '../index.js';
import {
  audienceOf, commandComponents, defaultResponse, encryptedComponent, gbzPayload, gpfOf, readingDateTime, responseKey, responseZcl, ZCL_COMMAND,
} from './gbz-answers.js';

/**
 * How the GSME formats its registers: unit of measure m³ (ZCL 0x01), multiplier 1, divisor 1000,
 * so a register counts litres. The RTDS GCS13a/b/c responses report exactly these. The GPF keeps
 * values in m³ and reports them in this format.
 */
export const GSME_METERING_FORMAT = { unitOfMeasure: 0x01, multiplier: 1, divisor: 1000 } as const;

const TYPE = { uint24: 0x22, uint48: 0x25, enum8: 0x30 } as const;
const UINT48_MAX = 2 ** 48 - 1;

type Value = (registers: GasRegisters) => number | undefined;
interface Attribute {
  id: number;
  name: string;
  dataType: number;
  value: Value;
  /** A register, reported in GSME_METERING_FORMAT; the format attributes are not. */
  register?: true;
}

const register = (id: number, name: string, value: Value): Attribute => ({ id, name, dataType: TYPE.uint48, value, register: true });

export const METERING_ATTRIBUTES: readonly Attribute[] = [
  register(0x0000, 'current summation delivered', (r) => r.consumption),
  ...[0, 1, 2, 3].map((i) => register(0x0100 + 2 * i, `current tier ${i + 1} summation delivered`, (r) => r.touRegisters[i])),
  ...[0, 1, 2, 3].map((i) => register(0x0700 + i, `current block ${i + 1} summation delivered`, (r) => r.blockCounters[i])),
  { id: 0x0300, name: 'unit of measure', dataType: TYPE.enum8, value: () => GSME_METERING_FORMAT.unitOfMeasure },
  { id: 0x0301, name: 'multiplier', dataType: TYPE.uint24, value: () => GSME_METERING_FORMAT.multiplier },
  { id: 0x0302, name: 'divisor', dataType: TYPE.uint24, value: () => GSME_METERING_FORMAT.divisor },
];

const FORMAT_IDS = [0x0300, 0x0301, 0x0302];

/** Which attributes each use case may read: its registers and the format they need. */
export const READABLE_BY: Readonly<Record<'GCS13a' | 'GCS13b' | 'GCS13c', readonly number[]>> = {
  GCS13a: [0x0000, ...FORMAT_IDS],
  GCS13b: [0x0700, 0x0701, 0x0702, 0x0703, ...FORMAT_IDS],
  GCS13c: [0x0100, 0x0102, 0x0104, 0x0106, ...FORMAT_IDS],
};

/** A register in m³ as the meter's raw count. */
export function toRaw(value: number): number {
  return Math.round((value * GSME_METERING_FORMAT.divisor) / GSME_METERING_FORMAT.multiplier);
}

/** One read attribute record: the value, or unsupported when the use case may not read it or the copy has none. */
export function attributeRecord(id: number, registers: GasRegisters, readable: readonly number[]): AttributeRecord {
  const attribute = METERING_ATTRIBUTES.find((a) => a.id === id);
  const value = attribute && readable.includes(id) ? attribute.value(registers) : undefined;
  if (!attribute || value === undefined) return { attributeId: id, status: ZCL_STATUS.unsupportedAttribute };
  const raw = attribute.register ? toRaw(value) : value;
  if (!Number.isSafeInteger(raw) || raw < 0 || raw > UINT48_MAX) return { attributeId: id, status: ZCL_STATUS.invalidValue };
  return { attributeId: id, status: ZCL_STATUS.success, dataType: attribute.dataType, value: raw };
}

/**
 * GCS13a/b/c: one Metering read-attributes component in, the records encrypted for the remote party
 * out, dated with the reading. No reading in the copy (or none the party may see): NOT_FOUND. A
 * command that is not one Metering read-attributes: MALFORMED_COMMAND. Reads change nothing.
 */
export async function answerRegisterRead(context: HandlerContext, command: UseCaseCommand, useCase: keyof typeof READABLE_BY): Promise<UseCaseResult> {
  const gpf = gpfOf(context);
  const components = commandComponents(command);
  const [read] = components;
  if (components.length !== 1 || !read || read.clusterId !== CLUSTER_ID.metering || read.body.kind !== 'read-attributes') {
    const first = read ?? { clusterId: CLUSTER_ID.metering, zcl: { frameControl: 0, sequence: 0, commandId: ZCL_COMMAND.readAttributes } };
    return { payload: gbzPayload([defaultResponse(first.clusterId, first.zcl, ZCL_STATUS.malformedCommand)]) };
  }
  const registers = await gpf.data.readRegisters(audienceOf(command));
  if (!registers) return { payload: gbzPayload([defaultResponse(read.clusterId, read.zcl, ZCL_STATUS.notFound)]) };
  const records = read.body.attributeIds.map((id) => attributeRecord(id, registers, READABLE_BY[useCase]));
  const zcl = responseZcl(read.zcl, ZCL_COMMAND.readAttributesResponse, false);
  const component = encryptedComponent(read.clusterId, zcl, { kind: 'read-attributes-response', records }, await responseKey(context, command), context.identity.gpf, true);
  return { payload: gbzPayload([component]), dateTime: readingDateTime(registers.at, registers.timeSource) };
}
