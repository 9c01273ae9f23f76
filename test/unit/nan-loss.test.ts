// A NaN or infinite loss stops the fit (TerminateOnNaN, a default callback) with an E_NAN error.
import { describe, expect, it } from 'vitest';
import { FasttuneError, Learner } from '../../src/index.js';
import { eventLogger } from '../helpers/learner-kit.js';
import { blankDataLoaders } from '../helpers/memory-data.js';
import { ScriptedModel } from '../helpers/scripted-model.js';

describe('non-finite loss', () => {
  it('in training: the fit stops at that batch, afterFit runs, then it rejects with E_NAN', async () => {
    const model = new ScriptedModel({ trainLosses: [1, 0.9, Number.NaN, 0.5] });
    const learn = new Learner(blankDataLoaders(5, 1), model, { progress: false });
    const log: string[] = [];
    const error = await learn.fitOneCycle(2, 3e-3, { cbs: [eventLogger(log)] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FasttuneError);
    expect(error).toMatchObject({ code: 'E_NAN' });
    expect((error as Error).message).toMatch(
      /^training stopped: the training loss is NaN \(epoch 0, training batch 3\/5\) at learning rate [\d.e-]+; lower the learning rate or check the data$/,
    );
    expect(model.steps).toHaveLength(3);
    expect(log.slice(-2)).toEqual(['afterCancelFit', 'afterFit']);
    // What was recorded before the NaN is kept (TerminateOnNaN, order −9, runs before the
    // Recorder, so the NaN batch itself is not recorded); the unfinished epoch has no row.
    expect(learn.recorder.losses).toHaveLength(2);
    expect(learn.recorder.values).toHaveLength(0);
  });

  it('in validation too, and for infinities', async () => {
    const model = new ScriptedModel({ validOutputs: [{ loss: Infinity, logits: new Float32Array(4) }] });
    const learn = new Learner(blankDataLoaders(2, 1), model, { progress: false });
    await expect(learn.fit(3)).rejects.toThrow(/the validation loss is Infinity \(epoch 0, validation batch 1\/1\); check the data and the model/);
    expect(model.steps).toHaveLength(2);
  });

  it('fineTune does not start its unfrozen phase after a NaN', async () => {
    const model = new ScriptedModel({ trainLosses: [1, Number.NaN] });
    const learn = new Learner(blankDataLoaders(3, 1), model, { progress: false });
    await expect(learn.fineTune(2)).rejects.toMatchObject({ code: 'E_NAN' });
    expect(model.freezeCalls).toEqual([2]);
  });

  it('without TerminateOnNaN the fit trains on, as plain fastai does', async () => {
    const model = new ScriptedModel({ trainLosses: [1, Number.NaN] });
    const learn = new Learner(blankDataLoaders(3, 1), model, { progress: false });
    learn.removeCb('TerminateOnNaN');
    await learn.fit(2);
    expect(model.steps).toHaveLength(6);
    expect(learn.recorder.values.map((r) => r[0])).toEqual([Number.NaN, Number.NaN]);
  });
});
