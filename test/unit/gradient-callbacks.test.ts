// GradientAccumulation and GradientClip in the loop: which batches step, the loss scaling fastai
// applies (bs / nAcc per batch), the count carried over epochs, and the clip handed to each step.
import { describe, expect, it } from 'vitest';
import { combineScheds, GradientAccumulation, GradientClip, Learner, schedCos } from '../../src/index.js';
import { blankDataLoaders } from '../helpers/memory-data.js';
import { CapturedOutput } from '../helpers/learner-kit.js';
import { ScriptedModel } from '../helpers/scripted-model.js';

function learner(trainBatches: number, bs: number): { learn: Learner; model: ScriptedModel } {
  const model = new ScriptedModel();
  const learn = new Learner(blankDataLoaders(trainBatches, 1, { bs }), model, { output: new CapturedOutput(), progress: false });
  return { learn, model };
}

describe('GradientAccumulation', () => {
  it('steps once nAcc items were seen, scaling every loss by bs / nAcc, across epochs', async () => {
    const { learn, model } = learner(5, 4);
    await learn.fit(2, 1e-3, { cbs: [new GradientAccumulation(12)] });
    // Epoch 1: 4, 8 items accumulate, 12 steps, 4, 8 accumulate; epoch 2: 12 steps, 4, 8, 12 steps, 4.
    expect(model.accumulated).toEqual(Array(7).fill(4 / 12));
    expect(model.stepOptions).toEqual(Array(3).fill({ lossFactor: 4 / 12, clipNorm: 0 }));
    expect(model.steps).toHaveLength(3);
  });

  it('leaves validation alone and a plain fit unchanged', async () => {
    const { learn, model } = learner(3, 4);
    await learn.fit(1, 1e-3);
    expect(model.accumulated).toEqual([]);
    expect(model.stepOptions).toEqual([undefined, undefined, undefined]);
  });

  it('checks nAcc', () => {
    expect(() => new GradientAccumulation(0)).toThrow(/GradientAccumulation: expected an integer ≥ 1 for nAcc but received 0/);
  });
});

describe('GradientClip', () => {
  it('hands maxNorm to every training step, with accumulation too', async () => {
    const { learn, model } = learner(4, 2);
    await learn.fit(1, 1e-3, { cbs: [new GradientClip(0.5), new GradientAccumulation(4)] });
    expect(model.accumulated).toEqual([0.5, 0.5]);
    expect(model.stepOptions).toEqual([
      { lossFactor: 0.5, clipNorm: 0.5 },
      { lossFactor: 0.5, clipNorm: 0.5 },
    ]);
  });

  it('defaults to fastai’s max_norm 1 and checks it', () => {
    expect(new GradientClip().maxNorm).toBe(1);
    expect(() => new GradientClip(0)).toThrow(/GradientClip: expected a finite number > 0 for maxNorm but received 0/);
  });
});

describe('fitSgdr', () => {
  it("runs cycleLen·(cycleMult^nCycles − 1)/(cycleMult − 1) epochs of cosines restarting at lrMax (fastai's fit_sgdr)", async () => {
    const { learn, model } = learner(4, 2);
    await learn.fitSgdr(3, 1, 1e-2); // cycles of 1, 2 and 4 epochs: 7 epochs of 4 batches
    const lrs = model.steps.map((s) => s.at(-1)?.lr as number);
    expect(lrs).toHaveLength(7 * 4);
    // fastai: combine_scheds([1/7, 2/7, 4/7], [SchedCos(lr_max, 0)] * 3) at each batch's position
    // (its float32 phase bounds put position 12/28 at the end of the second cycle, as here).
    const sched = combineScheds(
      [1 / 7, 2 / 7, 4 / 7],
      [1, 2, 3].map(() => (p: number) => schedCos(1e-2, 0, p)),
    );
    lrs.forEach((lr, i) => expect(lr, `step ${i}`).toBe(sched(i / 28)));
    expect(lrs[0]).toBe(1e-2);
    expect(lrs[4]).toBe(1e-2);
    expect(lrs[13]).toBeGreaterThan(9e-3);
  });

  it('with cycleMult 1: nCycles · cycleLen epochs', async () => {
    const { learn, model } = learner(2, 2);
    await learn.fitSgdr(3, 2, { lrMax: 1e-3, cycleMult: 1 });
    expect(model.steps).toHaveLength(3 * 2 * 2);
  });

  it('checks its arguments', async () => {
    const { learn } = learner(2, 2);
    await expect(learn.fitSgdr(0, 1)).rejects.toThrow(/fitSgdr: expected an integer ≥ 1 for nCycles but received 0/);
    await expect(learn.fitSgdr(2, 1, { cycleMult: 1.5 })).rejects.toThrow(/fitSgdr: expected an integer ≥ 1 for cycleMult but received 1\.5/);
  });
});
