// The whole workflow on a real (small) learning problem: softmax regression with fastai's Adam on
// coloured-noise images. The validation error must fall.
import { describe, expect, it } from 'vitest';
import { Learner, accuracy, crossEntropyLossFlat, errorRate, sgd } from '../../src/index.js';
import { CapturedOutput } from '../helpers/learner-kit.js';
import { noiseDataLoaders } from '../helpers/memory-data.js';
import { SoftmaxModel } from '../helpers/softmax-model.js';

function setup(seed: number) {
  const dls = noiseDataLoaders({ nTrain: 96, nValid: 48, bs: 8, classes: 3, size: 4, noise: 110, seed });
  const model = new SoftmaxModel({ nFeatures: 4 * 4 * 3, nOut: 3, seed });
  const output = new CapturedOutput();
  const learn = new Learner(dls, model, { metrics: [errorRate, accuracy], progress: 'lines', output });
  return { learn, model, output };
}

describe('training a softmax classifier', () => {
  it('lrFind, then fineTune: the validation error falls', async () => {
    const { learn, model, output } = setup(7);
    const before = await learn.validate();
    expect(before.metrics.error_rate).toBeGreaterThan(0.4);

    const { valley, steep } = await learn.lrFind({ suggestFuncs: ['valley', 'steep'] });
    expect(valley).toBeGreaterThan(1e-6);
    expect(valley).toBeLessThan(1);
    expect(steep).toBeGreaterThan(0);
    // lrFind left the model as it was.
    expect((await learn.validate()).validLoss).toBe(before.validLoss);

    await learn.fineTune(4, valley * 10);
    const after = await learn.validate();
    expect(after.metrics.error_rate).toBeLessThan(0.15);
    expect(after.validLoss).toBeLessThan(before.validLoss / 2);
    expect(after.metrics.accuracy).toBeCloseTo(1 - (after.metrics.error_rate as number), 6);

    // The Recorder's last row is the same validation; the train loss went down over the phase.
    const rows = learn.recorder.values;
    expect(rows).toHaveLength(4);
    expect(rows.at(-1)?.[1]).toBe(after.validLoss);
    expect(rows.at(-1)?.[0] as number).toBeLessThan(rows[0]?.[0] as number);
    // Both phases printed their table; the frozen phase only moved the last group.
    expect(output.lines().filter((l) => l.startsWith('epoch     train_loss'))).toHaveLength(2);
    expect(model.freezeCalls).toEqual([2, 0]);
  });

  it('fitOneCycle with discriminative learning rates learns too, and a second fit keeps improving', async () => {
    const { learn } = setup(11);
    await learn.fitOneCycle(3, [1e-2, 2e-2, 5e-2]);
    const first = learn.recorder.values.at(-1) as number[];
    expect(first[2]).toBeLessThan(0.2);
    await learn.fitFlatCos(2, 1e-2);
    const second = learn.recorder.values.at(-1) as number[];
    expect(second[1]).toBeLessThanOrEqual((first[1] as number) * 1.05);
  });

  it('SGD with momentum and a label-smoothed loss, chosen on the Learner, train the model too', async () => {
    const dls = noiseDataLoaders({ nTrain: 96, nValid: 48, bs: 8, classes: 3, size: 4, noise: 110, seed: 3 });
    const model = new SoftmaxModel({ nFeatures: 4 * 4 * 3, nOut: 3, seed: 3 });
    const learn = new Learner(dls, model, {
      metrics: [errorRate],
      progress: false,
      optimizer: sgd({ mom: 0.9 }),
      lossFunc: crossEntropyLossFlat({ labelSmoothing: 0.1 }),
    });
    expect(model.settings).toMatchObject({ optimizer: 'sgd', loss: { labelSmoothing: 0.1 } });
    const before = await learn.validate();
    await learn.fit(4, 0.5);
    const after = await learn.validate();
    expect(after.metrics.error_rate).toBeLessThan(Math.min(0.25, before.metrics.error_rate as number));
    expect(model.steps.at(-1)?.every((h) => h.mom === 0.9 && h.wd === 0)).toBe(true);
  });
});
