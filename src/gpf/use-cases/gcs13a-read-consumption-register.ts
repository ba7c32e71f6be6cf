/** GCS13a: read the gas consumption register (current summation delivered) from the GPF's copy, with its unit of measure, multiplier and divisor. */
import { defineHandler } from '../../use-case/index.js';
import { answerRegisterRead } from './metering-registers.js';

export const gcs13a = defineHandler({
  useCase: 'GCS13a',
  device: 'GPF',
  handle: (context, command) => answerRegisterRead(context, command, 'GCS13a'),
});
