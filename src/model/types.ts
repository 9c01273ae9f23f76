// The contract between the TypeScript Learner and the native model: one call per batch,
// hyper-parameters in as numbers, plain numbers out.
import type { Batch } from '../core/batch.js';
import type { GroupHypers } from '../core/hypers.js';

export type { GroupHypers } from '../core/hypers.js';

/** The loss a model computes in `trainStep` and `evalStep` (fastai's CrossEntropyLossFlat by default). */
export interface LossSpec {
  readonly kind: 'crossEntropy';
  /** 0 for plain cross-entropy; ε for label smoothing, `(1−ε)·NLL + (ε/C)·Σ −log p`. */
  readonly labelSmoothing: number;
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

export interface EvalResult {
  /** Mean loss over the batch. */
  loss: number;
  /** Row-major logits, batch × classes. */
  logits: Float32Array;
}

/** What the Learner needs from a model. The native VisionModel implements it. */
export interface ModelCore {
  /** Number of parameter groups (3 for fastai's ResNet split). */
  readonly nGroups: number;
  /** Number of output classes. */
  readonly nOut: number;
  /** Groups below `n` frozen (BatchNorm stays trainable when trainBn); clears optimizer state. */
  freezeTo(n: number): void;
  /** Forward, loss, backward and one optimizer step in train mode; resolves to the batch loss. */
  trainStep(batch: Batch, hypers: readonly GroupHypers[]): Promise<number>;
  /** Forward and loss in eval mode, no gradients. */
  evalStep(batch: Batch): Promise<EvalResult>;
  /** Keeps a copy of weights, BatchNorm buffers and optimizer state (one slot). */
  snapshot(): Promise<void>;
  /** Returns to the last snapshot. */
  restore(): Promise<void>;
  dispose(): void;
  /**
   * Applies the Learner's settings (called once, before any step). Optional: a model without it
   * uses plain cross-entropy, Adam, no weight decay on BatchNorm/bias and trainable BatchNorm.
   */
  configure?(settings: ModelSettings): void;
}
