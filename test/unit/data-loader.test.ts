// Loaders: batching, drop-last, shuffling, determinism under a seed, batch transforms, prefetch,
// early stops and the decoded-image cache.
import { rename, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { augTransforms } from '../../src/augment/aug-transforms.js';
import type { AugmentParams, BatchTransform } from '../../src/augment/batch-transform.js';
import { imagenetStats, Normalize } from '../../src/augment/normalize.js';
import type { Rng } from '../../src/core/rng.js';
import { FasttuneError } from '../../src/core/errors.js';
import { ImageDataLoaders } from '../../src/data/dataloaders.js';
import { loadImage } from '../../src/data/load-image.js';
import { RandomResizedCrop, Resize } from '../../src/data/item-transforms.js';
import type { Batch, DataLoader } from '../../src/data/loader-contract.js';
import { tempDir, writeTree } from '../helpers/images.js';

/** A stand-in for augTransforms: records its calls, draws one number per image in training. */
function fakeAug(size: number): BatchTransform & { calls: Array<{ n: number; h: number; w: number; split: string }> } {
  return {
    name: 'fake',
    calls: [],
    draw(n: number, h: number, w: number, rng: Rng, split: 'train' | 'valid'): AugmentParams {
      this.calls.push({ n, h, w, split });
      return { size: [size, size], brightness: Float32Array.from({ length: n }, () => (split === 'train' ? rng.next() : 0)) };
    },
  };
}

async function epoch(dl: DataLoader): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of dl) out.push(b);
  return out;
}

const summary = (batches: Batch[]) =>
  batches.map((b) => ({
    shape: b.shape,
    labels: Array.from(b.labels),
    images: Buffer.from(b.images).toString('base64'),
    aug: Array.from(b.augment?.brightness ?? []),
  }));

let root: string;
beforeAll(async () => {
  root = await tempDir();
  await writeTree(root, { 'train/a': 4, 'train/b': 3, 'train/c': 2, 'valid/a': 2, 'valid/c': 1 });
});

describe('batches', () => {
  it('training drops the last partial batch, validation keeps it; bs defaults to 64', async () => {
    const dls = await ImageDataLoaders.fromFolder(root, { bs: 2, itemTfms: Resize(16), seed: 1 });
    expect([dls.train.length, dls.train.bs, dls.train.n]).toEqual([4, 2, 9]);
    expect([dls.valid.length, dls.valid.n]).toEqual([2, 3]);
    const train = await epoch(dls.train);
    expect(train.map((b) => b.shape)).toEqual(Array(4).fill([2, 16, 16, 3]));
    const valid = await epoch(dls.valid);
    expect(valid.map((b) => b.shape[0])).toEqual([2, 1]);
    expect(valid.flatMap((b) => Array.from(b.labels))).toEqual(dls.valid.items.map((i) => i.label));
    for (const b of train) expect(b.images).toBeInstanceOf(Uint8Array);
    const big = await tempDir();
    await writeTree(big, { 'train/x': 64, 'valid/x': 1 }, { width: 8, height: 8 });
    expect((await ImageDataLoaders.fromFolder(big, { itemTfms: Resize(8) })).train.bs).toBe(64);
  });

  it('shuffles training items afresh each epoch, never repeating one within an epoch', async () => {
    const dls = await ImageDataLoaders.fromFolder(root, { bs: 2, itemTfms: Resize(16), seed: 1 });
    const orders: string[][] = [];
    for (let e = 0; e < 3; e++) {
      const seen: number[][] = [];
      for await (const b of dls.train) seen.push(Array.from(b.labels));
      orders.push(seen.map((l) => l.join()));
    }
    expect(dls.train.epoch).toBe(3);
    expect(new Set(orders.map((o) => o.join('|'))).size).toBeGreaterThan(1);
  });

  it('puts each validation image in its slot as loadImage renders it (centre crop)', async () => {
    const dls = await ImageDataLoaders.fromFolder(root, { bs: 2, itemTfms: Resize(16), seed: 1 });
    const [first] = await epoch(dls.valid);
    const bytes = 16 * 16 * 3;
    for (let slot = 0; slot < 2; slot++) {
      const single = await loadImage(dls.valid.items[slot]!.path, { itemTfms: Resize(16) });
      expect(Buffer.from(first!.images.subarray(slot * bytes, (slot + 1) * bytes)).equals(Buffer.from(single.data))).toBe(true);
    }
  });

  it('validation batches are identical every epoch; training crops vary', async () => {
    const dls = await ImageDataLoaders.fromFolder(root, { bs: 3, itemTfms: Resize(16), seed: 5 });
    expect(summary(await epoch(dls.valid))).toEqual(summary(await epoch(dls.valid)));
    // unshuffled, so slots line up: the same images, cropped differently from one epoch to the next
    const ordered = dls.train.derive({ shuffle: false });
    const [a, b] = [await epoch(ordered), await epoch(ordered)];
    expect(a.map((x) => Array.from(x.labels))).toEqual(b.map((x) => Array.from(x.labels)));
    expect(summary(a)).not.toEqual(summary(b));
  });

  it('oneBatch shows the next epoch’s first batch without starting it', async () => {
    const dls = await ImageDataLoaders.fromFolder(root, { bs: 2, itemTfms: Resize(16), seed: 2 });
    const peek = await dls.train.oneBatch();
    expect(dls.train.epoch).toBe(0);
    const [first] = await epoch(dls.train);
    expect(summary([peek])).toEqual(summary([first!]));
  });
});

