// fastai's GradientAccumulation and GradientClip: they tell the Learner what the next native step
// does with its gradients (learn.step); accumulating, scaling and clipping happen in that step.
import { checkInteger, checkNumber } from '../core/validate.js';
import type { Callback } from './callback.js';
import type { LearnerState } from './learner-state.js';

/**
 * fastai's GradientAccumulation: steps the optimizer only once `nAcc` items (not batches) have
 * been seen since the last step; until then each batch only adds its gradients. Every batch's
 * loss is scaled by `bs / nAcc` before backward, so the step sees the average over those items
 * (the recorded loss stays unscaled). The count carries over epochs, as fastai's does.
 */
export class GradientAccumulation implements Callback {
  readonly name = 'GradientAccumulation';
  readonly order = -14; // fastai: MixedPrecision.order − 4
  readonly runValid = false;
  readonly nAcc: number;
  /** Items since the last optimizer step. */
  count = 0;

  constructor(nAcc = 32) {
    this.nAcc = checkInteger('GradientAccumulation', 'nAcc', nAcc, { min: 1 });
  }

  beforeFit(): void {
    this.count = 0;
  }

  beforeBatch(learn: LearnerState): void {
    const bs = learn.batch?.labels.length ?? 0;
    learn.step.lossFactor *= bs / this.nAcc;
    this.count += bs;
    learn.step.accumulate = this.count < this.nAcc;
    if (!learn.step.accumulate) this.count = 0;
  }
}

/** fastai's GradientClip: clips the global L2 norm of the gradients to `maxNorm` before each step. */
export class GradientClip implements Callback {
  readonly name = 'GradientClip';
  readonly order = -9; // fastai: MixedPrecision.order + 1 (after unscaling)
  readonly runValid = false;
  readonly maxNorm: number;

  constructor(maxNorm = 1) {
    this.maxNorm = checkNumber('GradientClip', 'maxNorm', maxNorm, { min: 0, minOpen: true });
  }

  beforeBatch(learn: LearnerState): void {
    learn.step.clipNorm = this.maxNorm;
  }
}
