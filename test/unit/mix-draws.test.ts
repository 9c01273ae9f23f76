// The draws of MixUp and CutMix: the Gamma and Beta samplers' moments, λ in [0.5, 1] for MixUp,
// CutMix's box and the λ that follows it, a permutation per batch, the same draws under the same
// seed, training batches only, and the argument checks. (The box against fastai's rand_bbox and
// the native mixing are in test/parity/mixup.test.ts.)
import { describe, expect, it } from 'vitest';
import { beta, gamma } from '../../src/augment/draws.js';
import { StreamRng } from '../../src/core/rng.js';
import { CutMix, Learner, type MixParams, MixUp } from '../../src/index.js';
import type { Batch } from '../../src/data/loader-contract.js';
import type { EvalResult, GroupHypers, StepOptions } from '../../src/model/types.js';
import { CapturedOutput } from '../helpers/learner-kit.js';
import { noiseDataLoaders } from '../helpers/memory-data.js';
import { ScriptedModel } from '../helpers/scripted-model.js';

const N = 40_000;

/** Sample mean and variance of n draws. */
function moments(n: number, draw: () => number): { mean: number; variance: number } {
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const x = draw();
    sum += x;
    sumSq += x * x;
  }
  const mean = sum / n;
  return { mean, variance: sumSq / n - mean * mean };
}

/** Records the mix of every batch the Learner sends. */
class MixRecorder extends ScriptedModel {
  readonly trained: Array<MixParams | undefined> = [];
  readonly evaluated: Array<MixParams | undefined> = [];

  override async trainStep(batch: Batch, hypers: readonly GroupHypers[], step?: StepOptions): Promise<number> {
    this.trained.push(batch.mix);
    return super.trainStep(batch, hypers, step);
  }

  override async evalStep(batch: Batch): Promise<EvalResult> {
    this.evaluated.push(batch.mix);
    return super.evalStep(batch);
  }
}

const SIZE = 12;

async function fitWith(cb: MixUp | CutMix, batches = 6, bs = 8, fits: Array<{ nEpoch: number; startEpoch?: number }> = [{ nEpoch: 1 }]): Promise<MixRecorder> {
  const model = new MixRecorder();
  const dls = noiseDataLoaders({ nTrain: batches * bs, nValid: 2 * bs, bs, size: SIZE, classes: 2 });
  const learn = new Learner(dls, model, { output: new CapturedOutput(), progress: false });
  for (const { nEpoch, startEpoch } of fits) await learn.fit(nEpoch, 1e-3, { cbs: [cb], ...(startEpoch !== undefined && { startEpoch }) });
  return model;
}

