// In-memory DataLoaders for Learner tests: small RGB images of coloured noise, one mean colour
// per class, reproducible from a seed.
import { type Shard, shardLength, shardOrder } from '../../src/data/shard.js';
import type { Batch, DataLoader, DataLoaders } from '../../src/data/loader-contract.js';

/** mulberry32: a tiny seeded generator, uniform in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Item {
  image: Uint8Array;
  label: number;
}

/** Loads fixed items in batches; the training loader shuffles each pass and drops the last partial batch. */
export class MemoryDataLoader implements DataLoader {
  readonly length: number;
  /** How many passes were started (an aborted pass counts). */
  passes = 0;
  private readonly random: () => number;

  constructor(
    readonly items: readonly Item[],
    readonly bs: number,
    readonly size: number,
    private readonly order: { shuffle: boolean; dropLast: boolean; seed?: number; shard?: Shard },
  ) {
    const n = this.n;
    this.length = order.dropLast ? Math.floor(n / bs) : Math.ceil(n / bs);
    this.random = rng(order.seed ?? 1);
  }

  get n(): number {
    return this.order.shard ? shardLength(this.items.length, this.order.shard.worldSize) : this.items.length;
  }

  /** The same items with one rank's share of each pass (data parallel). */
  derive(changes: { shard?: Shard }): MemoryDataLoader {
    return new MemoryDataLoader(this.items, this.bs, this.size, { ...this.order, ...changes });
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Batch> {
    this.passes += 1;
    let order = this.items.map((_, i) => i);
    if (this.order.shuffle) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(this.random() * (i + 1));
        [order[i], order[j]] = [order[j] as number, order[i] as number];
      }
    }
    if (this.order.shard) order = shardOrder(order, this.order.shard);
    const pixels = this.size * this.size * 3;
    for (let b = 0; b < this.length; b++) {
      const idx = order.slice(b * this.bs, (b + 1) * this.bs);
      const images = new Uint8Array(idx.length * pixels);
      idx.forEach((k, r) => images.set((this.items[k] as Item).image, r * pixels));
      yield {
        images,
        shape: [idx.length, this.size, this.size, 3],
        labels: Int32Array.from(idx, (k) => (this.items[k] as Item).label),
      };
    }
  }
}

export interface NoiseDataOptions {
  nTrain?: number;
  nValid?: number;
  bs?: number;
  classes?: number;
  size?: number;
  /** Pixel noise amplitude around the class colour (0..255). */
  noise?: number;
  seed?: number;
}

/** Coloured-noise images: class k has its own mean colour; a linear model can learn them. */
export function noiseDataLoaders({ nTrain = 64, nValid = 32, bs = 8, classes = 3, size = 4, noise = 90, seed = 42 }: NoiseDataOptions = {}): DataLoaders & {
  train: MemoryDataLoader;
  valid: MemoryDataLoader;
} {
  const random = rng(seed);
  const colours = Array.from({ length: classes }, () => [random() * 255, random() * 255, random() * 255]);
  const make = (n: number): Item[] =>
    Array.from({ length: n }, (_, i) => {
      const label = i % classes;
      const colour = colours[label] as number[];
      const image = new Uint8Array(size * size * 3);
      for (let p = 0; p < image.length; p++) {
        const v = (colour[p % 3] as number) + (random() * 2 - 1) * noise;
        image[p] = Math.max(0, Math.min(255, Math.round(v)));
      }
      return { image, label };
    });
  return {
    train: new MemoryDataLoader(make(nTrain), bs, size, { shuffle: true, dropLast: true, seed }),
    valid: new MemoryDataLoader(make(nValid), bs, size, { shuffle: false, dropLast: false }),
    vocab: Array.from({ length: classes }, (_, k) => `class${k}`),
    c: classes,
  };
}

/**
 * Loaders of `trainBatches` and `validBatches` batches of `bs` blank 1-pixel images (for
 * schedule and loop tests); `validLabels` fixes the validation batches (sizes and targets).
 */
export function blankDataLoaders(
  trainBatches: number,
  validBatches = 1,
  { bs = 2, classes = 2, validLabels }: { bs?: number; classes?: number; validLabels?: Int32Array[] } = {},
) {
  const items = (n: number): Item[] => Array.from({ length: n }, (_, i) => ({ image: new Uint8Array(3), label: i % classes }));
  return {
    train: new MemoryDataLoader(items(trainBatches * bs), bs, 1, { shuffle: false, dropLast: true }),
    valid: validLabels ? new LabelledLoader(validLabels) : new MemoryDataLoader(items(validBatches * bs), bs, 1, { shuffle: false, dropLast: false }),
    vocab: Array.from({ length: classes }, (_, k) => `class${k}`),
    c: classes,
  };
}

/** A loader of blank images whose batches carry the given labels (sizes follow). */
export class LabelledLoader implements DataLoader {
  readonly length: number;
  readonly bs: number;
  readonly n: number;

  constructor(readonly labels: readonly Int32Array[]) {
    this.length = labels.length;
    this.bs = Math.max(...labels.map((l) => l.length));
    this.n = labels.reduce((s, l) => s + l.length, 0);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Batch> {
    for (const labels of this.labels) {
      yield { images: new Uint8Array(labels.length * 3), shape: [labels.length, 1, 1, 3], labels };
    }
  }
}
