// Test-time augmentation, as fastai's tta: n passes with the training transforms (model in eval
// mode), averaged (or maxed), then blended with one pass with the validation transforms.
import { FasttuneError } from '../core/errors.js';

export interface TtaCombineOptions {
  /** Weight of the plain pass: (1 − beta)·A + beta·P (default 0.25). */
  beta?: number;
  /** Element-wise maximum over all passes instead of the blend (default false). */
  useMax?: boolean;
}

/** The combined probabilities and their two ingredients. */
export interface TtaCombined {
  /** What `tta` returns: the blend, or the maximum over all passes with `useMax`. */
  probs: Float32Array;
  /** A: the mean over the augmented passes (their maximum with `useMax`). */
  augProbs: Float32Array;
  /** P: the pass with validation transforms. */
  plainProbs: Float32Array;
}

/**
 * Combines augmented passes and a plain pass as fastai does: A = mean of the passes (max with
 * `useMax`); then `lerp(A, P, beta)` = (1 − beta)·A + beta·P, or max(A, P) with `useMax`.
 * Sums run in float64; results are float32.
 */
export function combineTta(augmented: readonly Float32Array[], plain: Float32Array, { beta = 0.25, useMax = false }: TtaCombineOptions = {}): TtaCombined {
  if (augmented.length === 0) throw new FasttuneError('tta: n must be at least 1', 'E_ARG');
  for (const pass of augmented) {
    if (pass.length !== plain.length) throw new FasttuneError(`tta: passes of different sizes (${pass.length} and ${plain.length} values)`, 'E_NATIVE');
  }
  const augProbs = new Float32Array(plain.length);
  const probs = new Float32Array(plain.length);
  for (let i = 0; i < plain.length; i++) {
    let a: number;
    if (useMax) {
      a = -Infinity;
      for (const pass of augmented) a = Math.max(a, pass[i] as number);
    } else {
      a = 0;
      for (const pass of augmented) a += pass[i] as number;
      a /= augmented.length;
    }
    augProbs[i] = a;
    const p = plain[i] as number;
    const af = augProbs[i] as number;
    probs[i] = useMax ? Math.max(af, p) : af + beta * (p - af);
  }
  return { probs, augProbs, plainProbs: plain };
}
