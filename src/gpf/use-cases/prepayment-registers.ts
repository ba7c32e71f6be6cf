/** The Price, Prepayment and billing attributes the GPF serves from its copy of the gas meter's prepayment registers (GCS14, GCS60, GCS60a), as tables. */
import { ZCL_STATUS } from '../../../hal/zcl/index.js';
import type { AttributeRecord } from '../../gbcs/payload/gbz/index.js';
import type { PrepaymentRegisters } from '../index.js';

/**
 * How the meter formats money: currency GBP (ISO 4217 826) and five digits after the point (the
 * Price Trailing Digit 0x50), as the RTDS GCS14 responses report. The GPF keeps money in pence,
 * so a register counts 1/1000 of a penny on the wire.
 */
export const GSME_MONEY_FORMAT = { currency: 826, priceTrailingDigit: 0x50, perPenny: 1000 } as const;

const TYPE = { bitmap8: 0x18, uint16: 0x21, uint32: 0x23, int32: 0x2b } as const;
const RANGE = { [TYPE.int32]: [-(2 ** 31), 2 ** 31 - 1], [TYPE.uint32]: [0, 2 ** 32 - 1] } as Record<number, [number, number]>;

export interface Attribute {
  id: number;
  name: string;
  dataType: number;
  value: (registers: PrepaymentRegisters) => number | undefined;
  money?: true;
}

const money = (id: number, name: string, dataType: number, value: Attribute['value']): Attribute => ({ id, name, dataType, value, money: true });

export const PRICE_ATTRIBUTES: readonly Attribute[] = [
  { id: 0x0616, name: 'currency', dataType: TYPE.uint16, value: () => GSME_MONEY_FORMAT.currency },
  { id: 0x0617, name: 'price trailing digit', dataType: TYPE.bitmap8, value: () => GSME_MONEY_FORMAT.priceTrailingDigit },
];

/** Debts 1 and 2 are the time-based debts, debt 3 the payment-based one. */
export const PREPAYMENT_ATTRIBUTES: readonly Attribute[] = [
  money(0x0001, 'credit remaining', TYPE.int32, (r) => r.meterBalance),
  money(0x0002, 'emergency credit remaining', TYPE.int32, (r) => r.emergencyCreditBalance),
  money(0x0005, 'accumulated debt', TYPE.int32, (r) => r.accumulatedDebt),
  money(0x0211, 'debt amount 1', TYPE.uint32, (r) => r.timeDebts[0]),
  money(0x0221, 'debt amount 2', TYPE.uint32, (r) => r.timeDebts[1]),
  money(0x0231, 'debt amount 3', TYPE.uint32, (r) => r.paymentDebt),
];

/** GCS60a: the Metering cluster's bill to date, as the RTDS GCS60a response types it. */
export const BILLING_ATTRIBUTES: readonly Attribute[] = [money(0x0a00, 'bill to date', TYPE.uint32, (r) => r.billToDate)];

/** One record from a table: the value, unsupported when the table or the copy has none, invalid when the type cannot hold it. */
export function moneyRecord(table: readonly Attribute[], id: number, registers: PrepaymentRegisters, readable?: readonly number[]): AttributeRecord {
  const attribute = table.find((a) => a.id === id);
  const value = attribute && (!readable || readable.includes(id)) ? attribute.value(registers) : undefined;
  if (!attribute || value === undefined) return { attributeId: id, status: ZCL_STATUS.unsupportedAttribute };
  const raw = attribute.money ? Math.round(value * GSME_MONEY_FORMAT.perPenny) : value;
  const [min, max] = RANGE[attribute.dataType] ?? [0, Number.MAX_SAFE_INTEGER];
  if (!Number.isSafeInteger(raw) || raw < min || raw > max) return { attributeId: id, status: ZCL_STATUS.invalidValue };
  return { attributeId: id, status: ZCL_STATUS.success, dataType: attribute.dataType, value: raw };
}
