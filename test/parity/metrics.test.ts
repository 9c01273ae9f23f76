// Metrics on fixed logits, their batch-size-weighted averages and the smoothed training loss, as
// the Recorder keeps them, vs test/reference/metrics.py (torch float32, fastai's formulas).
import { describe, expect, it } from 'vitest';
import { Learner, accuracy, errorRate, metric, topKAccuracy } from '../../src/index.js';
import { expectClose } from '../helpers/close.js';
import { fixture } from '../helpers/fixtures.js';
import { blankDataLoaders } from '../helpers/memory-data.js';
import { ScriptedModel } from '../helpers/scripted-model.js';

const ref = fixture('metrics');
const sizes = ref.meta.sizes as number[];
const nClasses = ref.meta.n_classes as number;
const logits = sizes.map((_, i) => ref.get(`logits${i}`).data as Float32Array);
const targets = sizes.map((_, i) => ref.get(`targets${i}`).data as Int32Array);
const batchLosses = ref.numbers('batch_losses');
const top5 = topKAccuracy(5);
const metrics = [accuracy, errorRate, topKAccuracy(3), metric('top_5_accuracy', top5.compute)];

async function run(): Promise<Learner> {
  const model = new ScriptedModel({
    nOut: nClasses,
    trainLosses: ref.numbers('train_losses'),
    validOutputs: logits.map((l, i) => ({ loss: batchLosses[i] as number, logits: l })),
  });
  const dls = blankDataLoaders(ref.meta.n_train_batches as number, 0, { classes: nClasses, validLabels: targets });
  const learn = new Learner(dls, model, { metrics, progress: false });
  await learn.fit(ref.meta.n_epochs as number);
  return learn;
}

describe('metrics and recorded values match the reference', () => {
  it('per-epoch rows: smoothed train loss, weighted valid loss and metrics (float32 accumulation)', async () => {
    const learn = await run();
    expect(learn.recorder.metricNames).toEqual(['epoch', ...(ref.meta.columns as string[]), 'time']);
    const rows = ref.get('rows');
    expect(learn.recorder.values.length).toBe(rows.shape[0]);
    // Same float32 operations in the same order: exact.
    expectClose(learn.recorder.values.flat(), ref.numbers('rows'), { atol: 0, rtol: 0 }, 'rows');
  });

  it('smoothed loss per batch, continued across epochs', async () => {
    const learn = await run();
    expectClose(learn.recorder.losses, ref.numbers('smooth'), { atol: 0, rtol: 0 }, 'smoothed losses');
    expect(learn.recorder.iters).toEqual([5, 10]);
  });

  it('the weighted batch averages give the whole-set values', async () => {
    const learn = await run();
    const { validLoss, metrics: m } = await learn.validate();
    const got = [validLoss, m.accuracy, m.error_rate, m.top_k_accuracy, m.top_5_accuracy] as number[];
    expectClose(got, ref.numbers('dataset'), { atol: 0, rtol: 1e-6 }, 'dataset values');
  });

  it('each metric on one batch', () => {
    const [x, y] = [logits[0] as Float32Array, targets[0] as Int32Array];
    const acc = accuracy.compute(x, y, nClasses);
    expect(errorRate.compute(x, y, nClasses)).toBe(Math.fround(1 - acc));
    expect(topKAccuracy(1).compute(x, y, nClasses)).toBe(acc);
    expect(topKAccuracy(nClasses).compute(x, y, nClasses)).toBe(1);
  });
});
