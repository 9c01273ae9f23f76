// JPEGs through the native decoder against fastai's PIL path (test/reference/jpeg_bases.py):
// libjpeg decodes both sides and the base is resampled with Pillow's arithmetic, so the pixels
// must be equal, byte for byte (tolerance 0), for every kind of JPEG the reference writes:
// grey, progressive, 4:4:4, all EXIF orientations, shrink-on-load, upsampling, no resampling.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadImage } from '../../src/data/load-image.js';
import { Resize } from '../../src/data/item-transforms.js';
import { nativeJpegDecoder } from '../../src/data/native-image.js';
import { fixture, fixturesDir } from '../helpers/fixtures.js';

const ref = fixture('jpeg_bases');

interface Case {
  name: string;
  file: string;
  transform: 'crop' | 'squish' | null;
  size: [number, number] | null;
  shrinkOnLoad: number;
}

function maxDiff(a: Uint8Array, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

describe('JPEG bases vs fastai/PIL, byte for byte', () => {
  it('the native decoder is built in', () => {
    expect(nativeJpegDecoder()).not.toBeNull();
  });

  const cases = ref.meta.cases as Case[];
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const path = join(fixturesDir, 'jpeg_bases', c.file);
    const itemTfms = c.transform ? Resize(c.size!, { method: c.transform }) : undefined;
    const expected = ref.get(c.name);
    for (const input of [path, readFileSync(path)]) {
      const got = await loadImage(input, { itemTfms, split: 'valid' });
      expect([got.height, got.width, 3]).toEqual(expected.shape);
      expect(maxDiff(got.data, expected.data as ArrayLike<number>)).toBe(0);
    }
  });
});
