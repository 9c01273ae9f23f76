// Metrics computed in TypeScript from the outputs the model returns. A per-batch metric is averaged
// over the validation set weighted by batch size (fastai's AvgMetric); an accumulated one runs once
// on the outputs and targets of the whole set (fastai's AccumMetric).
import type { TargetKind } from '../core/batch.js';
import { checkFunction, checkInteger, checkString, describe, invalidParameterError } from '../core/validate.js';
import { FasttuneError } from '../core/errors.js';

const f32 = Math.fround;

/**
 * What metrics receive as targets: class indices (`Int32Array`, one per item) for single-label
 * classification, or n × k floats (`Float32Array`: multi-hot rows for multi-label, values for
 * regression).
 */
export type Targets = Int32Array | Float32Array;

/** The kind of targets a metric reads: class indices, multi-hot rows, or regression values. */

/**
 * A metric: a name (printed as a column of the results table) and a function of the model's
 * outputs and the targets. By default it runs per batch and the batch values are combined as
 * Σ value·bs / Σ bs, as fastai does for plain metric functions; with `accumulate: true` the Learner
 * collects the outputs and targets of the whole validation set and runs it once per epoch.
 */
export interface Metric {
  readonly name: string;
  /**
   * @param outputs the model's raw outputs (logits or values), row-major `n × nOut`
   * @param targets class index per item, or `n × k` floats (see {@link Targets})
   */
  compute(outputs: Float32Array, targets: Targets, nOut: number): number;
  /** Run once over the whole validation set instead of averaging per-batch values. */
  readonly accumulate?: boolean;
  /** The targets it reads (default 'category'); the Learner's trial run before training uses it. */
  readonly targetKind?: TargetKind;
}

/** Wraps a function as a per-batch {@link Metric} named `name`. */
export function metric(name: string, compute: Metric['compute']): Metric {
  checkString('metric', 'name', name);
  checkFunction('metric', 'compute', compute);
  return { name, compute };
}

/**
 * Wraps a function as a {@link Metric} computed once over the whole validation set (fastai's
 * AccumMetric), e.g. a score that is not a mean over items.
 */
export function accumMetric(name: string, compute: Metric['compute'], { targetKind = 'category' }: { targetKind?: TargetKind } = {}): Metric {
  checkString('accumMetric', 'name', name);
  checkFunction('accumMetric', 'compute', compute);
  return { name, compute, accumulate: true, targetKind: checkTargetKind('accumMetric', 'targetKind', targetKind) };
}

function checkTargetKind(where: string, name: string, kind: unknown): TargetKind {
  if (kind !== 'category' && kind !== 'multiCategory' && kind !== 'regression')
    throw invalidParameterError(where, name, "'category', 'multiCategory' or 'regression'", kind);
  return kind;
}

/** The targets as class indices, or an E_ARG error naming the metric. */
export function classTargets(where: string, targets: Targets): Int32Array {
  if (!(targets instanceof Int32Array)) throw invalidParameterError(where, 'targets', 'class indices (an Int32Array, single-label targets)', targets);
  return targets;
}

/** The targets as `outputs.length` floats (one per output), or an E_ARG error naming the metric. */
export function floatTargets(where: string, targets: Targets, outputs: Float32Array, kind: 'multiCategory' | 'regression'): Float32Array {
  const what = kind === 'multiCategory' ? 'multi-hot targets (a Float32Array, n × k)' : 'regression targets (a Float32Array, n × k)';
  if (!(targets instanceof Float32Array)) throw invalidParameterError(where, 'targets', what, targets);
  if (targets.length !== outputs.length) throw invalidParameterError(where, 'targets', `${outputs.length} values (one per output)`, targets);
  return targets;
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
export const accuracy: Metric = { name: 'accuracy', compute: (logits, targets, nClasses) => accuracyOf(logits, classTargets('accuracy', targets), nClasses) };

/** 1 − accuracy. */
export const errorRate: Metric = {
  name: 'error_rate',
  compute: (logits, targets, nClasses) => f32(1 - accuracyOf(logits, classTargets('errorRate', targets), nClasses)),
};

/**
 * Fraction of items whose target is among the `k` largest logits (ties go to the lower class
 * index, as a stable descending sort would order them).
 */
export function topKAccuracy(k = 5): Metric {
  checkInteger('topKAccuracy', 'k', k, { min: 1 });
  return {
    name: 'top_k_accuracy',
    compute(logits, labels, nClasses) {
      const targets = classTargets('topKAccuracy', labels);
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
 * synthetic batch (with targets of the kind it declares), so that a broken metric fails before
 * training starts rather than after the first epoch.
 */
export function checkMetrics(where: string, argName: string, metrics: unknown, nOut: number): Metric[] {
  if (metrics === undefined) return [];
  const list = Array.isArray(metrics) ? metrics : [metrics];
  const rows = 2;
  const outputs = Float32Array.from({ length: rows * nOut }, (_, i) => ((i * 7) % 5) / 5);
  const trialTargets: Record<TargetKind, Targets> = {
    category: Int32Array.from({ length: rows }, (_, i) => i % nOut),
    multiCategory: Float32Array.from(outputs, (_, i) => i % 2),
    regression: Float32Array.from(outputs, (_, i) => i / 2),
  };
  return list.map((m: unknown, i) => {
    const name = Array.isArray(metrics) ? `${argName}[${i}]` : argName;
    if (m === null || typeof m !== 'object' || typeof (m as Metric).name !== 'string' || typeof (m as Metric).compute !== 'function') {
      throw invalidParameterError(where, name, 'a Metric ({ name, compute }) such as errorRate or accuracy', m);
    }
    const { name: metricName, targetKind = 'category' } = m as Metric;
    const targets = trialTargets[checkTargetKind(where, `${name}.targetKind`, targetKind)];
    let value: unknown;
    try {
      value = (m as Metric).compute(outputs, targets, nOut);
    } catch (error) {
      throw new FasttuneError(`${where}: ${name} ('${metricName}') throws on a ${rows}-item batch: ${(error as Error)?.message ?? describe(error)}`, 'E_ARG');
    }
    if (typeof value !== 'number') {
      throw new FasttuneError(`${where}: ${name} ('${metricName}') must return a number, returned ${describe(value)}`, 'E_ARG');
    }
    return m as Metric;
  });
}
