// Out of GPU memory: a batch too large for the device fails with a clear error, and the same
// model and Learner then train at a smaller batch size as if the failed batch had never been
// tried. Skipped where LibTorch sees no GPU.
import { describe, expect, it } from 'vitest';
import { Learner, createVisionModel, imagenetStats, versions, type WeightsTensor } from '../../src/index.js';
import type { Batch, DataLoaders } from '../../src/data/loader-contract.js';
import { expectClose } from '../helpers/close.js';
import { FixedLoader } from '../helpers/fixed-loaders.js';
import { hypers } from '../helpers/model.js';

const cuda = versions().cuda;

/** `n` images of `size`² px with labels 0..4; deterministic pixels. */
function batchOf(n: number, size: number): Batch {
  const images = new Uint8Array(n * size * size * 3);
  for (let i = 0; i < images.length; i++) images[i] = (i * 2654435761) >>> 24;
  return { images, shape: [n, size, size, 3], labels: Int32Array.from({ length: n }, (_, i) => i % 5) };
}

/** Parameters only: BatchNorm statistics may have moved in the forward pass that failed. */
function parameters(state: WeightsTensor[]): number[] {
  return state.filter((t) => !/running_|num_batches/.test(t.name)).flatMap((t) => Array.from(t.data as ArrayLike<number>));
}

// ~6,000 ResNet-34 activations at 224 px need several hundred GiB: more than any one GPU has.
const HUGE = 6144;

describe.skipIf(!cuda)('out of GPU memory', () => {
  it('a too-large batch fails with a clear error; the model then trains as a fresh one at a small batch', async () => {
    using model = await createVisionModel({ nOut: 5, device: 'cuda', seed: 7 });
    using twin = await createVisionModel({ nOut: 5, device: 'cuda', seed: 7 });
    const failure = await model.trainStep(batchOf(HUGE, 224), hypers(1e-3)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(failure).toMatchObject({ code: 'E_TORCH' });
    expect((failure as Error).message).toMatch(/out of memory/i);
    // Not busy, not broken: a small step, like the twin that never saw the huge batch.
    const small = batchOf(8, 64);
    const loss = await model.trainStep(small, hypers(1e-3));
    const twinLoss = await twin.trainStep(small, hypers(1e-3));
    expect(Number.isFinite(loss)).toBe(true);
    expect(loss).toBeCloseTo(twinLoss, 4);
    expectClose(parameters(await model.stateDict()), parameters(await twin.stateDict()), { atol: 1e-5, rtol: 1e-4 }, 'parameters after the step');
  });

  it('a Learner whose batches do not fit rejects the fit with the error and then fits at a smaller batch size', async () => {
    const model = await createVisionModel({ nOut: 5, device: 'cuda', seed: 8 });
    const dls = (bs: number, size: number): DataLoaders => ({
      train: new FixedLoader([batchOf(bs, size)]),
      valid: new FixedLoader([batchOf(4, size)]),
      vocab: ['a', 'b', 'c', 'd', 'e'],
      c: 5,
      normalize: imagenetStats,
    });
    try {
      const big = new Learner(dls(HUGE, 224), model, { progress: false });
      await expect(big.fit(1, 1e-3)).rejects.toThrow(/out of memory/i);
      const small = new Learner(dls(16, 64), model, { progress: false });
      await small.fit(2, 1e-3);
      expect(small.recorder.values.map((row) => row[0])).toHaveLength(2);
      expect(small.recorder.values.every((row) => row.every((v) => Number.isFinite(v)))).toBe(true);
    } finally {
      model.dispose();
    }
  });
});
