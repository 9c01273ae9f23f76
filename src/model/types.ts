// The contract between the TypeScript Learner and the native model: one call per batch,
// hyper-parameters in as numbers, plain numbers out.
import type { Batch } from '../core/batch.js';
import type { GroupHypers } from '../core/hypers.js';
import type { ProcessGroup } from './process-group.js';
import type { Stats } from '../augment/normalize.js';
import type { WeightsTensor } from '../io/weights.js';
import type { ArchName } from './arch-names.js';
import type { Head } from './head.js';

export type { GroupHypers } from '../core/hypers.js';

/**
 * The losses a model computes in its steps, as fastai's `*LossFlat` classes: `'crossEntropy'` and
 * `'focal'` on class indices (single-label), `'bceWithLogits'` on multi-hot targets (multi-label),
 * `'mse'` and `'l1'` on values (regression).
 */
export type LossKind = 'crossEntropy' | 'focal' | 'bceWithLogits' | 'mse' | 'l1';

/** The loss a model computes in `trainStep` and `evalStep` (fastai's CrossEntropyLossFlat by default). */
export interface LossSpec {
  readonly kind: LossKind;
  /** 0 for plain cross-entropy; ε for label smoothing, `(1−ε)·NLL + (ε/C)·Σ −log p` (cross-entropy only). */
  readonly labelSmoothing: number;
  /** One weight per class (cross-entropy, focal, BCE), as PyTorch's `weight`; null: none. */
  readonly weight?: readonly number[] | null;
  /** Focal loss's γ (fastai default 2). */
  readonly gamma?: number;
  /** BCE: the probability above which a label is predicted (fastai default 0.5). */
  readonly thresh?: number;
}

/** Which update rule `trainStep` applies; the values come per step in {@link GroupHypers}. */
export type OptimizerKind = 'adam' | 'sgd';

/** Settings the Learner hands to its model once, at construction. */
export interface ModelSettings {
  loss: LossSpec;
  optimizer: OptimizerKind;
  /** Apply weight decay to BatchNorm and bias parameters too (fastai default false). */
  wdBnBias: boolean;
  /** Keep BatchNorm parameters of frozen groups trainable (fastai default true). */
  trainBn: boolean;
}

/** How one training step treats its gradients. */
export interface StepOptions {
  /** The loss is multiplied by this before backward (gradient accumulation's bs/nAcc; default 1). */
  lossFactor?: number;
  /** > 0: the global L2 norm of the gradients is clipped to this before the update (default 0: none). */
  clipNorm?: number;
}

/** What `evalStep` returns for one batch. */
export interface EvalResult {
  /** Mean loss over the batch. */
  loss: number;
  /** Row-major logits, batch × classes. */
  logits: Float32Array;
}

/** Named tensors as `loadStateDict` and `loadOptimizerState` take them. */
export type NamedTensors = ReadonlyArray<Pick<WeightsTensor, 'name' | 'shape' | 'data'>>;

/** What an exported file records about its model, so that `loadLearner` can build it again. */
export interface ModelArchitecture {
  readonly arch: ArchName;
  readonly nOut: number;
  /** Per-channel statistics the model normalizes its input with; null: pixels in [0, 1]. */
  readonly normalize: Readonly<Stats> | null;
  /** Head dropout (fastai's `ps`, as given; a custom head has its own). */
  readonly ps: number | readonly number[];
  /** fastai's SigmoidRange on the head's output, when the model has one (the head's `yRange`). */
  readonly yRange?: readonly [number, number];
  /** The head, layer by layer. */
  readonly head: Head;
  /** fastai's cut of the body, when not the architecture's. */
  readonly cut?: number;
}

/**
 * What the Learner needs from a model. The native VisionModel implements all of it; a model
 * without the optional members trains, and `learn.save`/`load` or `learn.export` say what it lacks.
 */
export interface ModelCore {
  /** Number of parameter groups (3 for fastai's ResNet split). */
  readonly nGroups: number;
  /** Number of output classes. */
  readonly nOut: number;
  /** Groups below `n` frozen (BatchNorm stays trainable when trainBn); clears optimizer state. */
  freezeTo(n: number): void;
  /**
   * Forward, loss, backward and one optimizer step in train mode; resolves to the batch loss.
   * `step` scales the loss before backward and clips the gradient norm before the update.
   */
  trainStep(batch: Batch, hypers: readonly GroupHypers[], step?: StepOptions): Promise<number>;
  /** Forward, loss (times `lossFactor`) and backward without a step: gradients add up for the next trainStep. */
  accumulateStep?(batch: Batch, lossFactor?: number): Promise<number>;
  /** Forward and loss in eval mode, no gradients. */
  evalStep(batch: Batch): Promise<EvalResult>;
  /** Keeps a copy of weights, BatchNorm buffers and optimizer state (one slot). */
  snapshot(): Promise<void>;
  /** Returns to the last snapshot. */
  restore(): Promise<void>;
  dispose(): void;
  /** True after `dispose()`; the Learner then refuses to fit before anything is printed or run. */
  readonly disposed?: boolean;
  /**
   * Applies the Learner's settings (called once, before any step). Optional: a model without it
   * uses plain cross-entropy, Adam, no weight decay on BatchNorm/bias and trainable BatchNorm.
   */
  configure?(settings: ModelSettings): void;
  /** Weights and buffers by name (`learn.save`, `learn.export`). */
  stateDict?(): Promise<WeightsTensor[]>;
  /** Replaces weights and buffers, all or nothing; `source` names them in errors. */
  loadStateDict?(tensors: NamedTensors, source?: string): Promise<void>;
  /** The optimizer's state by name (`learn.save` with `withOpt`). */
  optimizerState?(): Promise<WeightsTensor[]>;
  loadOptimizerState?(tensors: NamedTensors): Promise<void>;
  /** The dropout generator's state, saved so that a resumed fit draws the same masks. */
  randomState?(): Uint8Array;
  /** Makes the model one data-parallel replica of `group` (see VisionModel.distribute). */
  distribute?(group: ProcessGroup): Promise<void>;
  setRandomState?(state: Uint8Array): void;
  /** What `learn.export` records to rebuild the model. */
  readonly architecture?: ModelArchitecture;
  /** Writes weights and buffers with `metadata` as one safetensors file, atomically. */
  saveWeights?(path: string, metadata?: Record<string, string>): Promise<void>;
}
