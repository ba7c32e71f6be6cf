/** GCS13b: read the gas block counters from the GPF's copy, with their unit of measure, multiplier and divisor. */
import { defineHandler } from '../../use-case/index.js';
import { answerRegisterRead } from './metering-registers.js';

export const gcs13b = defineHandler({
  useCase: 'GCS13b',
  device: 'GPF',
  handle: (context, command) => answerRegisterRead(context, command, 'GCS13b'),
});
