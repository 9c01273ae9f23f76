// Loss choices. The loss itself is computed by the model inside each native batch call; the
// Learner only describes it (and hands it to the model once).
import type { LossSpec } from '../model/types.js';
import { argError } from './args.js';

export type { LossSpec };

/**
 * Cross-entropy over the flattened logits, fastai's default for single-label classification;
 * `labelSmoothing` ε > 0 gives `(1−ε)·NLL + (ε/C)·Σ −log p`.
 */
export function crossEntropyLossFlat({ labelSmoothing = 0 }: { labelSmoothing?: number } = {}): LossSpec {
  if (typeof labelSmoothing !== 'number' || !(labelSmoothing >= 0 && labelSmoothing < 1)) {
    throw argError('crossEntropyLossFlat: labelSmoothing', 'a number in [0, 1)', labelSmoothing);
  }
  return { kind: 'crossEntropy', labelSmoothing };
}

/** fastai's LabelSmoothingCrossEntropy (ε = 0.1 by default). */
export function labelSmoothingCrossEntropy({ eps = 0.1 }: { eps?: number } = {}): LossSpec {
  return crossEntropyLossFlat({ labelSmoothing: eps });
}

export function checkLoss(where: string, value: unknown): LossSpec {
  const spec = value as LossSpec;
  if (value === null || typeof value !== 'object' || spec.kind !== 'crossEntropy' || typeof spec.labelSmoothing !== 'number') {
    throw argError(where, 'a loss from crossEntropyLossFlat() or labelSmoothingCrossEntropy()', value);
  }
  return crossEntropyLossFlat({ labelSmoothing: spec.labelSmoothing });
}
