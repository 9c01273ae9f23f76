// Whole-set metrics through the Learner: each epoch's value is the metric of the whole validation
// set's outputs (as getPreds returns them), not a mean of per-batch values; and their arguments.
import { describe, expect, it } from 'vitest';
import {
  FasttuneError,
  F1Score,
  F1ScoreMulti,
  FBeta,
  Learner,
  R2Score,
  RocAuc,
  RocAucBinary,
  RocAucMulti,
  accuracy,
  accumMetric,
  accuracyMulti,
  mae,
  rmse,
  type Metric,
} from '../../src/index.js';
import { noiseDataLoaders } from '../helpers/memory-data.js';
import { SoftmaxModel } from '../helpers/softmax-model.js';

/** A Learner whose 30 validation items come in batches of 8, 8, 8 and 6; noisy enough not to score 1. */
function learner(classes: number, metrics: Metric[]) {
  const dls = noiseDataLoaders({ nTrain: 48, nValid: 30, bs: 8, classes, noise: 400, seed: 7 });
  const model = new SoftmaxModel({ nFeatures: 4 * 4 * 3, nOut: classes, seed: 3 });
  return { learn: new Learner(dls, model, { metrics, progress: false, lr: 0.05 }), dls };
}

/** Batch-size-weighted mean of the metric over the validation batches (what a per-batch metric gives). */
function perBatchMean(m: Metric, logits: Float32Array, targets: Int32Array, nOut: number, bs: number): number {
  let total = 0;
  for (let start = 0; start < targets.length; start += bs) {
    const end = Math.min(start + bs, targets.length);
    total += m.compute(logits.subarray(start * nOut, end * nOut), targets.subarray(start, end), nOut) * (end - start);
  }
  return total / targets.length;
}

describe('accumulated metrics in a fit', () => {
  for (const [classes, metrics] of [
    [2, [F1Score(), RocAuc()]],
    [3, [F1Score({ average: 'macro' }), RocAuc(), accuracy]],
  ] as const) {
    it(`${classes} classes: every epoch reports the metric of getPreds over the whole set`, async () => {
      const { learn } = learner(classes, [...metrics]);
      const names = metrics.map((m) => m.name);
      expect(learn.recorder.metricNames).toEqual([]);
      let differs = 0;
      for (let epoch = 0; epoch < 2; epoch++) {
        await learn.fit(1);
        expect(learn.recorder.metricNames).toEqual(['epoch', 'train_loss', 'valid_loss', ...names, 'time']);
        const row = learn.recorder.values.at(-1) as number[];
        const { probs: logits, targets } = await learn.getPreds({ act: 'none' });
        metrics.forEach((m, i) => {
          const whole = m.compute(logits, targets, classes);
          expect(Number.isFinite(whole)).toBe(true);
          // The Recorder keeps metric values as computed (float64 for accumulated ones).
          expect(row[2 + i]).toBe(m.accumulate ? whole : Math.fround(whole));
          if (m.accumulate && perBatchMean(m, logits, targets, classes, 8) !== whole) differs++;
        });
        const validated = await learn.validate();
        expect(names.map((n) => validated.metrics[n])).toEqual(row.slice(2));
      }
      // The batch means would have given other values in every epoch: the test tells the two apart.
      expect(differs).toBe(2 * metrics.filter((m) => m.accumulate).length);
    });
  }

  it("an accumulated metric of one's own sees the whole set once per epoch", async () => {
    const seen: number[] = [];
    const count = accumMetric('n_items', (_outputs, targets) => {
      seen.push(targets.length);
      return targets.length;
    });
    const { learn } = learner(2, [count]);
    await learn.fit(2);
    // One trial call on a 2-item batch when the Learner is made, then 30 items per epoch.
    expect(seen).toEqual([2, 30, 30]);
    expect(learn.recorder.values.map((r) => r[2])).toEqual([30, 30]);
  });
});

