/** GCS60a: read the gas meter balance from the GPF's copy (Message Code 0x012A), with the bill to date and the reading's time. */
import { defineHandler } from '../../use-case/index.js';
import { answerGcs60 } from './gcs60-read-meter-balance.js';
import { BILLING_ATTRIBUTES } from './prepayment-registers.js';

/**
 * The same two reads as GCS60 (bill to date, credit remaining), answered in clear as the RTDS
 * GCS60a response is: the bill to date from the copy, the grouping header dated with the reading.
 */
export const gcs60a = defineHandler({ useCase: 'GCS60a', device: 'GPF', handle: (context, command) => answerGcs60(context, command, { metering: BILLING_ATTRIBUTES, dated: true }) });
