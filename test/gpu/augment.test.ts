// The device augmentation on CUDA vs the PyTorch CPU reference (skipped without CUDA).
import { describe, expect, it } from 'vitest';
import { applyAugment, type AugmentParams, versions } from '../../src/index.js';
import { expectClose } from '../helpers/close.js';
import { fixture } from '../helpers/fixtures.js';

interface Case {
  name: string;
  shape: [number, number, number, number];
  size: [number, number];
  mode: AugmentParams['mode'];
  padMode: AugmentParams['padMode'];
  alignCorners: boolean;
  fields: Array<'affine' | 'warp' | 'brightness' | 'contrast'>;
}

describe.skipIf(!versions().cuda)('augmentBatch on CUDA', () => {
  const reference = fixture('augment_pixels', 'pixels');
  it.each((reference.meta.cases as Case[]).map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const augment: AugmentParams = { size: c.size, mode: c.mode, padMode: c.padMode, alignCorners: c.alignCorners };
    for (const field of c.fields) augment[field] = reference.get(`${c.name}.${field}`).data as Float32Array;
    const images = reference.get(`${c.name}.images`).data as Uint8Array;
    const out = await applyAugment({ images, shape: c.shape, augment }, { device: 'cuda', float: true });
    expect(out.shape).toEqual([c.shape[0], c.size[0], c.size[1], 3]);
    // CUDA kernels round differently from the CPU ones (fused multiply-adds, other sum orders).
    expectClose(out.float!, reference.get(`${c.name}.expected`).data as Float32Array, { atol: 1e-4, rtol: 0 }, c.name);
  });
});