function expectArgError(make: () => unknown, message: RegExp): void {
  let error: unknown;
  try {
    make();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(FasttuneError);
  expect((error as FasttuneError).code).toBe('E_ARG');
  expect((error as Error).message).toMatch(message);
}

describe('metric arguments', () => {
  it('unknown averages, options and thresholds outside (0, 1) name the argument', () => {
    expectArgError(
      () => F1Score({ average: 'samples' as never }),
      /F1Score: expected one of 'binary', 'micro', 'macro', 'weighted' for average but received 'samples'/,
    );
    expectArgError(() => FBeta(-1), /FBeta: expected a finite number ≥ 0 for beta but received -1/);
    expectArgError(() => RocAuc({ multiClass: 'ovo', average: 'micro' }), /RocAuc: expected one of 'macro', 'weighted' for average but received 'micro'/);
    expectArgError(() => RocAucMulti({ average: 'binary' as never }), /RocAucMulti: expected .* for average but received 'binary'/);
    expectArgError(() => accuracyMulti({ thresh: 1 }), /accuracyMulti: expected a finite number in \(0, 1\) for thresh but received 1/);
    expectArgError(() => F1ScoreMulti({ thresh: 0 }), /F1ScoreMulti: expected a finite number in \(0, 1\) for thresh but received 0/);
    expectArgError(() => F1Score({ avg: 'macro' } as never), /F1Score: expected one of the keys .* for options but received 'avg'/);
    expectArgError(
      () => accumMetric('x', () => 0, { targetKind: 'labels' as never }),
      /accumMetric: expected 'category', 'multiCategory' or 'regression' for targetKind but received 'labels'/,
    );
    const odd = { name: 'odd', compute: () => 0, targetKind: 'labels' } as unknown as Metric;
    expectArgError(() => learner(2, [odd]), /Learner: expected 'category', 'multiCategory' or 'regression' for metrics\[0\].targetKind but received 'labels'/);
    // Without the sigmoid the threshold applies to raw outputs: any finite number.
    expect(accuracyMulti({ thresh: -2, sigmoid: false }).name).toBe('accuracy_multi');
  });

  it("'binary' and RocAucBinary need two classes: the Learner refuses them before training", () => {
    expectArgError(
      () => learner(3, [F1Score()]),
      /metrics\[0\] \('f1_score'\) throws .*F1Score: expected 'micro', 'macro' or 'weighted' for 3 classes \('binary' needs 2\) for average but received 'binary'/,
    );
    expectArgError(() => learner(3, [accuracy, RocAucBinary()]), /metrics\[1\] \('roc_auc_score'\) throws .*RocAucBinary: expected two outputs per item/);
  });

  it('targets of the wrong kind name the metric and the targets', () => {
    const outputs = Float32Array.from([0.2, -1, 3, 0.5]);
    const classes = Int32Array.from([0, 1]);
    const floats = Float32Array.from([0, 1, 1, 0]);
    expectArgError(
      () => F1Score().compute(outputs, floats, 2),
      /F1Score: expected class indices \(an Int32Array, single-label targets\) for targets but received a Float32Array of 4/,
    );
    expectArgError(() => accuracy.compute(outputs, floats, 2), /accuracy: expected class indices/);
    expectArgError(
      () => accuracyMulti().compute(outputs, classes, 2),
      /accuracyMulti: expected multi-hot targets \(a Float32Array, n × k\) for targets but received an? Int32Array/,
    );
    expectArgError(
      () => F1ScoreMulti().compute(outputs, Float32Array.from([0, 1, 0.5, 0]), 2),
      /F1ScoreMulti: expected multi-hot targets \(every value 0 or 1\) for targets but received 0.5/,
    );
    expectArgError(() => rmse.compute(outputs, classes, 2), /rmse: expected regression targets .* for targets but received/);
    expectArgError(() => mae.compute(outputs, Float32Array.from([1, 2]), 2), /mae: expected 4 values \(one per output\) for targets/);
    expectArgError(() => R2Score().compute(outputs, classes, 2), /R2Score: expected regression targets/);
  });

  it('a per-batch metric given float targets in a fit fails with the batch named', async () => {
    const { learn } = learner(2, [accuracyMulti()]);
    await expect(learn.fit(1)).rejects.toThrow(/metric 'accuracy_multi' failed on validation batch 1: accuracyMulti: expected multi-hot targets/);
  });
});
