// One split's batches: order (shuffled per epoch or not), batching (drop-last or not), decoding
// ahead of the consumer with a fixed number of batches in flight, and per-batch augmentation
// parameters. Every random choice comes from a stream keyed by (seed, epoch, item or batch), so
// the batches are the same for a seed whatever the timing of the decodes.
import type { BatchTransform } from '../augment/batch-transform.js';
import { FasttuneError } from '../core/errors.js';
import { checkInteger } from '../core/validate.js';
import type { Decoder } from './batch-decoder.js';
import type { RawImage } from './pixels.js';
import type { RenderJob } from './render-items.js';
import { StreamRng, shuffled } from '../core/rng.js';
import { Cancelled, type CancelToken } from './source.js';
import type { ItemTransform, Split } from './item-transforms.js';
import type { Batch, DataLoader } from './loader-contract.js';
import { type Shard, shardLength, shardOrder } from './shard.js';

/** One image and its class index (-1 when unlabelled or when its targets are floats). */
export interface LoaderItem {
  path: string;
  label: number;
  /** Float targets (a multi-hot row or regression values), all items alike or none. */
  target?: Float32Array;
}

export interface LoaderOptions {
  bs: number;
  shuffle: boolean;
  dropLast: boolean;
  /** Which transforms run: random ('train') or deterministic ('valid'). */
  split: Split;
  itemTfm: ItemTransform | undefined;
  batchTfm: BatchTransform | undefined;
  seed: number;
  /** Batches decoded ahead of the one the consumer holds. */
  prefetch: number;
  /** Data parallel: this rank's share of each epoch (DistributedSampler's); absent: every item. */
  shard?: Shard;
}

const STREAM_SHUFFLE = 1;
const STREAM_ITEM = 2;
const STREAM_BATCH = 3;

const ignore = () => {};

/** A {@link DataLoader} over image files. Iterating it runs one epoch. */
export class ImageDataLoader implements DataLoader {
  readonly bs: number;
  readonly n: number;
  private epochs = 0;

  constructor(
    private readonly list: readonly LoaderItem[],
    private readonly decoder: Decoder,
    readonly options: Readonly<LoaderOptions>,
  ) {
    this.bs = options.bs;
    this.n = options.shard ? shardLength(list.length, options.shard.worldSize) : list.length;
  }

  /** Batches per epoch. */
  get length(): number {
    return this.options.dropLast ? Math.floor(this.n / this.bs) : Math.ceil(this.n / this.bs);
  }

  /** Epochs started so far; the next iteration runs epoch number `epoch`. */
  get epoch(): number {
    return this.epochs;
  }

  /** Makes the next iteration run epoch `value` (its order and draws): how a saved run resumes. */
  set epoch(value: number) {
    this.epochs = checkInteger('ImageDataLoader', 'epoch', value, { min: 0 });
  }

  /** Where this loader's images are decoded (shared with the loaders derived from it). */
  get imageDecoder(): Decoder {
    return this.decoder;
  }

  /** The items in dataset order. */
  get items(): readonly LoaderItem[] {
    return this.list;
  }

  [Symbol.asyncIterator](): AsyncIterator<Batch> {
    return this.run(this.epochs++);
  }

  /** The first batch the next epoch will yield, without starting that epoch. */
  async oneBatch(): Promise<Batch> {
    if (this.length === 0) throw new FasttuneError('oneBatch: this loader has no batches', 'E_ARG');
    const token = { cancelled: false };
    return this.assemble(this.epochs, 0, this.order(this.epochs).slice(0, this.bs), token);
  }

  /** A loader over the same items and image cache with some options changed (e.g. TTA, bs). */
  derive(changes: Partial<LoaderOptions>): ImageDataLoader {
    return new ImageDataLoader(this.list, this.decoder, { ...this.options, ...changes });
  }

  /** A loader with the same options and image cache over other items. */
  withItems(items: readonly LoaderItem[]): ImageDataLoader {
    return new ImageDataLoader(items, this.decoder, this.options);
  }

  private order(epoch: number): number[] {
    const indices = Array.from({ length: this.list.length }, (_, i) => i);
    const order = this.options.shuffle ? shuffled(indices, new StreamRng(this.options.seed, STREAM_SHUFFLE, this.splitKey(), epoch)) : indices;
    return this.options.shard ? shardOrder(order, this.options.shard) : order;
  }

  private splitKey(): number {
    return this.options.split === 'train' ? 0 : 1;
  }

  private async *run(epoch: number): AsyncGenerator<Batch> {
    const order = this.order(epoch);
    const count = this.length;
    const token: CancelToken = { cancelled: false };
    const pending = new Map<number, Promise<Batch>>();
    let started = 0;
    try {
      for (let b = 0; b < count; b++) {
        while (started < count && started <= b + this.options.prefetch) {
          const indices = order.slice(started * this.bs, (started + 1) * this.bs);
          const batch = this.assemble(epoch, started, indices, token);
          batch.catch(ignore); // a batch nobody awaits (early stop) must not raise unhandled
          pending.set(started++, batch);
        }
        const batch = await pending.get(b)!;
        pending.delete(b);
        yield batch;
      }
    } finally {
      token.cancelled = true;
    }
  }

  private async assemble(epoch: number, b: number, indices: number[], token: CancelToken): Promise<Batch> {
    const { itemTfm, split, seed, batchTfm } = this.options;
    const n = indices.length;
    const job: RenderJob = {
      items: indices.map((index, slot) => ({ slot, index, path: this.item(index).path })),
      transform: itemTfm ? itemTfm.config : null,
      split,
      seed,
      stream: [STREAM_ITEM, this.splitKey(), epoch],
    };
    let height: number;
    let width: number;
    let images: Uint8Array;
    if (itemTfm) {
      [height, width] = itemTfm.size;
      images = await this.decoder.render(job, token);
    } else {
      const bases = await this.decoder.decode(job, token);
      ({ height, width } = sameSize(
        bases,
        indices.map((i) => this.item(i).path),
      ));
      images = new Uint8Array(n * height * width * 3);
      bases.forEach((base, slot) => images.set(base.data, slot * height * width * 3));
    }
    if (token.cancelled) throw new Cancelled();
    const batch: Batch = {
      images,
      shape: [n, height, width, 3],
      labels: Int32Array.from(indices, (i) => this.item(i).label),
    };
    const k = this.list[0]?.target?.length;
    if (k !== undefined) {
      const targets = new Float32Array(n * k);
      indices.forEach((index, slot) => {
        const target = this.item(index).target;
        if (target) targets.set(target, slot * k);
      });
      batch.targets = targets;
    }
    if (batchTfm) batch.augment = batchTfm.draw(n, height, width, new StreamRng(seed, STREAM_BATCH, this.splitKey(), epoch, b), split);
    return batch;
  }

  private item(index: number): LoaderItem {
    return this.list[index] as LoaderItem;
  }
}

function sameSize(bases: RawImage[], paths: string[]): { height: number; width: number } {
  const first = bases[0] as RawImage;
  bases.forEach((base, i) => {
    if (base.width !== first.width || base.height !== first.height) {
      throw new FasttuneError(
        `images of different sizes cannot be batched: ${paths[0]} is ${first.width}×${first.height}, ` +
          `${paths[i]} is ${base.width}×${base.height}; give an item transform, e.g. itemTfms: Resize(224)`,
        'E_ARG',
      );
    }
  });
  return { height: first.height, width: first.width };
}
