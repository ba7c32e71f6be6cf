import { hashPin, PIN_SCRYPT, pinMatches, type ScryptParameters } from '../../../src/security/pin-hash.js';
import { ALTERNATION, alternate, cpuMs, percentile, round, type BenchResult, type BenchSuite } from '../result.js';

/**
 * What proving a PIN costs: one scrypt verification with the hub's parameters (PIN_SCRYPT), beside
 * the next two steps up, which are what raising N later would cost, in CPU time. The three are run alternately,
 * and each figure is the median of its runs. The budget is ~100 ms on a Raspberry Pi-class core, a
 * few times slower than a desktop or server core at scrypt.
 */
const SAMPLES = 7;

async function verifier(parameters: ScryptParameters): Promise<() => Promise<{ p50: number; p95: number }>> {
  const stored = await hashPin('730418', parameters);
  return async () => {
    const samples: number[] = [];
    for (let i = 0; i < SAMPLES; i++) samples.push(await cpuMs(() => pinMatches(i % 2 === 0 ? '730418' : '730419', stored)));
    return { p50: percentile(samples, 50), p95: percentile(samples, 95) };
  };
}

const suite: BenchSuite = async function* (): AsyncIterable<BenchResult> {
  const { N, r, p } = PIN_SCRYPT;
  const stronger = (shift: number): ScryptParameters => ({ ...PIN_SCRYPT, N: N * 2 ** shift });
  const measured = await alternate({ hub: await verifier(PIN_SCRYPT), twice: await verifier(stronger(1)), fourTimes: await verifier(stronger(2)) });
  const runs = `CPU time per verification (scrypt is CPU-bound; the machine may be shared), ${SAMPLES} per run (right and wrong PIN alternately), ${ALTERNATION}`;
  yield { metric: 'pin verify (hub parameters) p50', value: round(measured.hub.p50, 1), unit: 'ms', note: `scrypt N=2^${Math.log2(N)} r=${r} p=${p}, ${(128 * N * r) / 2 ** 20} MiB; ${runs}; p95 ${round(measured.hub.p95, 1)} ms (a tail of ${SAMPLES} samples: not stable between reruns)` };
  for (const [shift, figures] of [[1, measured.twice], [2, measured.fourTimes]] as const) {
    yield {
      metric: `pin verify N=2^${Math.log2(N) + shift} p50`,
      value: round(figures.p50, 1),
      unit: 'ms',
      baseline: 'hub parameters',
      baseline_value: round(measured.hub.p50, 1),
      ratio: round(measured.hub.p50 / figures.p50),
      span: 'one pinMatches call (scrypt of the typed PIN, constant-time compare) against a stored hash, awaited',
      caching: 'none on either side: scrypt runs in full for every verification',
      note: `what raising N would cost per verification; ${runs}`,
    };
  }
};

export default suite;
