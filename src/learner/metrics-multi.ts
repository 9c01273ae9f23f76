// Multi-label metrics: outputs n × k against multi-hot targets n × k. `accuracyMulti` is averaged
// per batch (a plain function in fastai); the others are scored once over the whole validation set
// as scikit-learn scores multilabel-indicator targets (fastai's `*Multi` metrics).
import { checkBoolean, checkNumber, checkOneOf, checkOptions, invalidParameterError } from '../core/validate.js';
import { multiLabelRocAuc } from './metrics-auc.js';
import { averagedScores, multiLabelCounts, type Scores } from './metrics-scores.js';
import { floatTargets, type Metric } from './metrics.js';

const f32 = Math.fround;

/** The logistic function rounded to float32, as torch's float32 `sigmoid` gives it. */
function sigmoid(x: number): number {
  return f32(1 / (1 + Math.exp(-x)));
}

export interface ThresholdOptions {
  /** Outputs (after the sigmoid) above it count as predicted labels (default 0.5). */
  thresh?: number;
  /** Apply a sigmoid to the outputs first (default true; false when they are probabilities already). */
  sigmoid?: boolean;
}

/** `thresh` lies in (0, 1) for probabilities; without the sigmoid it is compared with raw outputs. */
function thresholdOptions(where: string, o: Record<string, unknown>): { thresh: number; sigmoid: boolean } {
  const sig = o.sigmoid === undefined ? true : checkBoolean(where, 'sigmoid', o.sigmoid);
  const thresh = o.thresh === undefined ? 0.5 : checkNumber(where, 'thresh', o.thresh, sig ? { min: 0, max: 1, minOpen: true, maxOpen: true } : {});
  return { thresh, sigmoid: sig };
}

/** 0/1 multi-hot targets as bytes, or an E_ARG error naming the metric. */
function multiHot(where: string, targets: Float32Array): Uint8Array {
  const out = new Uint8Array(targets.length);
  for (let i = 0; i < targets.length; i++) {
    const v = targets[i] as number;
    if (v !== 0 && v !== 1) throw invalidParameterError(where, 'targets', 'multi-hot targets (every value 0 or 1)', v);
    out[i] = v;
  }
  return out;
}

/**
 * Fraction of (item, label) cells whose decision — the sigmoid of the output above `thresh` —
 * matches the target (column `accuracy_multi`, averaged per batch as fastai does).
 */
export function accuracyMulti(options?: ThresholdOptions): Metric {
  const { thresh, sigmoid: sig } = thresholdOptions('accuracyMulti', checkOptions('accuracyMulti', options, ['thresh', 'sigmoid']));
  const cut = f32(thresh);
  return {
    name: 'accuracy_multi',
    targetKind: 'multiCategory',
    compute(outputs, targets) {
      const truth = floatTargets('accuracyMulti', targets, outputs, 'multiCategory');
      let correct = 0;
      for (let i = 0; i < outputs.length; i++) {
        const v = outputs[i] as number;
        if ((sig ? sigmoid(v) : v) > cut === ((truth[i] as number) !== 0)) correct++;
      }
      return f32(correct / outputs.length);
    },
  };
}

/** The `average` of multi-label scores. */
export type LabelAverage = 'micro' | 'macro' | 'weighted' | 'samples';

export interface MultiScoreOptions extends ThresholdOptions {
  /**
   * How per-label scores are combined (default 'macro', over every label): 'micro' pools the
   * counts; 'weighted' weights by positives per label; 'samples' averages per-item scores.
   */
  average?: LabelAverage;
}

const LABEL_AVERAGES: readonly LabelAverage[] = ['micro', 'macro', 'weighted', 'samples'];

function multiScore(where: string, name: string, pick: keyof Scores, beta: number, options: MultiScoreOptions | undefined): Metric {
  const o = checkOptions(where, options, ['thresh', 'sigmoid', 'average']);
  const { thresh, sigmoid: sig } = thresholdOptions(where, o);
  const average = o.average === undefined ? 'macro' : checkOneOf(where, 'average', o.average, LABEL_AVERAGES);
  // fastai's AccumMetric decides with `>=` on the (float32) sigmoid.
  const cut = f32(thresh);
  return {
    name,
    accumulate: true,
    targetKind: 'multiCategory',
    compute(outputs, targets, nOut) {
      const truth = multiHot(where, floatTargets(where, targets, outputs, 'multiCategory'));
      const decisions = Uint8Array.from(outputs, (v) => ((sig ? sigmoid(v) : v) >= cut ? 1 : 0));
      return averagedScores(multiLabelCounts(decisions, truth, nOut, average === 'samples'), average, beta)[pick];
    },
  };
}

/** F1 score of multi-label decisions (column `f1_score`); see {@link MultiScoreOptions}. */
export function F1ScoreMulti(options?: MultiScoreOptions): Metric {
  return multiScore('F1ScoreMulti', 'f1_score', 'fbeta', 1, options);
}

/** F-beta score with `beta` ≥ 0 of multi-label decisions (column `fbeta_score`). */
export function FBetaMulti(beta: number, options?: MultiScoreOptions): Metric {
  return multiScore('FBetaMulti', 'fbeta_score', 'fbeta', checkNumber('FBetaMulti', 'beta', beta, { min: 0 }), options);
}

/** Precision of multi-label decisions (column `precision_score`). */
export function PrecisionMulti(options?: MultiScoreOptions): Metric {
  return multiScore('PrecisionMulti', 'precision_score', 'precision', 1, options);
}

/** Recall of multi-label decisions (column `recall_score`). */
export function RecallMulti(options?: MultiScoreOptions): Metric {
  return multiScore('RecallMulti', 'recall_score', 'recall', 1, options);
}

/**
 * Area under the ROC curve per label of the (sigmoid) outputs (column `roc_auc_score`); `average`
 * as for {@link MultiScoreOptions}, default 'macro'. NaN when a label's targets are all 0 or all 1
 * (its area is undefined).
 */
export function RocAucMulti(options?: { sigmoid?: boolean; average?: LabelAverage }): Metric {
  const o = checkOptions('RocAucMulti', options, ['sigmoid', 'average']);
  const sig = o.sigmoid === undefined ? true : checkBoolean('RocAucMulti', 'sigmoid', o.sigmoid);
  const average = o.average === undefined ? 'macro' : checkOneOf('RocAucMulti', 'average', o.average, LABEL_AVERAGES);
  return {
    name: 'roc_auc_score',
    accumulate: true,
    targetKind: 'multiCategory',
    compute(outputs, targets, nOut) {
      const truth = multiHot('RocAucMulti', floatTargets('RocAucMulti', targets, outputs, 'multiCategory'));
      return multiLabelRocAuc(sig ? outputs.map(sigmoid) : outputs, truth, nOut, average);
    },
  };
}
