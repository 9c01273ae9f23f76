// The learning-rate range test run by Learner.lrFind: an exponential sweep of the learning rate
// over training batches, stopped when the smoothed loss diverges.
import { CancelFitError, CancelValidError, type Callback } from './callback.js';
import type { LearnerState } from './learner-state.js';
import { schedExp } from './schedule.js';

export interface LRFinderOptions {
  startLr: number;
  endLr: number;
  numIt: number;
  stopDiv: boolean;
}

/**
 * Before training batch i sets every group's lr to `startLr·(endLr/startLr)^(i/numIt)`; after it,
 * stops the fit when the smoothed loss exceeds 4× the best so far (with `stopDiv`) or after
 * `numIt` batches. Skips validation. The Learner snapshots and restores the model around it.
 */
export class LRFinder implements Callback {
  readonly name = 'LRFinder';
  readonly order = 60;
  readonly runValid = false;
  private best = Number.POSITIVE_INFINITY;

  constructor(readonly options: LRFinderOptions) {}

  beforeFit(): void {
    this.best = Number.POSITIVE_INFINITY;
  }

  beforeBatch(learn: LearnerState): void {
    const { startLr, endLr, numIt } = this.options;
    const lr = schedExp(startLr, endLr, learn.trainIter / numIt);
    for (const group of learn.hypers ?? []) group.lr = lr;
  }

  afterBatch(learn: LearnerState): void {
    const loss = learn.smoothLoss;
    if (loss < this.best) this.best = loss;
    if (this.options.stopDiv && loss > 4 * this.best) throw new CancelFitError('the loss diverged');
    if (learn.trainIter >= this.options.numIt) throw new CancelFitError('done');
  }

  beforeValidate(): void {
    throw new CancelValidError();
  }
}
