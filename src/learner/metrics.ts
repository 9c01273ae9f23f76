// Classification metrics computed in TypeScript from the logits the model returns. The Learner
// averages each over the validation set weighted by batch size, which gives the dataset value.
import { checkFunction, checkInteger, checkString, describe, invalidParameterError } from '../core/validate.js';
import { FasttuneError } from '../core/errors.js';

const f32 = Math.fround;

/**
 * A metric: a name (printed as a column of the results table) and the value for one batch.
 * Batch values are combined as Σ value·bs / Σ bs, as fastai does for plain metric functions.
 */
export interface Metric {
  readonly name: string;
  /**
   * @param logits row-major, `targets.length × nClasses`
   * @param targets class index per item
   */
  compute(logits: Float32Array, targets: Int32Array, nClasses: number): number;
}

/** Wraps a function as a {@link Metric} named `name`. */
export function metric(name: string, compute: Metric['compute']): Metric {
  checkString('metric', 'name', name);
  checkFunction('metric', 'compute', compute);
  return { name, compute };
}

/** Index of the largest logit of row `row` (the first on ties; NaN counts as largest, as in torch). */
function argmaxRow(logits: Float32Array, row: number, nClasses: number): number {
  let best = 0;
  let bestValue = logits[row * nClasses] as number;
  for (let j = 1; j < nClasses; j++) {
    const v = logits[row * nClasses + j] as number;
    if (Number.isNaN(bestValue)) break;
    if (v > bestValue || Number.isNaN(v)) {
      best = j;
      bestValue = v;
    }
  }
  return best;
}

function accuracyOf(logits: Float32Array, targets: Int32Array, nClasses: number): number {
  let correct = 0;
  for (let i = 0; i < targets.length; i++) if (argmaxRow(logits, i, nClasses) === targets[i]) correct++;
  return f32(correct / targets.length);
}

/** Fraction of items whose largest logit is the target class. */
export const accuracy: Metric = { name: 'accuracy', compute: accuracyOf };

/** 1 − accuracy. */
export const errorRate: Metric = {
  name: 'error_rate',
  compute: (logits, targets, nClasses) => f32(1 - accuracyOf(logits, targets, nClasses)),
};

/**
 * Fraction of items whose target is among the `k` largest logits (ties go to the lower class
 * index, as a stable descending sort would order them).
 */
export function topKAccuracy(k = 5): Metric {
  checkInteger('topKAccuracy', 'k', k, { min: 1 });
  return {
    name: 'top_k_accuracy',
    compute(logits, targets, nClasses) {
      let hits = 0;
      for (let i = 0; i < targets.length; i++) {
        const t = targets[i] as number;
        const target = logits[i * nClasses + t] as number;
        let ahead = 0;
        for (let j = 0; j < nClasses; j++) {
          const v = logits[i * nClasses + j] as number;
          if (v > target || (v === target && j < t)) ahead++;
        }
        if (ahead < k) hits++;
      }
      return f32(hits / targets.length);
    },
  };
}

/**
 * Checks that each metric has a name and a compute function and runs it once on a small
 * synthetic batch, so that a broken metric fails before training starts rather than after the
 * first epoch.
 */
export function checkMetrics(where: string, argName: string, metrics: unknown, nClasses: number): Metric[] {
  if (metrics === undefined) return [];
  const list = Array.isArray(metrics) ? metrics : [metrics];
  const rows = 2;
  const logits = Float32Array.from({ length: rows * nClasses }, (_, i) => ((i * 7) % 5) / 5);
  const targets = Int32Array.from({ length: rows }, (_, i) => i % nClasses);
  return list.map((m: unknown, i) => {
    const name = Array.isArray(metrics) ? `${argName}[${i}]` : argName;
    if (m === null || typeof m !== 'object' || typeof (m as Metric).name !== 'string' || typeof (m as Metric).compute !== 'function') {
      throw invalidParameterError(where, name, 'a Metric ({ name, compute }) such as errorRate or accuracy', m);
    }
    const { name: metricName } = m as Metric;
    let value: unknown;
    try {
      value = (m as Metric).compute(logits, targets, nClasses);
    } catch (error) {
      throw new FasttuneError(`${where}: ${name} ('${metricName}') throws on a ${rows}-item batch: ${(error as Error)?.message ?? describe(error)}`, 'E_ARG');
    }
    if (typeof value !== 'number') {
      throw new FasttuneError(`${where}: ${name} ('${metricName}') must return a number, returned ${describe(value)}`, 'E_ARG');
    }
    return m as Metric;
  });
}
