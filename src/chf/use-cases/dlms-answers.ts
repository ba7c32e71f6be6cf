import { HubError } from '../../../hal/errors.js';
import { decodeDateTime, dateTimeFromDate, type DlmsDateTime, type Steps } from '../../gbcs/index.js';
import type { DlmsCommandView } from '../../gbcs/payload/dlms/index.js';
import type { UseCaseCommand } from '../../use-case/index.js';

/**
 * What the CHF's DLMS handlers share: the Data-Access-Result / Action-Result values they answer
 * with, how a failure of the hub's own state becomes one, and GBCS's time stamps.
 */
export const RESULT = {
  success: 0,
  /** The hub could not do it (its HAN, its store): the RTDS answers the first failed access so. */
  hardwareFault: 1,
  temporaryFailure: 2,
  readWriteDenied: 3,
  objectUndefined: 4,
  /** An access after a failed one in the same command, which the hub did not attempt. */
  otherReason: 250,
} as const;

export type ResultCode = (typeof RESULT)[keyof typeof RESULT];

/** The typed command view the pipeline decoded (present for every DLMS use case with a view). */
export function commandView<S extends Steps>(command: UseCaseCommand): DlmsCommandView<S> {
  const view = command.payload.view;
  if (!view || view.cra !== 'command') throw new HubError('NO_COMMAND_VIEW', `no typed command view for ${command.entry.useCase}`, { where: command.entry.useCase });
  return view.value as DlmsCommandView<S>;
}

/**
 * The result code for a failed access: a HubError from the hub's own state (store, radio) is a
 * hardware fault; anything else is a bug and propagates.
 */
export function failureResult(error: unknown): ResultCode {
  if (error instanceof HubError) return RESULT.hardwareFault;
  throw error;
}

const NOT_SPECIFIED = 0xff;
const DEVIATION_NOT_SPECIFIED = -0x8000;

/** An instant as CHF alerts and backups stamp it: UTC fields, day of week, deviation and clock status not specified. */
export function gbcsTimestamp(ms: number): DlmsDateTime {
  return { ...decodeDateTime(dateTimeFromDate(new Date(ms))), deviation: DEVIATION_NOT_SPECIFIED, clockStatus: NOT_SPECIFIED };
}

/** A recorded time (a Device's last communication) with its ISO day of week (Monday 1 … Sunday 7). */
export function gbcsTimestampWithWeekday(ms: number): DlmsDateTime {
  const day = new Date(ms).getUTCDay();
  return { ...gbcsTimestamp(ms), dayOfWeek: day === 0 ? 7 : day };
}

/** A date-time with every field unspecified (a Device never heard from). */
export const UNSPECIFIED_TIMESTAMP: DlmsDateTime = {
  year: 0xffff, month: NOT_SPECIFIED, day: NOT_SPECIFIED, dayOfWeek: NOT_SPECIFIED, hour: NOT_SPECIFIED, minute: NOT_SPECIFIED,
  second: NOT_SPECIFIED, hundredths: NOT_SPECIFIED, deviation: DEVIATION_NOT_SPECIFIED, clockStatus: NOT_SPECIFIED,
};

/** A DLMS alert's long-invoke-id-and-priority: self-descriptive (bit 29), the invoke id the low 24 bits of the counter. */
export function alertInvokeId(counter: bigint): number {
  return 0x20000000 | Number(counter & 0xffffffn);
}