describe('determinism', () => {
  const load = (seed: number, extra: object = {}) => ImageDataLoaders.fromFolder(root, { bs: 2, itemTfms: Resize(16), batchTfms: fakeAug(12), seed, ...extra });

  it('the same seed gives the same files, order, crops and augment draws, whatever the concurrency', async () => {
    const slow = await load(7, { decodeSlots: 1, prefetch: 0, cacheBytes: 0, decodeWorkers: 0 });
    const fast = await load(7, { decodeSlots: 8, prefetch: 4 });
    await fast.train.oneBatch();
    expect([slow.decodeWorkers, fast.decodeWorkers]).toEqual([0, Math.min(4, Math.ceil(availableParallelism() / 4))]);
    for (let e = 0; e < 2; e++) {
      expect(summary(await epoch(fast.train))).toEqual(summary(await epoch(slow.train)));
      expect(summary(await epoch(fast.valid))).toEqual(summary(await epoch(slow.valid)));
    }
  });

  it('a different seed gives different batches', async () => {
    const a = summary(await epoch((await load(7)).train));
    const b = summary(await epoch((await load(8)).train));
    expect(a).not.toEqual(b);
  });

  it('RandomResizedCrop is deterministic under a seed too', async () => {
    const mk = (slots: number, workers?: number) =>
      ImageDataLoaders.fromFolder(root, { bs: 3, itemTfms: RandomResizedCrop(12, { minScale: 0.3 }), seed: 4, decodeSlots: slots, decodeWorkers: workers });
    const [x, y] = [await mk(1, 0), await mk(6)];
    expect(summary(await epoch(x.train))).toEqual(summary(await epoch(y.train)));
    const valid = await epoch(x.valid);
    expect(valid[0]!.shape).toEqual([3, 12, 12, 3]);
  });
});

