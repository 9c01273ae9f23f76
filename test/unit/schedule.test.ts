// Annealers, their combination, and spreading values over parameter groups (pure functions).
import { describe, expect, it } from 'vitest';
import { combineScheds, combinedCos, schedCos, schedExp, schedLin, schedNo, schedPoly, slice, Learner, type HyperValue } from '../../src/index.js';
import { blankDataLoaders } from '../helpers/memory-data.js';
import { ScriptedModel } from '../helpers/scripted-model.js';

describe('annealers (§5.1)', () => {
  it('go from start at pos 0 to end at pos 1', () => {
    for (const f of [schedLin, schedCos, schedExp]) {
      expect(f(2, 8, 0)).toBeCloseTo(2, 12);
      expect(f(2, 8, 1)).toBeCloseTo(8, 12);
    }
    expect(schedPoly(2, 8, 1, 3)).toBe(8);
  });

  it('have their shapes at mid-course', () => {
    expect(schedLin(2, 8, 0.5)).toBe(5);
    expect(schedCos(2, 8, 0.5)).toBeCloseTo(5, 12);
    expect(schedCos(2, 8, 0.25)).toBeCloseTo(2 + (6 * (1 - Math.SQRT1_2)) / 2, 12);
    expect(schedExp(2, 8, 0.5)).toBeCloseTo(4, 12);
    expect(schedNo(2, 8, 0.7)).toBe(2);
    expect(schedPoly(2, 8, 0.5, 2)).toBe(2 + 6 * 0.25);
  });
});

describe('combineScheds', () => {
  it('maps each phase to its own 0..1 position', () => {
    const f = combineScheds([0.25, 0.75], [(p) => schedLin(0, 1, p), (p) => schedLin(10, 20, p)]);
    expect(f(0)).toBe(0);
    expect(f(0.125)).toBe(0.5);
    expect(f(0.25)).toBe(10);
    expect(f(0.625)).toBe(15);
  });

  it('combinedCos warms up then anneals', () => {
    const f = combinedCos(0.25, 1, 10, 0);
    expect(f(0)).toBe(1);
    expect(f(0.25)).toBe(10);
    expect(f(0.999)).toBeLessThan(0.01);
  });

  it('rejects phases that do not add up to 1, negative phases and a schedule count mismatch', () => {
    const id = (p: number) => p;
    expect(() => combineScheds([0.5, 0.4], [id, id])).toThrow(/add up to 1, got 0.9/);
    expect(() => combineScheds([1.5, -0.5], [id, id])).toThrow(/fractions ≥ 0/);
    expect(() => combineScheds([0.5, 0.5], [id])).toThrow(/2 schedule functions/);
  });
});

describe('values over parameter groups (§3.4)', () => {
  /** The learning rates each group got at the first step of `fit(1, lr)`. */
  async function groupLrs(lr: HyperValue, nGroups = 3): Promise<number[]> {
    const model = new ScriptedModel({ nGroups });
    await new Learner(blankDataLoaders(1, 1), model, { progress: false }).fit(1, lr);
    return model.lrRows()[0] as number[];
  }

  it('slice(hi): hi/10 for all groups but the last', async () => {
    expect(await groupLrs(slice(1e-3))).toEqual([1e-4, 1e-4, 1e-3]);
  });

  it('slice(lo, hi): geometric from lo to hi', async () => {
    const lrs = await groupLrs(slice(1e-5, 1e-3));
    expect(lrs[0]).toBe(1e-5);
    expect(lrs[1]).toBeCloseTo(1e-4, 15);
    expect(lrs[2]).toBeCloseTo(1e-3, 15);
    expect(await groupLrs(slice(1, 16), 5)).toEqual([1, 2, 4, 8, 16]);
    expect(await groupLrs(slice(3, 7), 1)).toEqual([7]);
  });

  it('slice(0, hi) is slice(hi); one value repeats; a list gives one per group', async () => {
    expect(await groupLrs(slice(0, 1e-3))).toEqual([1e-4, 1e-4, 1e-3]);
    expect(await groupLrs(0.1)).toEqual([0.1, 0.1, 0.1]);
    expect(await groupLrs([0.2], 2)).toEqual([0.2, 0.2]);
    expect(await groupLrs([0.1, 0.2, 0.3])).toEqual([0.1, 0.2, 0.3]);
    await expect(groupLrs([1, 2])).rejects.toThrow('fit: expected one value or one per parameter group (3) for lr but received [1, 2]');
  });

  it('bad slices fail at once with E_ARG', () => {
    expect(() => slice(1e-3, 1e-5)).toThrow('slice: expected a number ≤ hi (0.00001) for lo but received 0.001');
    expect(() => slice(Number.NaN)).toThrow(/slice: expected a finite number > 0 for hi but received NaN/);
    expect(() => slice(-1, 1)).toThrow(/slice: expected a finite number ≥ 0 for lo but received -1/);
    expect(() => slice(0)).toThrow(expect.objectContaining({ code: 'E_ARG', name: 'FasttuneError' }));
  });
});
