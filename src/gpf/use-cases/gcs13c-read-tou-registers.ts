/** GCS13c: read the gas time-of-use registers from the GPF's copy, with their unit of measure, multiplier and divisor. */
import { defineHandler } from '../../use-case/index.js';
import { answerRegisterRead } from './metering-registers.js';

export const gcs13c = defineHandler({
  useCase: 'GCS13c',
  device: 'GPF',
  handle: (context, command) => answerRegisterRead(context, command, 'GCS13c'),
});
