// lrFind's procedure: how many batches, which learning rates, no validation, and that the model,
// its optimizer state and the hyper-parameters come back afterwards.
import { describe, expect, it } from 'vitest';
import { Learner } from '../../src/index.js';
import { blankDataLoaders, noiseDataLoaders } from '../helpers/memory-data.js';
import { ScriptedModel } from '../helpers/scripted-model.js';
import { SoftmaxModel } from '../helpers/softmax-model.js';

describe('lrFind', () => {
  it('sweeps exponentially over numIt batches across epochs, without validation', async () => {
    const model = new ScriptedModel();
    const learn = new Learner(blankDataLoaders(7, 2), model, { progress: false });
    const { valley } = await learn.lrFind();
    expect(model.steps).toHaveLength(100);
    expect(model.evalCalls).toBe(0);
    const lrs = learn.recorder.lrs;
    expect(lrs[0]).toBe(1e-7);
    expect(lrs[99]).toBeCloseTo(1e-7 * 1e8 ** 0.99, 10);
    expect(model.steps.every((s, i) => s.every((h) => h.lr === lrs[i]))).toBe(true);
    expect(typeof valley).toBe('number');
    expect(model.log).toEqual(['snapshot', 'restore']);
  });

  it('raises numIt to 6 and returns exactly the suggestions asked for', async () => {
    const model = new ScriptedModel({ trainLosses: [3, 2, 1.5, 1.2, 1.1, 1.0, 0.9] });
    const learn = new Learner(blankDataLoaders(4, 1), model, { progress: false });
    const result = await learn.lrFind({ numIt: 2, suggestFuncs: ['minimum', 'steep'] });
    expect(model.steps).toHaveLength(6);
    expect(Object.keys(result)).toEqual(['minimum', 'steep']);
    // One usable point (6 recorded, last 5 dropped): minimum works, steep needs two.
    expect(result.minimum).toBeCloseTo(Math.fround(1e-7) / 10, 20);
    expect(result.steep).toBeNaN();
  });

  it('restores weights, BatchNorm statistics, optimizer state and hyper-parameters', async () => {
    const dls = noiseDataLoaders({ nTrain: 32, nValid: 8, bs: 8 });
    const model = new SoftmaxModel({ nFeatures: 4 * 4 * 3, nOut: 3 });
    const learn = new Learner(dls, model, { progress: false });
    await learn.fitOneCycle(1, 1e-2);
    const before = model.fullState();
    const hypers = structuredClone(learn.hypers);
    const stepsBefore = model.steps.length;

    await learn.lrFind({ numIt: 30, endLr: 100 });

    expect(model.steps.length).toBeGreaterThan(stepsBefore + 5);
    expect(model.fullState()).toEqual(before);
    expect(learn.hypers).toEqual(hypers);
    // The sweep trained with the hyper-parameters the optimizer had (momentum where the cycle ended).
    expect(model.steps[stepsBefore]?.[0]?.mom).toBe(hypers?.[0]?.mom);
    // The next fit continues from the restored state.
    await learn.fit(1, 1e-3);
    expect(model.steps.at(-1)?.[0]?.lr).toBe(1e-3);
  });

  it('restores the model when aborted, and rejects with the reason', async () => {
    const controller = new AbortController();
    const model = new ScriptedModel({
      onTrainStep: (k) => {
        if (k === 4) controller.abort(new Error('stop'));
      },
    });
    const learn = new Learner(blankDataLoaders(3, 1), model, { progress: false });
    await expect(learn.lrFind({ signal: controller.signal })).rejects.toThrow('stop');
    expect(model.log).toEqual(['snapshot', 'restore']);
    expect(learn.lrFinder).toBeUndefined();
  });

  it('goes on through NaN losses (the sweep, not TerminateOnNaN, decides) and suggests from the part before them', async () => {
    const curve = Array.from({ length: 60 }, (_, i) => (i < 40 ? 3 - i * 0.05 : Number.NaN));
    const model = new ScriptedModel({ trainLosses: curve });
    const learn = new Learner(blankDataLoaders(10, 1), model, { progress: false });
    const { valley, minimum } = await learn.lrFind({ numIt: 60, suggestFuncs: ['valley', 'minimum'] });
    expect(model.steps).toHaveLength(60);
    expect(valley).toBeGreaterThan(0);
    expect(minimum).toBeCloseTo(Math.fround(learn.recorder.lrs[39] as number) / 10, 15);
  });
});