describe('batch transforms and presizing', () => {
  it('attaches augment parameters drawn per batch, with the split, item size and batch size', async () => {
    const aug = fakeAug(16);
    const dls = await ImageDataLoaders.fromFolder(root, { bs: 4, itemTfms: Resize(24), batchTfms: [aug], seed: 3 });
    const [b] = await epoch(dls.train);
    expect(b!.shape).toEqual([4, 24, 24, 3]);
    expect(b!.augment?.size).toEqual([16, 16]);
    expect(aug.calls.at(-1)).toEqual({ n: 4, h: 24, w: 24, split: 'train' });
    const valid = await epoch(dls.valid);
    expect(aug.calls.at(-1)).toEqual({ n: 3, h: 24, w: 24, split: 'valid' });
    expect(Array.from(valid[0]!.augment!.brightness!)).toEqual([0, 0, 0]);
  });

  it('composes several batch transforms (affine matrices multiply)', async () => {
    const affine = (m: number[]): BatchTransform => ({
      name: 'affine',
      draw: (n) => ({ size: [8, 8], affine: Float32Array.from({ length: 9 * n }, (_, i) => m[i % 9]!) }),
    });
    const dls = await ImageDataLoaders.fromFolder(root, {
      bs: 2,
      itemTfms: Resize(16),
      batchTfms: [affine([2, 0, 0, 0, 2, 0, 0, 0, 1]), affine([1, 0, 0.5, 0, 1, 0, 0, 0, 1])],
      seed: 0,
    });
    const b = await dls.train.oneBatch();
    expect(Array.from(b.augment!.affine!.subarray(0, 9))).toEqual([2, 0, 1, 0, 2, 0, 0, 0, 1]);
    const clash = await ImageDataLoaders.fromFolder(root, { bs: 2, itemTfms: Resize(16), batchTfms: [fakeAug(8), fakeAug(8)] });
    await expect(clash.train.oneBatch()).rejects.toThrow(/both set brightness/);
  });

  it('passes normalization statistics along (ImageNet by default)', async () => {
    const dls = await ImageDataLoaders.fromFolder(root, { bs: 2, itemTfms: Resize(8) });
    expect(dls.normalize).toEqual({ mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
    expect((await ImageDataLoaders.fromFolder(root, { bs: 2, itemTfms: Resize(8), normalize: null })).normalize).toBeNull();
    const custom = { mean: [0.5, 0.5, 0.5] as [number, number, number], std: [0.25, 0.25, 0.25] as [number, number, number] };
    expect((await ImageDataLoaders.fromFolder(root, { bs: 2, itemTfms: Resize(8), normalize: custom })).normalize).toMatchObject(custom);
    await expect(ImageDataLoaders.fromFolder(root, { bs: 2, normalize: { mean: [1], std: [1] } as never })).rejects.toThrow(
      /fromFolder: expected 'imagenet', null, or \{ mean: \[r, g, b\], std: \[r, g, b\] \} with positive std for normalize but received an object/,
    );
  });

  it("takes fastai's batchTfms: [...augTransforms(), Normalize.fromStats(...)] as the loaders' normalization", async () => {
    const stats = Normalize.fromStats([0.5, 0.4, 0.3], [0.2, 0.25, 0.3]);
    const base = { bs: 2, itemTfms: Resize(16), seed: 0 };
    const dls = await ImageDataLoaders.fromFolder(root, { ...base, batchTfms: [augTransforms({ size: 8 }), stats] });
    expect(dls.normalize).toMatchObject({ mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3] });
    // the Normalize draws nothing: the batches are those of the augmentation alone
    const plain = await ImageDataLoaders.fromFolder(root, { ...base, batchTfms: augTransforms({ size: 8 }) });
    expect((await dls.train.oneBatch()).augment).toEqual((await plain.train.oneBatch()).augment);
    // alone, or with a normalize option that agrees
    expect((await ImageDataLoaders.fromFolder(root, { ...base, batchTfms: stats })).normalize).toBe(stats);
    const agreeing = { mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3] };
    expect((await ImageDataLoaders.fromFolder(root, { ...base, batchTfms: [stats], normalize: agreeing })).normalize).toMatchObject(agreeing);
    // two different normalizations are refused, naming both
    await expect(ImageDataLoaders.fromFolder(root, { ...base, batchTfms: [stats], normalize: 'imagenet' })).rejects.toThrow(
      /fromFolder: expected the statistics of the Normalize in batchTfms \(mean \[0.5, 0.4, 0.3\], std \[0.2, 0.25, 0.3\]\), or no normalize option for normalize but received 'mean \[0.485, 0.456, 0.406\], std \[0.229, 0.224, 0.225\]'/,
    );
    await expect(ImageDataLoaders.fromFolder(root, { ...base, batchTfms: [stats], normalize: null })).rejects.toThrow(/for normalize but received null/);
    const other = Normalize.fromStats(imagenetStats.mean, imagenetStats.std);
    await expect(ImageDataLoaders.fromFolder(root, { ...base, batchTfms: [stats, other] })).rejects.toThrow(/expected one Normalize .* for batchTfms/);
    const grey = Normalize.fromStats([0.5], [0.25]);
    await expect(ImageDataLoaders.fromFolder(root, { ...base, batchTfms: [grey] })).rejects.toThrow(
      /expected a Normalize with three channels \(r, g, b\) for batchTfms\[0\] but received 'a Normalize of 1 channel'/,
    );
  });

  it('pad and squish give the requested size; no item transform needs equal sizes', async () => {
    for (const method of ['pad', 'squish'] as const) {
      const dls = await ImageDataLoaders.fromFolder(root, { bs: 2, itemTfms: Resize([10, 20], { method }), seed: 0 });
      expect((await dls.train.oneBatch()).shape).toEqual([2, 10, 20, 3]);
    }
    const plain = await ImageDataLoaders.fromFolder(root, { bs: 2, seed: 0 });
    expect((await plain.valid.oneBatch()).shape).toEqual([2, 30, 40, 3]);
    const mixed = await tempDir();
    await writeTree(mixed, { 'train/a': 2, 'valid/a': 1 });
    await writeTree(mixed, { 'train/b': 1 }, { width: 20 });
    const dls = await ImageDataLoaders.fromFolder(mixed, { bs: 3, seed: 0 });
    await expect(dls.train.oneBatch()).rejects.toThrow(/images of different sizes cannot be batched: .* is \d+×\d+, .* is \d+×\d+; give an item transform/);
  });

  it('testDl: other files, validation transforms, label -1', async () => {
    const dls = await ImageDataLoaders.fromFolder(root, { bs: 2, itemTfms: Resize(16), seed: 0 });
    const files = dls.valid.items.map((i) => i.path);
    const test = dls.testDl(files, { bs: 3 });
    const [b] = await epoch(test);
    expect(Array.from(b!.labels)).toEqual([-1, -1, -1]);
    const [v] = await epoch(dls.valid.derive({ bs: 3 }));
    expect(Buffer.from(b!.images).equals(Buffer.from(v!.images))).toBe(true);
  });

  it('derive({ split: "train" }) gives validation items training transforms (TTA)', async () => {
    const dls = await ImageDataLoaders.fromFolder(root, { bs: 3, itemTfms: Resize(16), seed: 0 });
    const tta = dls.valid.derive({ split: 'train' });
    const plain = summary(await epoch(dls.valid));
    const runs = [summary(await epoch(tta)), summary(await epoch(tta))];
    expect(runs.some((r) => JSON.stringify(r) !== JSON.stringify(plain))).toBe(true);
    expect(runs[0]![0]!.labels).toEqual(plain[0]!.labels);
  });
});

