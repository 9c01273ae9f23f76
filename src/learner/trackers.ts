// fastai's tracker callbacks: follow one column of the results table (valid_loss by default),
// stop when it stops improving, save the model when it improves. Idle during lrFind.
import { checkBoolean, checkInteger, checkNumber, checkOptions, checkString, invalidParameterError } from '../core/validate.js';
import { FasttuneError } from '../core/errors.js';
import { CancelFitError, type Callback } from './callback.js';
import type { LearnerState } from './learner-state.js';
import type { Learner } from './learner.js';

/** 'less' or 'greater' is better; a function `(value, best) => improved` for anything else. */
export type Comparison = 'less' | 'greater' | ((value: number, best: number) => boolean);

/** Options of every {@link TrackerCallback}: what to monitor and how to compare. */
export interface TrackerOptions {
  /** A column of the results table (default 'valid_loss'). */
  monitor?: string;
  /** Default: 'less' when the name contains 'loss' or 'error', else 'greater'. */
  comp?: Comparison;
  /** Smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /** Start from scratch at every fit (default true). */
  resetOnFit?: boolean;
}

const TRACKER_KEYS = ['monitor', 'comp', 'minDelta', 'resetOnFit'] as const;

/**
 * fastai's TrackerCallback: after each epoch compares the monitored value with the best so far;
 * `newBest` says whether it improved. A loss-like value improves when `value + |minDelta| < best`,
 * a metric-like one when `value − minDelta > best`; NaN never improves.
 */
export class TrackerCallback implements Callback {
  readonly order: number = 60;
  readonly monitor: string;
  readonly minDelta: number;
  readonly resetOnFit: boolean;
  /** Best value seen (±Infinity before the first epoch). */
  best: number | undefined;
  /** Whether the last epoch improved on the best. */
  newBest = false;
  private readonly comp: (value: number, best: number) => boolean;
  private readonly lessIsBetter: boolean;
  private column = -1;

  constructor(options: TrackerOptions = {}, where = 'TrackerCallback', extraKeys: readonly string[] = []) {
    const o = checkOptions(where, options, [...TRACKER_KEYS, ...extraKeys]);
    this.monitor = o.monitor === undefined ? 'valid_loss' : checkString(where, 'monitor', o.monitor);
    const comp = o.comp ?? (/loss|error/.test(this.monitor) ? 'less' : 'greater');
    if (comp !== 'less' && comp !== 'greater' && typeof comp !== 'function')
      throw invalidParameterError(where, 'comp', "'less', 'greater' or a function (value, best) => boolean", comp);
    this.lessIsBetter = comp === 'less';
    const delta = o.minDelta === undefined ? 0 : checkNumber(where, 'minDelta', o.minDelta, { min: 0 });
    this.minDelta = this.lessIsBetter ? -delta : delta;
    this.comp = comp === 'less' ? (v, b) => v < b : comp === 'greater' ? (v, b) => v > b : (comp as (v: number, b: number) => boolean);
    this.resetOnFit = o.resetOnFit === undefined ? true : checkBoolean(where, 'resetOnFit', o.resetOnFit);
  }

  /** False while the LR finder runs: trackers watch real fits only. */
  protected active(learn: LearnerState): boolean {
    return learn.lrFinder === undefined;
  }

  beforeFit(learn: LearnerState): void {
    if (!this.active(learn)) return;
    if (this.resetOnFit || this.best === undefined) this.best = this.lessIsBetter ? Infinity : -Infinity;
    this.column = learn.recorder.metricNames.slice(1).indexOf(this.monitor);
    const columns = learn.recorder.metricNames.slice(1, -1);
    if (this.column < 0 || this.column >= columns.length) {
      throw new FasttuneError(`${this.constructor.name}: monitor '${this.monitor}' is not a column of the results table (${columns.join(', ')})`, 'E_ARG');
    }
  }

  afterEpoch(learn: LearnerState): void {
    if (!this.active(learn)) return;
    const value = learn.recorder.values.at(-1)?.[this.column] ?? Number.NaN;
    this.newBest = this.comp(value - this.minDelta, this.best as number);
    if (this.newBest) this.best = value;
  }
}

/**
 * A tracker that counts the epochs without improvement (`wait`) and acts once they reach
 * `patience` (EarlyStopping, ReduceLROnPlateau).
 */
export abstract class PatienceTracker extends TrackerCallback {
  readonly patience: number;
  /** Epochs since the last improvement (or since the tracker last acted). */
  wait = 0;

  constructor(options: TrackerOptions & { patience?: number }, where: string, extraKeys: readonly string[], minPatience: number) {
    super(options, where, ['patience', ...extraKeys]);
    this.patience = options.patience === undefined ? 1 : checkInteger(where, 'patience', options.patience, { min: minPatience });
  }

