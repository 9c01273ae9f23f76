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
    await expectRejects(
      applyAugment({ images: [1, 2] as never, shape }),
      'E_ARG',
      /applyAugment: expected a Uint8Array for batch.images but received \[1, 2\]/,
    );
    await expectRejects(
      applyAugment({ images, shape: [2, 8, 10] as never }),
      'E_ARG',
      /applyAugment: expected \[n, height, width, channels\] of positive integers for batch.shape but received \[2, 8, 10\]/,
    );
    await expectRejects(
      applyAugment({ images: images.subarray(1), shape }),
      'E_ARG',
      /expected a Uint8Array of 480 bytes \(shape \[2, 8, 10, 3\]\) for batch.images but received a Uint8Array of 479/,
    );
    await expectRejects(
      applyAugment({ images, shape, augment: { size: [4, 4], affine: new Float32Array(9) } }),
      'E_ARG',
      /applyAugment: expected a Float32Array of 2 × 9 values for batch.augment.affine but received a Float32Array of 9/,
    );
    await expectRejects(
      applyAugment({ images, shape, augment: { size: [0, 4] } }),
      'E_ARG',
      /applyAugment: expected a positive integer or \[height, width\] of positive integers for batch.augment.size but received \[0, 4\]/,
    );
    await expectRejects(
      applyAugment({ images, shape, augment: { size: [4, 4], mode: 'area' as never } }),
      'E_ARG',
      /applyAugment: expected one of 'bilinear', 'nearest', 'bicubic' for batch.augment.mode but received 'area'/,
    );
    await expectRejects(
      applyAugment({ images, shape }, { device: 'gpu' }),
      'E_ARG',
      /applyAugment: expected 'cpu', 'cuda', 'cuda:N' or 'auto' for options.device but received 'gpu'/,
    );
  });

  it('keeps the native guards for callers that skip the TypeScript checks', async () => {
    const raw = native();
    expect(() => raw.augmentBatch(images, shape, { size: [4, 4], warp: new Float32Array(3) }, {})).toThrow(/augment.warp: shape needs 16 values, got 3/);
    expect(() => raw.augmentBatch(images, shape, { size: [4, 4], padMode: 'wrap' as never }, {})).toThrow(/augment.padMode is not one of the supported values/);
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