describe('cache, prefetch and early stops', () => {
  it('later epochs are served from the cache (files no longer needed); without a cache they are read again', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'train/a': 3, 'train/b': 3, 'valid/a': 1 });
    const cached = await ImageDataLoaders.fromFolder(dir, { bs: 2, itemTfms: Resize(16), seed: 0 });
    const uncached = await ImageDataLoaders.fromFolder(dir, { bs: 2, itemTfms: Resize(16), seed: 0, cacheBytes: 0 });
    const first = summary(await epoch(cached.train));
    expect(summary(await epoch(uncached.train))).toEqual(first);
    await rename(join(dir, 'train'), join(dir, 'moved'));
    try {
      expect((await epoch(cached.train)).length).toBe(3);
      const err = await epoch(uncached.train).catch((e) => e);
      expect(err).toBeInstanceOf(FasttuneError);
      expect(err.message).toMatch(/Cannot read image .*train.*: no such file/);
    } finally {
      await rename(join(dir, 'moved'), join(dir, 'train'));
    }
  });

  it('a bounded cache keeps what fits (split evenly between decode workers)', async () => {
    const budget = 3 * 21 * 16 * 3; // three 21×16 base images
    const local = await ImageDataLoaders.fromFolder(root, { bs: 2, itemTfms: Resize(16), seed: 0, cacheBytes: budget, decodeWorkers: 0 });
    await epoch(local.train);
    expect(local.cached).toEqual({ images: 3, bytes: budget, maxBytes: budget });
    const pooled = await ImageDataLoaders.fromFolder(root, { bs: 2, itemTfms: Resize(16), seed: 0, cacheBytes: budget });
    await epoch(pooled.train);
    expect(pooled.decodeWorkers).toBeGreaterThan(0);
    const share = Math.floor(budget / pooled.decodeWorkers / (21 * 16 * 3));
    expect(pooled.cached.images).toBe(share * pooled.decodeWorkers);
    pooled.close();
    expect(pooled.cached.images).toBe(0);
    await expect(pooled.train.oneBatch()).rejects.toThrow(/were closed/);
  });

  it('stopping early leaves no unhandled failures behind; a bad file fails the epoch that reads it', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'train/a': 4, 'valid/a': 4 });
    await writeFile(join(dir, 'valid/a/zz_broken.png'), 'not a png');
    const dls = await ImageDataLoaders.fromFolder(dir, { bs: 1, itemTfms: Resize(8), prefetch: 8, seed: 0 });
    for await (const b of dls.valid) {
      expect(b.shape[0]).toBe(1);
      break; // the broken file is being decoded ahead
    }
    await new Promise((r) => setTimeout(r, 200));
    const err = await epoch(dls.valid).catch((e) => e);
    expect(err).toBeInstanceOf(FasttuneError);
    expect(err.code).toBe('E_IO');
    expect(err.message).toContain('zz_broken.png');
  });
});
