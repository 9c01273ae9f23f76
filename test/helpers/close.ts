// NaN-aware closeness check that names the first offending index.
import { expect } from 'vitest';

export interface Tolerance {
  atol: number;
  rtol: number;
}

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, { atol, rtol }: Tolerance, what = 'values'): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let worst = 0;
  let worstIndex = -1;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    if ((Number.isNaN(a) && Number.isNaN(e)) || a === e) continue;
    const excess = Math.abs(a - e) - (atol + rtol * Math.abs(e));
    if (!(excess <= 0) && (worstIndex < 0 || excess > worst)) {
      worst = excess;
      worstIndex = i;
    }
  }
  if (worstIndex >= 0) {
    const a = actual[worstIndex] as number;
    const e = expected[worstIndex] as number;
    expect.fail(`${what}: index ${worstIndex} is ${a}, expected ${e} (|diff| ${Math.abs(a - e)}, atol ${atol}, rtol ${rtol})`);
  }
}

/** Largest |a-e| / (|e| + eps): a figure for test names and notes. */
export function maxRelDiff(actual: ArrayLike<number>, expected: ArrayLike<number>, eps = 1e-12): number {
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i] as number;
    worst = Math.max(worst, Math.abs((actual[i] as number) - e) / (Math.abs(e) + eps));
  }
  return worst;
}
