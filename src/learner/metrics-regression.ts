// Regression metrics on outputs and float targets of the same size, flattened (fastai's
// `flatten_check`): `mae` averaged per batch, `rmse` and `R2Score` over the whole validation set.
import { checkOptions } from '../core/validate.js';
import { floatTargets, type Metric } from './metrics.js';

/** Root of the mean squared error, float64 sums. */
export function rootMeanSquaredError(preds: Float32Array, targets: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < preds.length; i++) sum += ((preds[i] as number) - (targets[i] as number)) ** 2;
  return Math.sqrt(sum / preds.length);
}

/**
 * Coefficient of determination 1 − Σ(y − ŷ)² / Σ(y − ȳ)², float64 sums. A constant target gives 1
 * for a perfect prediction and 0 otherwise (scikit-learn's `force_finite`).
 */
export function r2Score(preds: Float32Array, targets: Float32Array): number {
  let mean = 0;
  for (const y of targets) mean += y;
  mean /= targets.length;
  let residual = 0;
  let total = 0;
  for (let i = 0; i < preds.length; i++) {
    const y = targets[i] as number;
    residual += (y - (preds[i] as number)) ** 2;
    total += (y - mean) ** 2;
  }
  if (residual === 0) return 1;
  return total === 0 ? 0 : 1 - residual / total;
}

/** Root mean squared error over the whole validation set (column `_rmse`, as fastai names it). */
export const rmse: Metric = {
  name: '_rmse',
  accumulate: true,
  targetKind: 'regression',
  compute: (outputs, targets) => rootMeanSquaredError(outputs, floatTargets('rmse', targets, outputs, 'regression')),
};

/** Mean absolute error, averaged per batch (column `mae`). */
export const mae: Metric = {
  name: 'mae',
  targetKind: 'regression',
  compute(outputs, targets) {
    const truth = floatTargets('mae', targets, outputs, 'regression');
    let sum = 0;
    for (let i = 0; i < outputs.length; i++) sum += Math.abs((outputs[i] as number) - (truth[i] as number));
    return Math.fround(sum / outputs.length);
  },
};

/** R² over the whole validation set, every output flattened into one series (column `r2_score`). */
export function R2Score(options?: Record<string, never>): Metric {
  checkOptions('R2Score', options, []);
  return {
    name: 'r2_score',
    accumulate: true,
    targetKind: 'regression',
    compute: (outputs, targets) => r2Score(outputs, floatTargets('R2Score', targets, outputs, 'regression')),
  };
}
