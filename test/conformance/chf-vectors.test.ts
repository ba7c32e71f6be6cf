import { expect, it } from 'vitest';
import { describeRtds } from '../helpers/rtds.js';
import { CHF_SEEDS } from './chf-seeds.js';
import { runCommandVector, vectorNamed } from './harness.js';

describeRtds('RTDS conformance: CHF commands answered byte for byte', () => {
  it('answers CCS06 with the RTDS response', async () => {
    const outcome = await runCommandVector(vectorNamed('CCS06_8.9_SUCCESS_COMMAND_GBCS.HEX'), vectorNamed('CCS06_8.9_SUCCESS_RESPONSE_GBCS.HEX'), {
      seed: CHF_SEEDS['CCS06_SUCCESS']!,
    });
    expect(outcome.alerts).toEqual([]);
  });
});
