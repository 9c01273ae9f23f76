// What the data pipeline hands to the Learner.
import type { Stats } from '../augment/normalize.js';
import type { Batch } from '../core/batch.js';

export type { Batch } from '../core/batch.js';

/** Iterates batches of one split. */
export interface DataLoader extends AsyncIterable<Batch> {
  /** Batches per pass (drop-last applied on the training loader). */
  readonly length: number;
  readonly bs: number;
  /** Number of items in the split. */
  readonly n: number;
}

export interface DataLoaders {
  readonly train: DataLoader;
  readonly valid: DataLoader;
  /** Class names, sorted, from the training labels. */
  readonly vocab: readonly string[];
  /** Number of classes. */
  readonly c: number;
  /** Per-channel statistics the model normalizes `x/255` with on the device; null: none. */
  readonly normalize?: Stats | null;
}