function expectPermutation(shuffle: Int32Array, n: number): void {
  expect(Array.from(shuffle).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
}

describe('Gamma and Beta samplers', () => {
  // Seeded, so these are fixed numbers; the bounds are 5 standard errors of the mean (and 5 % of
  // the variance), what a correct sampler meets with near certainty for any seed.
  for (const k of [0.1, 0.4, 1, 2.5, 9]) {
    it(`Gamma(${k}): mean k, variance k`, () => {
      const rng = new StreamRng(1, k * 10);
      const { mean, variance } = moments(N, () => gamma(rng, k));
      expect(Math.abs(mean - k)).toBeLessThan(5 * Math.sqrt(k / N));
      expect(Math.abs(variance / k - 1)).toBeLessThan(0.05 * Math.max(1, 1 / k));
    });
  }
  for (const [a, b] of [
    [0.4, 0.4],
    [1, 1],
    [2, 5],
    [0.2, 3],
  ] as const) {
    it(`Beta(${a}, ${b}): mean a/(a+b), variance ab/((a+b)²(a+b+1)), values in [0, 1]`, () => {
      const rng = new StreamRng(2, a * 10, b * 10);
      let inside = true;
      const { mean, variance } = moments(N, () => {
        const x = beta(rng, a, b);
        inside &&= x >= 0 && x <= 1;
        return x;
      });
      const expectedMean = a / (a + b);
      const expectedVariance = (a * b) / ((a + b) ** 2 * (a + b + 1));
      expect(inside).toBe(true);
      expect(Math.abs(mean - expectedMean)).toBeLessThan(5 * Math.sqrt(expectedVariance / N));
      expect(Math.abs(variance / expectedVariance - 1)).toBeLessThan(0.05);
    });
  }
});

describe('MixUp draws', () => {
  it('λ per item in [0.5, 1], a permutation per training batch, nothing in validation', async () => {
    const model = await fitWith(new MixUp(0.4, { seed: 3 }));
    expect(model.trained).toHaveLength(6);
    expect(model.evaluated).toEqual([undefined, undefined]);
    const lams: number[] = [];
    for (const mix of model.trained as MixParams[]) {
      expect(mix.box).toBeUndefined();
      expectPermutation(mix.shuffle, 8);
      expect(mix.lam).toHaveLength(8);
      lams.push(...mix.lam);
    }
    expect(Math.min(...lams)).toBeGreaterThanOrEqual(0.5);
    expect(Math.max(...lams)).toBeLessThanOrEqual(1);
    expect(new Set(lams).size).toBeGreaterThan(40); // drawn per item
  });

  it('the same seed gives the same draws; another seed others', async () => {
    const a = await fitWith(new MixUp(0.4, { seed: 7 }));
    const b = await fitWith(new MixUp(0.4, { seed: 7 }));
    const c = await fitWith(new MixUp(0.4, { seed: 8 }));
    expect(b.trained).toEqual(a.trained);
    expect(c.trained).not.toEqual(a.trained);
  });

  it("a batch's draws depend on the fit's number, the epoch and the batch: a fit started at epoch 1 draws the full fit's second epoch", async () => {
    const twice = await fitWith(new MixUp(0.4, { seed: 5 }), 3, 4, [{ nEpoch: 1 }, { nEpoch: 1 }]);
    expect(twice.trained.slice(3)).not.toEqual(twice.trained.slice(0, 3)); // a second fit draws anew
    const full = await fitWith(new MixUp(0.4, { seed: 5 }), 3, 4, [{ nEpoch: 2 }]);
    const resumed = await fitWith(new MixUp(0.4, { seed: 5 }), 3, 4, [{ nEpoch: 2, startEpoch: 1 }]);
    expect(resumed.trained).toEqual(full.trained.slice(3));
    expect(full.trained.slice(3)).not.toEqual(full.trained.slice(0, 3));
  });

  it('refuses a bad alpha or seed, in the one message shape', () => {
    expect(() => new MixUp(0)).toThrow(/^MixUp: expected a finite number > 0 for alpha but received 0$/);
    expect(() => new MixUp(Number.NaN)).toThrow(/^MixUp: expected a finite number > 0 for alpha but received NaN$/);
    expect(() => new MixUp(0.4, { seed: -1 })).toThrow(/^MixUp: expected an integer ≥ 0 for options\.seed but received -1$/);
    expect(() => new MixUp(0.4, { sed: 1 } as never)).toThrow(/MixUp: .*sed/);
  });
});

describe('CutMix draws', () => {
  it('one box per batch inside the image, λ = 1 − box area / image area for every item', async () => {
    const model = await fitWith(new CutMix(1, { seed: 4 }), 20, 4);
    expect(model.evaluated).toEqual([undefined, undefined]);
    const [w, h] = [SIZE, SIZE];
    let partial = 0;
    for (const mix of model.trained as MixParams[]) {
      expectPermutation(mix.shuffle, 4);
      const [x1, y1, x2, y2] = mix.box as [number, number, number, number];
      expect(0 <= x1 && x1 <= x2 && x2 <= w && 0 <= y1 && y1 <= y2 && y2 <= h).toBe(true);
      const lam = 1 - ((x2 - x1) * (y2 - y1)) / (w * h);
      expect(new Set(mix.lam).size).toBe(1);
      expect(Math.abs((mix.lam[0] as number) - lam)).toBeLessThan(1e-7); // computed in float32, as fastai does
      if (lam > 0 && lam < 1) partial++;
    }
    expect(partial).toBeGreaterThan(10); // most boxes cut some of the image, not none or all
  });

  it('the same seed gives the same draws', async () => {
    const a = await fitWith(new CutMix(1, { seed: 9 }), 4, 4);
    const b = await fitWith(new CutMix(1, { seed: 9 }), 4, 4);
    expect(b.trained).toEqual(a.trained);
  });

  it('refuses a bad alpha', () => {
    expect(() => new CutMix(-1)).toThrow(/^CutMix: expected a finite number > 0 for alpha but received -1$/);
  });
});
