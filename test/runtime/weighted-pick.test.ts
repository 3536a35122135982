/** Weighted backend choice: smooth weighted round robin, exact over each cycle of the total weight. */
import { pickBackend, RulePlan } from '../../src/runtime/proxy/http';

function plan(weights: number[]): RulePlan {
  const backends = weights.map((weight, i) => ({ name: String.fromCharCode(97 + i), weight }));
  return {
    backends,
    weights: weights.map((w) => Math.max(0, w)),
    scores: new Float64Array(weights.length),
    totalWeight: weights.reduce((a, w) => a + Math.max(0, w), 0),
  } as unknown as RulePlan;
}

const picks = (p: RulePlan, n: number) => Array.from({ length: n }, () => (pickBackend(p) as any)?.name).join('');

test('interleaves 5:1:1 as nginx does', () => {
  expect(picks(plan([5, 1, 1]), 14)).toBe('aabacaaaabacaa');
});

test('gives 70/30/0 exactly in every cycle of ten, never the backend of weight 0', () => {
  const p = plan([70, 30, 0]);
  const sequence = picks(p, 1000);
  for (let at = 0; at < 1000; at += 100) {
    const cycle = sequence.slice(at, at + 100);
    expect([...cycle].filter((c) => c === 'a')).toHaveLength(70);
    expect([...cycle].filter((c) => c === 'b')).toHaveLength(30);
  }
  expect(sequence).not.toContain('c');
  // Smooth: never more than three of the smaller share's gaps in a row.
  expect(sequence).not.toMatch(/aaaa/);
});

test('alternates equal weights, and takes none when every weight is 0', () => {
  expect(picks(plan([1, 1]), 6)).toBe('ababab');
  expect(pickBackend(plan([0, 0]))).toBeUndefined();
});
