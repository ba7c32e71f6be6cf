import { hashPin, PIN_SCRYPT, pinMatches, type ScryptParameters } from '../../../src/security/pin-hash.js';
import { percentile, round, type BenchResult, type BenchSuite } from '../result.js';

/**
 * What proving a PIN costs: one scrypt verification with the hub's parameters (PIN_SCRYPT), beside
 * the next two steps up, which are what raising N later would cost. The budget is ~100 ms on a
 * Raspberry Pi-class core, a few times slower than a desktop or server core at scrypt.
 */
const SAMPLES = 15;

async function verifyMs(parameters: ScryptParameters): Promise<number[]> {
  const stored = await hashPin('730418', parameters);
  const samples: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const start = performance.now();
    await pinMatches(i % 2 === 0 ? '730418' : '730419', stored);
    samples.push(performance.now() - start);
  }
  return samples;
}

const suite: BenchSuite = async function* (): AsyncIterable<BenchResult> {
  const chosen = await verifyMs(PIN_SCRYPT);
  const { N, r, p } = PIN_SCRYPT;
  yield { metric: 'pin verify (hub parameters) p50', value: round(percentile(chosen, 50), 1), unit: 'ms', note: `scrypt N=2^${Math.log2(N)} r=${r} p=${p}, ${SAMPLES} samples, ${(128 * N * r) / 2 ** 20} MiB` };
  yield { metric: 'pin verify (hub parameters) p95', value: round(percentile(chosen, 95), 1), unit: 'ms' };
  for (const shift of [1, 2]) {
    const stronger = { ...PIN_SCRYPT, N: PIN_SCRYPT.N * 2 ** shift };
    const samples = await verifyMs(stronger);
    yield {
      metric: `pin verify N=2^${Math.log2(stronger.N)} p50`,
      value: round(percentile(samples, 50), 1),
      unit: 'ms',
      peer: 'hub parameters',
      peer_value: round(percentile(chosen, 50), 1),
      ratio: round(percentile(chosen, 50) / percentile(samples, 50)),
      note: 'what raising N would cost per verification',
    };
  }
};

export default suite;
