// Single-label classification metrics over the whole validation set (fastai's `skm_to_fastai`
// metrics): the argmax of the outputs (or their softmax, for the areas) against the class indices,
// scored as scikit-learn scores them. Column names are the scikit-learn function names, as fastai
// prints them.
import { checkBoolean, checkNumber, checkInteger, checkOneOf, checkOptions, invalidParameterError } from '../core/validate.js';
import { multiclassRocAuc, binaryRocAuc, type MultiClass } from './metrics-auc.js';
import { averagedScores, balancedAccuracy, classCounts, cohenKappa, matthewsCorrCoef, type Average, type Scores } from './metrics-scores.js';
import { classTargets, type Metric, type Targets } from './metrics.js';
import { argmaxRows, softmax } from './predictions.js';

/** The `average` of single-label precision, recall and F scores. */
export type ClassAverage = 'binary' | 'micro' | 'macro' | 'weighted';

export interface ClassScoreOptions {
  /**
   * How per-class scores are combined (default 'binary'): 'binary' scores class `posLabel` alone
   * (two classes only); 'micro' pools the counts of all classes; 'macro' averages over the classes
   * present in the targets or the predictions; 'weighted' weights that average by class counts.
   */
  average?: ClassAverage;
  /** The class 'binary' scores (default 1). */
  posLabel?: number;
}

const CLASS_AVERAGES: readonly ClassAverage[] = ['binary', 'micro', 'macro', 'weighted'];

/** An accumulated single-label metric of the argmax of the outputs. */
function ofPredictions(name: string, where: string, score: (preds: Int32Array, targets: Int32Array, nOut: number) => number): Metric {
  return {
    name,
    accumulate: true,
    targetKind: 'category',
    compute: (outputs: Float32Array, targets: Targets, nOut: number) => score(argmaxRows(outputs, nOut), classTargets(where, targets), nOut),
  };
}

function classScore(where: string, name: string, pick: keyof Scores, beta: number, options: ClassScoreOptions | undefined): Metric {
  const o = checkOptions(where, options, ['average', 'posLabel']);
  const average = o.average === undefined ? 'binary' : checkOneOf(where, 'average', o.average, CLASS_AVERAGES);
  const posLabel = o.posLabel === undefined ? 1 : checkInteger(where, 'posLabel', o.posLabel, { min: 0, max: 1 });
  return ofPredictions(name, where, (preds, targets, nOut) => {
    if (average === 'binary' && nOut !== 2) {
      throw invalidParameterError(where, 'average', `'micro', 'macro' or 'weighted' for ${nOut} classes ('binary' needs 2)`, average);
    }
    return averagedScores(classCounts(preds, targets, nOut), average as Average, beta, posLabel)[pick];
  });
}

/** F1 score of single-label predictions (column `f1_score`); see {@link ClassScoreOptions}. */
export function F1Score(options?: ClassScoreOptions): Metric {
  return classScore('F1Score', 'f1_score', 'fbeta', 1, options);
}

/** F-beta score with `beta` ≥ 0 of single-label predictions (column `fbeta_score`). */
export function FBeta(beta: number, options?: ClassScoreOptions): Metric {
  return classScore('FBeta', 'fbeta_score', 'fbeta', checkNumber('FBeta', 'beta', beta, { min: 0 }), options);
}

/** Precision of single-label predictions (column `precision_score`); 0 for a class never predicted. */
export function Precision(options?: ClassScoreOptions): Metric {
  return classScore('Precision', 'precision_score', 'precision', 1, options);
}

/** Recall of single-label predictions (column `recall_score`). */
export function Recall(options?: ClassScoreOptions): Metric {
  return classScore('Recall', 'recall_score', 'recall', 1, options);
}

export interface RocAucOptions {
  /** 'macro' (default) or 'weighted' by class counts; 'micro' with multiClass 'ovr'. */
  average?: 'macro' | 'weighted' | 'micro';
  /** One-vs-rest (default) or one-vs-one (Hand & Till). */
  multiClass?: MultiClass;
}

/**
 * Area under the ROC curve of the softmax probabilities, multiclass (column `roc_auc_score`).
 * NaN for an epoch whose validation targets lack a class (the area is undefined there). With two
 * classes it equals {@link RocAucBinary}.
 */
export function RocAuc(options?: RocAucOptions): Metric {
  const o = checkOptions('RocAuc', options, ['average', 'multiClass']);
  const multiClass = o.multiClass === undefined ? 'ovr' : checkOneOf('RocAuc', 'multiClass', o.multiClass, ['ovr', 'ovo'] as const);
  const averages = multiClass === 'ovr' ? (['macro', 'weighted', 'micro'] as const) : (['macro', 'weighted'] as const);
  const average = o.average === undefined ? 'macro' : checkOneOf('RocAuc', 'average', o.average, averages);
  return {
    name: 'roc_auc_score',
    accumulate: true,
    targetKind: 'category',
    compute(outputs, targets, nOut) {
      const probs = softmax(outputs, nOut);
      const labels = classTargets('RocAuc', targets);
      if (nOut === 2)
        return binaryRocAuc(
          probs.filter((_, i) => i % 2 === 1),
          (i) => labels[i] === 1,
        );
      return multiclassRocAuc(probs, labels, nOut, multiClass, average);
    },
  };
}

/**
 * Area under the ROC curve of the last class's softmax probability, for two classes (column
 * `roc_auc_score`); NaN when the validation targets hold one class only.
 */
export function RocAucBinary(options?: Record<string, never>): Metric {
  checkOptions('RocAucBinary', options, []);
  return {
    name: 'roc_auc_score',
    accumulate: true,
    targetKind: 'category',
    compute(outputs, targets, nOut) {
      if (nOut !== 2) throw invalidParameterError('RocAucBinary', 'outputs', 'two outputs per item (binary classification; RocAuc scores more classes)', nOut);
      const labels = classTargets('RocAucBinary', targets);
      const probs = softmax(outputs, nOut);
      return binaryRocAuc(
        probs.filter((_, i) => i % 2 === 1),
        (i) => labels[i] === 1,
      );
    },
  };
}

/** Matthews correlation coefficient, multiclass (column `matthews_corrcoef`); 0 where undefined. */
export function MatthewsCorrCoef(): Metric {
  return ofPredictions('matthews_corrcoef', 'MatthewsCorrCoef', matthewsCorrCoef);
}

/**
 * Mean per-class recall over the classes present in the targets (column
 * `balanced_accuracy_score`); `adjusted` maps chance to 0.
 */
export function BalancedAccuracy(options?: { adjusted?: boolean }): Metric {
  const o = checkOptions('BalancedAccuracy', options, ['adjusted']);
  const adjusted = o.adjusted === undefined ? false : checkBoolean('BalancedAccuracy', 'adjusted', o.adjusted);
  return ofPredictions('balanced_accuracy_score', 'BalancedAccuracy', (preds, targets, nOut) => balancedAccuracy(preds, targets, nOut, adjusted));
}

/** Cohen's kappa (column `cohen_kappa_score`); `weights` 'linear' or 'quadratic' weigh disagreements by distance. */
export function CohenKappa(options?: { weights?: 'linear' | 'quadratic' }): Metric {
  const o = checkOptions('CohenKappa', options, ['weights']);
  const weights = o.weights === undefined ? 'none' : checkOneOf('CohenKappa', 'weights', o.weights, ['linear', 'quadratic'] as const);
  return ofPredictions('cohen_kappa_score', 'CohenKappa', (preds, targets, nOut) => cohenKappa(preds, targets, nOut, weights));
}
