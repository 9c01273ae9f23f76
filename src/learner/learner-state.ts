// What callbacks and the Learner's own helpers see of the Learner: its data, model, loss,
// hyper-parameters and the state of the training loop. The Learner implements this; typing
// against it keeps those files below learner.ts, so nothing in src/learner imports in a circle.
import type { MixParams } from '../core/batch.js';
import type { Batch, DataLoader, DataLoaders } from '../data/loader-contract.js';
import type { GroupHypers, LossSpec, ModelCore } from '../model/types.js';
import type { Metric } from './metrics.js';

/** Where progress goes: `process.stdout` by default; anything with `write` will do. */
export interface ProgressOutput {
  write(text: string): unknown;
  /** A terminal: the bar is redrawn in place. */
  isTTY?: boolean;
}

/**
 * `'auto'` (or `true`): a live bar on a terminal, plain lines otherwise; `'bar'` / `'lines'` force
 * one; `false`: silent (the Recorder still records everything).
 */
export type ProgressMode = 'auto' | 'bar' | 'lines' | boolean;

/** See {@link LearnerState.step}. */
export interface BatchStep {
  accumulate: boolean;
  lossFactor: number;
  clipNorm: number;
  /** MixUp or CutMix draws for this batch; undefined: none. */
  mix: MixParams | undefined;
}

/** What the loop's callbacks read of the Recorder while a fit runs. */
export interface RecorderState {
  /** The columns of the results table: epoch, losses, each metric's name, time. */
  readonly metricNames: readonly string[];
  /** The last results row, formatted (one string per column of `metricNames`). */
  readonly log: readonly string[];
  /** Each finished epoch's numbers: train loss, valid loss, then the metrics. */
  readonly values: readonly (readonly number[])[];
  /** Each scheduled hyper-parameter's value (last group) at each training batch. */
  hps: Partial<Record<keyof GroupHypers, number[]>>;
}

/**
 * The Learner as a callback receives it: every event handler gets one. Its loop fields are the
 * ones fastai's callbacks read (`epoch`, `iter`, `loss`, `pred`, …); a callback may write the
 * ones that are not read-only (schedules set `hypers`, TrainEval keeps `pctTrain`).
 */
export interface LearnerState {
  readonly dls: DataLoaders;
  readonly model: ModelCore;
  readonly lossFunc: LossSpec;
  readonly metrics: readonly Metric[];
  /** The folder that `save` and `export` resolve relative names against. */
  readonly path: string;
  /** The sub-folder of `path` that `save` writes checkpoints to. */
  readonly modelDir: string;
  /** Where the results table and progress are written. */
  readonly output: ProgressOutput;
  readonly progress: ProgressMode;
  readonly recorder: RecorderState;
  /** Per-group optimizer hyper-parameters; undefined until the first fit creates them. */
  hypers: GroupHypers[] | undefined;
  /** Groups below this index are frozen. */
  readonly frozenTo: number;
  /** Freezes the parameter groups below `n` (and clears the optimizer state). */
  freezeTo(n: number): void;

  /** Epochs of the current fit. */
  readonly nEpoch: number;
  /** Current epoch (0-based). */
  readonly epoch: number;
  /** The loader being iterated. */
  readonly dl: DataLoader | undefined;
  /** Batches in the current loader. */
  readonly nIter: number;
  /** Index of the current batch in its loader. */
  readonly iter: number;
  /** Training batches done in this fit (kept by TrainEvalCallback). */
  trainIter: number;
  /** Training position in [0, 1), what schedules read (kept by TrainEvalCallback). */
  pctTrain: number;
  /** True in the training phase, false in validation. */
  readonly training: boolean;
  /** The current batch. */
  readonly batch: Batch | undefined;
  /** Loss of the current batch. */
  readonly loss: number;
  /** Logits of the current validation batch (n × nOut); undefined in training. */
  readonly pred: Float32Array | undefined;
  /** Smoothed training loss (kept by the Recorder). */
  smoothLoss: number;
  /** The running LR finder during `lrFind`, else undefined (trackers stay idle while it is set). */
  readonly lrFinder: object | undefined;
  /** True while a fit runs (not during a bare `validate`). */
  readonly inFit: boolean;
  /** Training batches the current epoch skips because a resumed fit starts after them (else 0). */
  readonly resumeIter: number;
  /**
   * What the current training batch does with its gradients, reset before each batch and set by
   * callbacks in `beforeBatch` (GradientAccumulation, GradientClip, MixUp, CutMix): `accumulate`
   * runs forward and backward without an optimizer step, `lossFactor` scales the loss before
   * backward, `clipNorm` > 0 clips the global gradient norm before the step, `mix` mixes the
   * batch's images and targets in the step.
   */
  readonly step: BatchStep;
}
