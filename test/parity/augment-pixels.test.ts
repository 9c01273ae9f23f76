// The native resample + lighting vs fastai's batch transforms in PyTorch, for fixed parameters
// (test/reference/augment_pixels.py).
import { describe, expect, it } from 'vitest';
import { applyAugment, type AugmentParams, type PadMode, type ResampleMode } from '../../src/index.js';
import { expectClose } from '../helpers/close.js';
import { fixture } from '../helpers/fixtures.js';

interface Case {
  name: string;
  shape: [number, number, number, number];
  size: [number, number];
  mode: ResampleMode;
  padMode: PadMode;
  alignCorners: boolean;
  fields: Array<'affine' | 'warp' | 'brightness' | 'contrast'>;
  atol: number;
}

const reference = fixture('augment_pixels', 'pixels');
const cases = reference.meta.cases as Case[];

function paramsOf(c: Case): AugmentParams {
  const params: AugmentParams = { size: c.size, mode: c.mode, padMode: c.padMode, alignCorners: c.alignCorners };
  for (const field of c.fields) params[field] = reference.get(`${c.name}.${field}`).data as Float32Array;
  return params;
}

describe('augmentBatch matches PyTorch', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const images = reference.get(`${c.name}.images`).data as Uint8Array;
    const out = await applyAugment({ images, shape: c.shape, augment: paramsOf(c) }, { float: true });
    const expected = reference.get(`${c.name}.expected`).data as Float32Array;
    expect(out.shape).toEqual([c.shape[0], c.size[0], c.size[1], 3]);
    expectClose(out.float!, expected, { atol: c.atol, rtol: 0 }, `${c.name} float`);
    // Rounding to uint8 may flip a value that sits on a .5 boundary.
    expectClose(out.images, reference.get(`${c.name}.expected_u8`).data as Uint8Array, { atol: 1, rtol: 0 }, `${c.name} uint8`);
  });

  it('returns the pixels unchanged without augmentation parameters', async () => {
    const c = cases[0]!;
    const images = reference.get(`${c.name}.images`).data as Uint8Array;
    const out = await applyAugment({ images, shape: c.shape });
    expect(out.shape).toEqual(c.shape);
    expect(out.images).toEqual(images);
    expect(out.float).toBeUndefined();
  });
});
