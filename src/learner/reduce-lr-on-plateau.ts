// fastai's ReduceLROnPlateau: divides every group's learning rate when the monitored value has not
// improved for `patience` epochs.
import { checkNumber, checkInteger } from '../core/validate.js';
import type { LearnerState } from './learner-state.js';
import { TrackerCallback, type TrackerOptions } from './trackers.js';

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
export class ReduceLROnPlateau extends TrackerCallback {
  override readonly order = 62; // fastai: TrackerCallback.order + 2
  readonly patience: number;
  readonly factor: number;
  readonly minLr: number;
  /** Epochs since the last improvement or reduction. */
  wait = 0;

  constructor(options: ReduceLROnPlateauOptions = {}) {
    super(options, 'ReduceLROnPlateau', ['patience', 'factor', 'minLr']);
    this.patience = options.patience === undefined ? 1 : checkInteger('ReduceLROnPlateau', 'patience', options.patience, { min: 0 });
    this.factor = options.factor === undefined ? 10 : checkNumber('ReduceLROnPlateau', 'factor', options.factor, { min: 1 });
    this.minLr = options.minLr === undefined ? 0 : checkNumber('ReduceLROnPlateau', 'minLr', options.minLr, { min: 0 });
  }

  override beforeFit(learn: LearnerState): void {
    this.wait = 0;
    super.beforeFit(learn);
  }

  override afterEpoch(learn: LearnerState): void {
    if (!this.active(learn)) return;
    super.afterEpoch(learn);
    if (this.newBest) {
      this.wait = 0;
      return;
    }
    this.wait += 1;
    if (this.wait < this.patience || !learn.hypers) return;
    const old = learn.hypers.at(-1)?.lr as number;
    for (const h of learn.hypers) h.lr = Math.max(h.lr / this.factor, this.minLr);
    this.wait = 0;
    const lr = learn.hypers.at(-1)?.lr as number;
    if (lr < old) learn.output.write(`Epoch ${learn.epoch}: reducing lr to ${lr}\n`);
  }
}
