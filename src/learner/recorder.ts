// Records a fit: smoothed training loss, learning rate and momentum per batch; losses and metrics
// per epoch; and the formatted row the progress table prints.
import { performance } from 'node:perf_hooks';
import { FasttuneError } from '../core/errors.js';
import { lossChart, lrFindChart, schedChart, type LossPlotOptions, type LrFindPlotOptions } from '../plot/charts.js';
import { writeChart } from '../plot/write-chart.js';
import { SmoothedLoss, WeightedMean } from './averages.js';
import { EpochMetrics } from './metrics-epoch.js';
import type { GroupHypers } from '../core/hypers.js';
import type { Callback } from './callback.js';
import type { LearnerState } from './learner-state.js';
import type { HyperName } from './param-scheduler.js';
import type { Suggestion } from './suggestions.js';
import { formatTime, formatValue } from './table.js';

/** What `learn.validate()` and each epoch's validation produce. */
export interface ValidationResult {
  /** Batch-size-weighted mean loss over the validation set. */
  validLoss: number;
  /**
   * Each metric by its name: per-batch metrics weighted the same way, accumulated ones computed
   * once on the outputs and targets of the whole set.
   */
  metrics: Record<string, number>;
}

/**
 * A default callback (order 50). Everything is reset at the start of each fit (so after
 * `fineTune` it holds the unfrozen phase, and after `lrFind` the LR-finder curve).
 */
export class Recorder implements Callback {
  readonly name = 'Recorder';
  readonly order = 50;

  /** Smoothed training loss after each training batch (beta 0.98, debiased, float32). */
  losses: number[] = [];
  /** Learning rate of the last parameter group at each training batch (as fastai records it). */
  lrs: number[] = [];
  /** Momentum of the last parameter group at each training batch. */
  moms: number[] = [];
  /**
   * Every parameter group's hyper-parameters at each training batch: `hypers[i][g].lr` is group
   * g's learning rate at batch i (discriminative rates show here; `lrs` holds the last group's).
   */
  hypers: GroupHypers[][] = [];
  /** Training batches done at the end of each epoch. */
  iters: number[] = [];
  /**
   * Per epoch: `[train_loss, valid_loss, ...metrics]`. train_loss is the smoothed loss at the end
   * of the epoch, not the epoch mean. A cancelled phase leaves NaN in its cells.
   */
  values: number[][] = [];
  /** Column names of the table: `epoch, train_loss, valid_loss, <metrics>, time`. */
  metricNames: string[] = [];
  /** Scheduled hyper-parameters per training batch (last group), set by ParamScheduler. */
  hps: Partial<Record<HyperName, number[]>> = {};
  /** The cells of the last epoch's row, as printed (epoch, values, time). */
  log: string[] = [];
  /** What the last `lrFind` suggested, for `plotLrFind`. */
  lrFindSuggestions: Suggestion[] = [];
  /** The last validation pass. */
  lastValidation: ValidationResult | undefined;

  private readonly smooth: SmoothedLoss;
  private validLoss = new WeightedMean();
  private epochMetrics = new EpochMetrics([]);
  private trainLoss = Number.NaN;
  private validRow: number[] = [];
  private epochStart = 0;
  private trainCancelled = false;
  private validCancelled = false;

  constructor({ beta = 0.98 }: { beta?: number } = {}) {
    this.smooth = new SmoothedLoss(beta);
  }

  beforeFit(learn: LearnerState): void {
    this.losses = [];
    this.lrs = [];
    this.moms = [];
    this.hypers = [];
    this.iters = [];
    this.values = [];
    this.hps = {};
    this.log = [];
    this.metricNames = ['epoch', 'train_loss', 'valid_loss', ...learn.metrics.map((m) => m.name), 'time'];
    this.smooth.reset();
  }

  beforeEpoch(learn: LearnerState): void {
    this.startEpoch(learn);
  }

  afterBatch(learn: LearnerState): void {
    if (learn.training) this.recordTrainBatch(learn);
    else this.recordValidBatch(learn);
  }

  afterCancelTrain(): void {
    this.trainCancelled = true;
  }

  afterTrain(): void {
    // A cancelled phase contributes no value to the epoch's row.
    this.trainLoss = this.trainCancelled ? Number.NaN : this.smooth.value;
    this.trainCancelled = false;
  }

  beforeValidate(learn: LearnerState): void {
    this.validLoss = new WeightedMean();
    this.epochMetrics = new EpochMetrics(learn.metrics);
    this.lastValidation = undefined;
  }

  afterCancelValidate(): void {
    this.validCancelled = true;
  }

  afterValidate(learn: LearnerState): void {
    if (this.validCancelled) {
      this.validCancelled = false;
      this.lastValidation = undefined;
      return;
    }
    const values = this.epochMetrics.values(learn.model.nOut);
    const metrics = Object.fromEntries(learn.metrics.map((m, i) => [m.name, values[i] as number]));
    this.lastValidation = { validLoss: this.validLoss.value, metrics };
    this.validRow = [this.validLoss.value, ...values];
  }

  afterEpoch(learn: LearnerState): void {
    const row = [this.trainLoss, ...this.validRow];
    this.values.push(row);
    this.iters.push(this.losses.length);
    this.log = [String(learn.epoch), ...row.map(formatValue), formatTime((performance.now() - this.epochStart) / 1000)];
    // Nothing of this epoch may leak into the next one's row, even if a callback cancels it
    // before this Recorder's beforeEpoch runs.
    this.startEpoch(learn);
  }

  /** Training (smoothed) and validation loss against training steps. Writes PNG or SVG by extension. */
  async plotLoss(file: string, options: LossPlotOptions = {}): Promise<string> {
    return writeChart(lossChart(this, options), file);
  }

  /** The scheduled hyper-parameters (lr, mom) per training step. */
  async plotSched(file: string): Promise<string> {
    return writeChart(schedChart(this), file);
  }

  /** Loss against learning rate (log scale) of the last `lrFind`, with its suggestions marked. */
  async plotLrFind(file: string, options: LrFindPlotOptions = {}): Promise<string> {
    if (this.lrs.length === 0) throw new FasttuneError('plotLrFind: nothing recorded yet; run learn.lrFind() first', 'E_ARG');
    return writeChart(lrFindChart(this, options), file);
  }

  private startEpoch(learn: LearnerState): void {
    this.epochStart = performance.now();
    this.trainLoss = Number.NaN;
    this.validRow = Array<number>(1 + learn.metrics.length).fill(Number.NaN);
  }

  private recordTrainBatch(learn: LearnerState): void {
    this.smooth.add(learn.loss);
    learn.smoothLoss = this.smooth.value;
    this.losses.push(this.smooth.value);
    const groups = learn.hypers ?? [];
    const last = groups.at(-1);
    this.lrs.push(last?.lr ?? Number.NaN);
    this.moms.push(last?.mom ?? Number.NaN);
    this.hypers.push(groups.map((h) => ({ ...h })));
  }

  private recordValidBatch(learn: LearnerState): void {
    const batch = learn.batch;
    const logits = learn.pred;
    if (!batch || !logits) return;
    this.validLoss.add(learn.loss, batch.labels.length);
    this.epochMetrics.add(logits, batch.targets ?? batch.labels, learn.model.nOut, learn.iter);
  }
}
