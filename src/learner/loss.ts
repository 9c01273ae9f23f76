// Loss choices. The loss itself is computed by the model inside each native batch call; the
// Learner only describes it (and hands it to the model once).
import { checkNumber, invalidParameterError } from '../core/validate.js';
import type { LossSpec } from '../model/types.js';

export type { LossSpec };

/**
 * Cross-entropy over the flattened logits, fastai's default for single-label classification;
 * `labelSmoothing` ε > 0 gives `(1−ε)·NLL + (ε/C)·Σ −log p`.
 */
export function crossEntropyLossFlat({ labelSmoothing = 0 }: { labelSmoothing?: number } = {}): LossSpec {
  checkNumber('crossEntropyLossFlat', 'labelSmoothing', labelSmoothing, { min: 0, max: 1, maxOpen: true });
  return { kind: 'crossEntropy', labelSmoothing };
}

/** fastai's LabelSmoothingCrossEntropy (ε = 0.1 by default). */
export function labelSmoothingCrossEntropy({ eps = 0.1 }: { eps?: number } = {}): LossSpec {
  return crossEntropyLossFlat({ labelSmoothing: eps });
}

export function checkLoss(where: string, name: string, value: unknown): LossSpec {
  const spec = value as LossSpec;
  if (value === null || typeof value !== 'object' || spec.kind !== 'crossEntropy' || typeof spec.labelSmoothing !== 'number') {
    throw invalidParameterError(where, name, 'a loss from crossEntropyLossFlat() or labelSmoothingCrossEntropy()', value);
  }
  return crossEntropyLossFlat({ labelSmoothing: spec.labelSmoothing });
}
