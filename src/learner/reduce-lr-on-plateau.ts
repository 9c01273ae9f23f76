// fastai's ReduceLROnPlateau: divides every group's learning rate when the monitored value has not
// improved for `patience` epochs.
import { checkNumber } from '../core/validate.js';
import type { LearnerState } from './learner-state.js';
import { PatienceTracker, type TrackerOptions } from './trackers.js';

/** Options of {@link ReduceLROnPlateau}; the defaults are fastai's. */
export interface ReduceLROnPlateauOptions extends TrackerOptions {
  /** Epochs without improvement before the learning rate drops (default 1). */
  patience?: number;
  /** The learning rates are divided by this (default 10). */
  factor?: number;
  /** No learning rate goes below this (default 0). */
  minLr?: number;
}

/**
 * After each epoch, as fastai: an improvement resets the wait; otherwise the wait grows, and once it
 * reaches `patience` every group's lr becomes `max(lr / factor, minLr)`, the wait restarts and a
 * line `Epoch N: reducing lr to X` is written when the last group's lr went down. Meant for
 * `fit` (a schedule such as fitOneCycle's sets the lr every batch).
 */
export class ReduceLROnPlateau extends PatienceTracker {
  override readonly order = 62; // fastai: TrackerCallback.order + 2
  readonly factor: number;
  readonly minLr: number;

  constructor(options: ReduceLROnPlateauOptions = {}) {
    super(options, 'ReduceLROnPlateau', ['factor', 'minLr'], 0);
    this.factor = options.factor === undefined ? 10 : checkNumber('ReduceLROnPlateau', 'factor', options.factor, { min: 1 });
    this.minLr = options.minLr === undefined ? 0 : checkNumber('ReduceLROnPlateau', 'minLr', options.minLr, { min: 0 });
  }

  protected outOfPatience(learn: LearnerState): void {
    if (!learn.hypers) return;
    const old = learn.hypers.at(-1)?.lr as number;
    for (const h of learn.hypers) h.lr = Math.max(h.lr / this.factor, this.minLr);
    this.wait = 0;
    const lr = learn.hypers.at(-1)?.lr as number;
    if (lr < old) learn.output.write(`Epoch ${learn.epoch}: reducing lr to ${lr}\n`);
  }
}
