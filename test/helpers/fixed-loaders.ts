// DataLoaders over fixed batches (the same order every pass, no augmentation): what the PyTorch
// replica of test/reference/vision_learner.py iterates.
import { imagenetStats } from '../../src/index.js';
import type { Batch, DataLoader, DataLoaders } from '../../src/data/loader-contract.js';
import type { Fixture } from './fixtures.js';

export class FixedLoader implements DataLoader {
  readonly bs: number;
  readonly n: number;

  constructor(readonly batches: readonly Batch[]) {
    this.bs = batches[0]?.labels.length ?? 0;
    this.n = batches.reduce((sum, b) => sum + b.labels.length, 0);
  }

  get length(): number {
    return this.batches.length;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Batch> {
    for (const batch of this.batches) yield batch;
  }
}

function batchesOf(f: Fixture, split: 'train' | 'valid', count: number): Batch[] {
  return Array.from({ length: count }, (_, i) => {
    const images = f.get(`${split}${i}.images`);
    return {
      images: images.data as Uint8Array,
      shape: images.shape as Batch['shape'],
      labels: f.get(`${split}${i}.labels`).data as Int32Array,
    };
  });
}

/** The reference's training and validation batches as DataLoaders (ImageNet normalization). */
export function fixedDataLoaders(f: Fixture): DataLoaders {
  const nOut = f.meta.nOut as number;
  return {
    train: new FixedLoader(batchesOf(f, 'train', f.meta.nTrain as number)),
    valid: new FixedLoader(batchesOf(f, 'valid', f.meta.nValid as number)),
    vocab: Array.from({ length: nOut }, (_, i) => `class${i}`),
    c: nOut,
    normalize: imagenetStats,
  };
}
