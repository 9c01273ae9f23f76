// What the Recorder keeps across fits and across fineTune's two phases.
import { describe, expect, it } from 'vitest';
import { Learner, slice, type Callback } from '../../src/index.js';
import { blankDataLoaders } from '../helpers/memory-data.js';
import { ScriptedModel } from '../helpers/scripted-model.js';

const losses = [2, 1.8, 1.5, 1.4, 1.2, 1.1, 1.0, 0.9, 0.85, 0.8, 0.75, 0.7];

function setup(trainBatches: number) {
  const model = new ScriptedModel({ trainLosses: losses });
  return { model, learn: new Learner(blankDataLoaders(trainBatches, 1), model, { progress: false }) };
}

describe('Recorder', () => {
  it('keeps every group’s learning rate and momentum per batch, not only the last group’s', async () => {
    const { learn, model } = setup(3);
    await learn.fitOneCycle(2, slice(1e-4, 1e-2));
    const rec = learn.recorder;
    expect(rec.hypers).toHaveLength(6);
    expect(rec.hypers.map((groups) => groups.map((h) => h.lr))).toEqual(model.lrRows());
    expect(rec.hypers.map((groups) => groups.map((h) => h.mom))).toEqual(model.steps.map((s) => s.map((h) => h.mom)));
    // Discriminative rates: the first group's differ from the last group's, which `lrs` holds.
    expect(rec.hypers[0]?.[0]?.lr).toBeLessThan(rec.hypers[0]?.[2]?.lr as number);
    expect(rec.lrs).toEqual(rec.hypers.map((groups) => groups.at(-1)?.lr));
  });

  it('records per batch and per epoch, and starts afresh with each fit', async () => {
    const { learn, model } = setup(3);
    await learn.fit(2, 1e-3);
    const rec = learn.recorder;
    expect(rec.losses).toHaveLength(6);
    expect(rec.lrs).toEqual(Array(6).fill(1e-3));
    expect(rec.moms).toEqual(Array(6).fill(0.9));
    expect(rec.iters).toEqual([3, 6]);
    expect(rec.values).toHaveLength(2);
    expect(rec.values[1]?.[0]).toBe(rec.losses[5]);
    expect(rec.metricNames).toEqual(['epoch', 'train_loss', 'valid_loss', 'time']);
    expect(learn.smoothLoss).toBe(rec.losses[5]);

    await learn.fit(1, 2e-3);
    expect(rec.losses).toHaveLength(3);
    expect(rec.iters).toEqual([3]);
    expect(rec.values).toHaveLength(1);
    // The smoother restarts: the first smoothed value of a fit is that batch's loss (to float32 rounding).
    expect(rec.losses[0]).toBeCloseTo(losses[6] as number, 5);
    expect(model.steps).toHaveLength(9);
  });

  it('records the last group’s lr and momentum, and the scheduled hyper-parameters', async () => {
    const { learn, model } = setup(4);
    await learn.fitOneCycle(2, [1e-4, 1e-3, 1e-2]);
    const rec = learn.recorder;
    expect(rec.lrs).toEqual(model.steps.map((s) => s[2]?.lr));
    expect(rec.moms).toEqual(model.steps.map((s) => s[2]?.mom));
    expect(rec.hps.lr).toEqual(rec.lrs);
    expect(rec.hps.mom).toEqual(rec.moms);
    expect(Math.max(...rec.lrs)).toBe(1e-2);
  });

  it('after fineTune holds the unfrozen phase; callbacks given to fineTune see both fits', async () => {
    const { learn, model } = setup(2);
    const fits: string[] = [];
    const watcher: Callback = { beforeFit: (l) => void fits.push(`begin ${l.nEpoch}`), afterFit: () => void fits.push('end') };
    await learn.fineTune(3, undefined, { cbs: [watcher] });
    expect(fits).toEqual(['begin 1', 'end', 'begin 3', 'end']);
    const rec = learn.recorder;
    expect(model.steps).toHaveLength(2 + 6);
    expect(rec.losses).toHaveLength(6);
    expect(rec.iters).toEqual([2, 4, 6]);
    expect(rec.values).toHaveLength(3);
    expect(rec.lrs).toEqual(model.steps.slice(2).map((s) => s[2]?.lr));
    // Unfrozen phase: last group from (base_lr/2)/div up towards base_lr/2.
    expect(rec.lrs[0]).toBeCloseTo(1e-3 / 5, 15);
    expect(Math.max(...rec.lrs)).toBeLessThanOrEqual(1e-3);
    expect(model.freezeCalls).toEqual([2, 0]);
  });

  it('optimizer hyper-parameters persist across fits', async () => {
    const { learn, model } = setup(2);
    await learn.fitOneCycle(1, 1e-3);
    const lastMom = model.steps.at(-1)?.[0]?.mom as number;
    // fit schedules nothing: lr is set, momentum stays where the cycle left it.
    await learn.fit(1, 5e-4, { wd: 0.1 });
    expect(model.steps.at(-1)?.map((h) => [h.lr, h.mom, h.wd])).toEqual(Array(3).fill([5e-4, lastMom, 0.1]));
    // resetOpt: Adam's defaults again, and the model's optimizer state cleared (freezeTo again).
    await learn.fit(1, 5e-4, { resetOpt: true });
    expect(model.steps.at(-1)?.map((h) => [h.mom, h.wd])).toEqual(Array(3).fill([0.9, 0.01]));
    expect(model.freezeCalls).toEqual([0]);
  });
});