  /** Called after an epoch that brought the wait to `patience`. */
  protected abstract outOfPatience(learn: LearnerState): void;

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
    if (this.wait >= this.patience) this.outOfPatience(learn);
  }
}

/** Options of {@link EarlyStoppingCallback}. */
export interface EarlyStoppingOptions extends TrackerOptions {
  /** Epochs without improvement before stopping (default 1). */
  patience?: number;
}

/**
 * fastai's EarlyStoppingCallback: cancels the fit (which then resolves normally, the schedule cut
 * short) after `patience` epochs without improvement, printing
 * `No improvement since epoch N: early stopping`.
 *
 * @example
 * await learn.fitOneCycle(20, 1e-3, { cbs: [new EarlyStoppingCallback({ monitor: 'error_rate', patience: 3 })] });
 */
export class EarlyStoppingCallback extends PatienceTracker {
  readonly name = 'EarlyStoppingCallback';
  /** After SaveModelCallback (61), so that a model saved every epoch includes the last one. */
  override readonly order = 63;

  constructor(options: EarlyStoppingOptions = {}) {
    super(options, 'EarlyStoppingCallback', [], 1);
  }

  protected outOfPatience(learn: LearnerState): void {
    learn.output.write(`No improvement since epoch ${learn.epoch - this.wait}: early stopping\n`);
    throw new CancelFitError('early stopping');
  }
}

/** Options of {@link SaveModelCallback}. */
export interface SaveModelOptions extends TrackerOptions {
  /** File name under `learn.path/learn.modelDir`, without extension (default 'model'). */
  fname?: string;
  /** Save every epoch (true) or every k-th epoch as `fname_<epoch>` instead of on improvement. */
  everyEpoch?: boolean | number;
  /** Save once, when the fit ends, instead of loading the best model back. */
  atEnd?: boolean;
  /** Save the optimizer state too (default false). */
  withOpt?: boolean;
}

/**
 * fastai's SaveModelCallback: saves the model (`learn.save(fname)`) whenever the monitored value
 * improves, printing `Better model found at epoch N with valid_loss value: V.`, and loads that
 * best model back when the fit ends. `everyEpoch` saves `fname_<epoch>` each (k-th) epoch and loads
 * nothing; `atEnd` also saves the final model over `fname` and loads nothing.
 *
 * @example
 * await learn.fineTune(5, { cbs: [new SaveModelCallback({ monitor: 'error_rate' })] });
 */
export class SaveModelCallback extends TrackerCallback {
  readonly name = 'SaveModelCallback';
  override readonly order = 61;
  readonly fname: string;
  readonly everyEpoch: number;
  readonly atEnd: boolean;
  readonly withOpt: boolean;
  /** Path of the last file written. */
  lastSavedPath: string | undefined;

  constructor(options: SaveModelOptions = {}) {
    super(options, 'SaveModelCallback', ['fname', 'everyEpoch', 'atEnd', 'withOpt']);
    const where = 'SaveModelCallback';
    this.fname = options.fname === undefined ? 'model' : checkString(where, 'fname', options.fname);
    const every = options.everyEpoch ?? false;
    this.everyEpoch = typeof every === 'boolean' ? Number(every) : checkInteger(where, 'everyEpoch', every, { min: 0 });
    this.atEnd = options.atEnd === undefined ? false : checkBoolean(where, 'atEnd', options.atEnd);
    this.withOpt = options.withOpt === undefined ? false : checkBoolean(where, 'withOpt', options.withOpt);
    if (this.everyEpoch && this.atEnd) throw new FasttuneError(`${where}: everyEpoch and atEnd cannot both be set`, 'E_ARG');
  }

  override async afterEpoch(learn: Learner): Promise<void> {
    if (!this.active(learn)) return;
    if (this.everyEpoch) {
      if (learn.epoch % this.everyEpoch === 0) await this.save(learn, `${this.fname}_${learn.epoch}`);
      return;
    }
    super.afterEpoch(learn);
    if (this.newBest) {
      learn.output.write(`Better model found at epoch ${learn.epoch} with ${this.monitor} value: ${this.best}.\n`);
      await this.save(learn, this.fname);
    }
  }

  async afterFit(learn: Learner): Promise<void> {
    if (!this.active(learn)) return;
    if (this.atEnd) await this.save(learn, this.fname);
    else if (!this.everyEpoch && this.lastSavedPath !== undefined) await learn.load(this.fname, { withOpt: this.withOpt });
  }

  private async save(learn: Learner, name: string): Promise<void> {
    this.lastSavedPath = await learn.save(name, { withOpt: this.withOpt });
  }
}
