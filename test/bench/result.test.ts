import { describe, expect, it } from 'vitest';
import { spreads } from './repeat.js';
import { alternate, median, rowProblem } from './result.js';

describe('bench rows', () => {
  const compared = { metric: 'm', value: 2, unit: 'ms', span: 'one call', caching: 'none on either side' };

  it('refuses a comparison that does not state the span timed and the caching on both sides', () => {
    expect(rowProblem({ ...compared, peer: 'other', peer_value: 1 })).toBeUndefined();
    expect(rowProblem({ ...compared, baseline: 'ours, slower path', baseline_value: 1 })).toBeUndefined();
    expect(rowProblem({ metric: 'm', value: 2, unit: 'ms', peer: 'other', peer_value: 1, caching: 'none' })).toMatch(/span/);
    expect(rowProblem({ metric: 'm', value: 2, unit: 'ms', baseline: 'ours', baseline_value: 1, span: 'one call' })).toMatch(/caching/);
    expect(rowProblem({ ...compared, peer: 'other', peer_value: 1, baseline: 'ours', baseline_value: 1 })).toMatch(/both a peer and a baseline/);
    expect(rowProblem({ ...compared, peer: 'other' })).toMatch(/without its value/);
    expect(rowProblem({ metric: 'm', value: 2, unit: 'ms' })).toBeUndefined();
  });

  it('alternates which side runs first and keeps the median of each figure', async () => {
    const order: string[] = [];
    let a = 0;
    let b = 0;
    const result = await alternate({
      a: async () => (order.push('a'), { x: [5, 1, 9, 3, 7][a++]! }),
      b: async () => (order.push('b'), { x: [2, 4, 6, 8, 100][b++]! }),
    });
    expect(order).toEqual(['a', 'b', 'b', 'a', 'a', 'b', 'b', 'a', 'a', 'b']);
    expect(result).toEqual({ a: { x: 5 }, b: { x: 6 } });
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});

describe('bench reruns', () => {
  const row = (suite: string, metric: string, value: number, ratio?: number) => ({ suite, metric, value, unit: 'ms', ...(ratio === undefined ? {} : { ratio }) });

  it('gives each row the spread of its values and ratios over the runs, and agrees only within the tolerance', () => {
    const result = spreads(
      [
        [row('wan', 'a', 100, 0.5), row('wan', 'b', 10), row('gbcs', 'a', 3)],
        [row('wan', 'a', 110, 0.7), row('wan', 'b', 13), row('gbcs', 'a', 3)],
      ],
      20,
    );
    expect(result.map(({ suite, metric, spread, ratioSpread, agree }) => [suite, metric, spread, ratioSpread, agree])).toEqual([
      ['wan', 'a', 1.1, 1.4, false],
      ['wan', 'b', 1.3, undefined, false],
      ['gbcs', 'a', 1, undefined, true],
    ]);
  });

  it('counts a row missing from a run as disagreeing', () => {
    const [only] = spreads([[row('pin', 'p50', 5)], []], 20);
    expect(only!.agree).toBe(false);
  });
});
