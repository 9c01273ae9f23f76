// applyAugment / augmentBatch: bad input becomes a FasttuneError, never a crash.
import { describe, expect, it } from 'vitest';
import { applyAugment, augTransforms, FasttuneError, versions } from '../../src/index.js';
import { native } from '../../src/native.js';
import { seededRng } from '../helpers/rng.js';

const shape: [number, number, number, number] = [2, 8, 10, 3];
const images = new Uint8Array(2 * 8 * 10 * 3).map((_, i) => (i * 37) % 256);

async function expectRejects(job: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const error = await job.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FasttuneError);
  expect((error as FasttuneError).code).toBe(code);
  expect((error as Error).message).toMatch(message);
}

describe('applyAugment input checks', () => {
  it('names the bad field of the batch', async () => {
    await expectRejects(applyAugment({ images: [1, 2] as never, shape }), 'E_ARG', /batch.images must be a Uint8Array/);
    await expectRejects(applyAugment({ images, shape: [2, 8, 10] as never }), 'E_ARG', /batch.shape must be \[n, height, width, channels\]/);
    await expectRejects(applyAugment({ images: images.subarray(1), shape }), 'E_ARG', /has 479 bytes but shape \[2,8,10,3\] needs 480/);
    await expectRejects(
      applyAugment({ images, shape, augment: { size: [4, 4], affine: new Float32Array(9) } }),
      'E_ARG',
      /batch.augment.affine must be a Float32Array of 2 × 9 values, got 9 values/,
    );
    await expectRejects(applyAugment({ images, shape, augment: { size: [0, 4] } }), 'E_ARG', /batch.augment.size must be/);
    await expectRejects(applyAugment({ images, shape, augment: { size: [4, 4], mode: 'area' as never } }), 'E_ARG', /batch.augment.mode must be one of/);
    await expectRejects(applyAugment({ images, shape }, { device: 'gpu' }), 'E_ARG', /options.device must be 'cpu', 'cuda', 'cuda:N' or 'auto', got 'gpu'/);
  });

  it('keeps the native guards for callers that skip the TypeScript checks', async () => {
    const raw = native();
    expect(() => raw.augmentBatch(images, shape, { size: [4, 4], warp: new Float32Array(3) }, {})).toThrow(
      /augment.warp: shape needs 16 values, got 3/,
    );
    expect(() => raw.augmentBatch(images, shape, { size: [4, 4], padMode: 'wrap' as never }, {})).toThrow(
      /augment.padMode is not one of the supported values/,
    );
    expect(() => raw.augmentBatch(new Float32Array(4) as never, shape, undefined, {})).toThrow(/images must be a Uint8Array/);
  });

  it.skipIf(versions().cuda)('reports a missing CUDA device as a LibTorch error', async () => {
    await expectRejects(applyAugment({ images, shape }, { device: 'cuda' }), 'E_TORCH', /CUDA|cuda/);
  });
});

describe('applyAugment', () => {
  it('resizes a drawn training batch to size', async () => {
    const augment = augTransforms({ size: [6, 5] }).draw(2, 8, 10, seededRng(1), 'train');
    const out = await applyAugment({ images, shape, augment }, { float: true });
    expect(out.shape).toEqual([2, 6, 5, 3]);
    expect(out.images.length).toBe(2 * 6 * 5 * 3);
    expect(out.float!.length).toBe(2 * 3 * 6 * 5);
    expect(out.float!.every((v) => v >= 0 && v <= 1)).toBe(true);
  });
});
