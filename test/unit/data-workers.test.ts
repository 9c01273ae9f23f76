// Decode worker threads: when they cannot start, decoding falls back to the calling thread.
import { describe, expect, it, vi } from 'vitest';
import { PoolDecoder } from '../../src/data/batch-decoder.js';
import { WorkerPool } from '../../src/data/pool.js';
import { ImageDataLoaders } from '../../src/data/dataloaders.js';
import { Resize } from '../../src/data/item-transforms.js';
import { tempDir, writeTree } from '../helpers/images.js';

describe('decode workers', () => {
  it('fall back to the calling thread, with one warning, when the worker module cannot load', async () => {
    const dir = await tempDir();
    const paths = await writeTree(dir, { imgs: 3 });
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      const pool = new WorkerPool(2, { url: new URL('file:///nonexistent/decode-worker.js'), execArgv: undefined });
      expect(await pool.ready()).toBe(false);
      const decoder = new PoolDecoder(pool, 1, { maxPixels: 1e8, cacheBytes: 1e8, slots: 2 });
      const tfm = Resize(8);
      const out = await decoder.render({
        items: paths.map((path, i) => ({ slot: i, index: i, path })),
        transform: tfm.config,
        split: 'valid',
        seed: 0,
        stream: [0],
      });
      expect(out.length).toBe(3 * 8 * 8 * 3);
      expect(decoder.workers).toBe(0);
      expect(decoder.cacheInfo().images).toBe(3);
      await vi.waitFor(() => expect(warnings.some((w) => /could not start; decoding on the main thread/.test(w))).toBe(true));
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe('batches from decode workers', () => {
  it('are plain Uint8Arrays (not over shared memory), which Node-API addons accept', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'train/a': 2, 'train/b': 2, 'valid/a': 1 });
    const dls = await ImageDataLoaders.fromFolder(dir, { bs: 2, itemTfms: Resize(8), decodeWorkers: 1, seed: 0 });
    const batch = await dls.train.oneBatch();
    expect(dls.decodeWorkers).toBeGreaterThan(0);
    expect(batch.images.buffer).toBeInstanceOf(ArrayBuffer);
    expect(batch.images.buffer).not.toBeInstanceOf(SharedArrayBuffer);
  });
});
