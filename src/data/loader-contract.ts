// What the data pipeline hands to the Learner.
import type { BatchTransform } from '../augment/batch-transform.js';
import type { Stats } from '../augment/normalize.js';
import type { Batch, TargetKind } from '../core/batch.js';
import type { ItemTransform } from './item-transforms.js';
import type { Shard } from './shard.js';

export type { Batch } from '../core/batch.js';

/** Iterates batches of one split. */
export interface DataLoader extends AsyncIterable<Batch> {
  /** Batches per pass (drop-last applied on the training loader). */
  readonly length: number;
  readonly bs: number;
  /** Number of items in the split. */
  readonly n: number;
  /**
   * The pass the next iteration runs (its order and draws). Settable where a loader can replay a
   * pass, which is how a saved fit resumes; a loader without it starts afresh.
   */
  epoch?: number;
  /** The transforms of the validation behaviour, which predictions and exports reuse. */
  readonly options?: { readonly itemTfm?: ItemTransform; readonly batchTfm?: BatchTransform };
  /** The same items with other order, batching or split transforms: predictions need them unshuffled and all kept. */
  derive?(changes: { shuffle?: boolean; dropLast?: boolean; split?: 'train' | 'valid'; shard?: Shard }): DataLoader;
  /** The first batch of the current pass, without advancing it. */
  oneBatch?(): Promise<Batch>;
}

/** What a Learner trains on: a training and a validation loader, and the classes. */
export interface DataLoaders {
  readonly train: DataLoader;
  readonly valid: DataLoader;
  /** Class names, sorted, from the training labels (empty for regression). */
  readonly vocab: readonly string[];
  /** Number of model outputs: classes, or regression values per item. */
  readonly c: number;
  /** What the targets are (default `'category'`: one class index per item). */
  readonly targetKind?: TargetKind;
  /** The folder the items came from, a Learner's default working folder. */
  readonly path?: string;
  /** Per-channel statistics the model normalizes `x/255` with on the device; null: none. */
  readonly normalize?: Stats | null;
}
