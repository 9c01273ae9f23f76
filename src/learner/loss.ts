// Loss choices. The loss itself is computed by the model inside each native batch call; the
// Learner only describes it (and hands it to the model once).
import { checkNumber, invalidParameterError } from '../core/validate.js';
import type { TargetKind } from '../core/batch.js';
import { FasttuneError } from '../core/errors.js';
import type { LossKind, LossSpec } from '../model/types.js';

export type { LossKind, LossSpec };

function checkWeight(where: string, weight: unknown): readonly number[] | null {
  if (weight === undefined || weight === null) return null;
  if (!Array.isArray(weight) && !(weight instanceof Float32Array) && !(weight instanceof Float64Array)) {
    throw invalidParameterError(where, 'weight', 'an array of class weights ≥ 0', weight);
  }
  const list = Array.from(weight as ArrayLike<unknown>, (w, i) => checkNumber(where, `weight[${i}]`, w, { min: 0 }));
  if (list.length === 0) throw invalidParameterError(where, 'weight', 'an array of class weights ≥ 0', weight);
  return Object.freeze(list);
}

/**
 * Cross-entropy over the flattened logits, fastai's default for single-label classification;
 * `labelSmoothing` ε > 0 gives `(1−ε)·NLL + (ε/C)·Σ −log p`; `weight` (one per class) weighs each
 * item by its class and divides by the weights' sum, as `nn.CrossEntropyLoss(weight)`.
 */
export function crossEntropyLossFlat({ labelSmoothing = 0, weight }: { labelSmoothing?: number; weight?: readonly number[] | null } = {}): LossSpec {
  checkNumber('crossEntropyLossFlat', 'labelSmoothing', labelSmoothing, { min: 0, max: 1, maxOpen: true });
  return { kind: 'crossEntropy', labelSmoothing, weight: checkWeight('crossEntropyLossFlat', weight) };
}

/** fastai's LabelSmoothingCrossEntropy (ε = 0.1 by default). */
export function labelSmoothingCrossEntropy({ eps = 0.1 }: { eps?: number } = {}): LossSpec {
  return crossEntropyLossFlat({ labelSmoothing: eps });
}

/**
 * fastai's FocalLossFlat: `(1 − p_t)^γ · CE` per item with `p_t = exp(−CE)`, averaged; down-weights
 * the items the model already gets right. `weight` is the cross-entropy's class weights.
 */
export function focalLossFlat({ gamma = 2, weight }: { gamma?: number; weight?: readonly number[] | null } = {}): LossSpec {
  checkNumber('focalLossFlat', 'gamma', gamma, { min: 0 });
  return { kind: 'focal', labelSmoothing: 0, gamma, weight: checkWeight('focalLossFlat', weight) };
}

/**
 * fastai's BCEWithLogitsLossFlat, the multi-label loss: binary cross-entropy of the sigmoid of each
 * logit against the multi-hot targets, averaged over items and labels. `thresh` (default 0.5) is
 * where `predict` and decoded predictions call a label present; `weight` weighs each label, as
 * `nn.BCEWithLogitsLoss(weight)` on an n × k batch.
 */
export function bceWithLogitsLossFlat({ thresh = 0.5, weight }: { thresh?: number; weight?: readonly number[] | null } = {}): LossSpec {
  checkNumber('bceWithLogitsLossFlat', 'thresh', thresh, { min: 0, max: 1, minOpen: true, maxOpen: true });
  return { kind: 'bceWithLogits', labelSmoothing: 0, thresh, weight: checkWeight('bceWithLogitsLossFlat', weight) };
}

/** fastai's MSELossFlat, the regression loss: mean squared error over every value. */
export function mseLossFlat(): LossSpec {
  return { kind: 'mse', labelSmoothing: 0 };
}

/** fastai's L1LossFlat: mean absolute error over every value. */
export function l1LossFlat(): LossSpec {
  return { kind: 'l1', labelSmoothing: 0 };
}

const KINDS: readonly LossKind[] = ['crossEntropy', 'focal', 'bceWithLogits', 'mse', 'l1'];

/** Whether the loss reads class indices (single-label) rather than float targets. */
export function takesClassIndices(loss: LossSpec): boolean {
  return loss.kind === 'crossEntropy' || loss.kind === 'focal';
}

export function checkLoss(where: string, name: string, value: unknown): LossSpec {
  const spec = value as LossSpec;
  if (value === null || typeof value !== 'object' || !KINDS.includes(spec.kind) || typeof spec.labelSmoothing !== 'number') {
    throw invalidParameterError(
      where,
      name,
      'a loss from crossEntropyLossFlat(), focalLossFlat(), bceWithLogitsLossFlat(), mseLossFlat() or l1LossFlat()',
      value,
    );
  }
  switch (spec.kind) {
    case 'crossEntropy':
      return crossEntropyLossFlat({ labelSmoothing: spec.labelSmoothing, weight: spec.weight });
    case 'focal':
      return focalLossFlat({ gamma: spec.gamma, weight: spec.weight });
    case 'bceWithLogits':
      return bceWithLogitsLossFlat({ thresh: spec.thresh, weight: spec.weight });
    case 'mse':
      return mseLossFlat();
    case 'l1':
      return l1LossFlat();
  }
}

/** fastai's default loss for the targets: cross-entropy, BCE with logits (multi-label) or MSE (regression). */
export function defaultLoss(kind: TargetKind = 'category'): LossSpec {
  if (kind === 'multiCategory') return bceWithLogitsLossFlat();
  return kind === 'regression' ? mseLossFlat() : crossEntropyLossFlat();
}

/** Class-index losses need single-label data; float-target losses need multi-label or regression data. */
export function checkLossFitsTargets(where: string, loss: LossSpec, kind: TargetKind = 'category'): void {
  if (takesClassIndices(loss) === (kind === 'category')) return;
  const wants = takesClassIndices(loss) ? "single-label data (yBlock 'category')" : "multi-label or regression data (yBlock 'multiCategory' or 'regression')";
  throw new FasttuneError(`${where}: lossFunc '${loss.kind}' needs ${wants}, but the data's targets are '${kind}'`, 'E_ARG');
}
