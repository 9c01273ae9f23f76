// The native window resampler against PIL's `crop(box).resize(size, BILINEAR)` (fastai's
// crop_pad + resize), test/reference/resample_windows.py: 60 seeded windows of a noise image,
// shrunk by up to 9× and enlarged by up to 3×, down to one pixel. Tolerance 0: same bytes.
import { describe, expect, it } from 'vitest';
import { nativeWindowResampler } from '../../src/data/native-image.js';
import { fixture } from '../helpers/fixtures.js';

const ref = fixture('resample_windows');
const source = ref.get('source');
const image = { width: source.shape[1]!, height: source.shape[0]!, data: source.data as Uint8Array };

interface Case {
  name: string;
  window: [number, number, number, number];
  size: [number, number];
}

describe('window resampling vs PIL, byte for byte', () => {
  const cases = ref.meta.cases as Case[];
  it.each(cases.map((c) => [`${c.name}: ${c.window.join(',')} → ${c.size.join('×')}`, c] as const))('%s', async (_name, c) => {
    const [left, top, width, height] = c.window;
    const got = await nativeWindowResampler()!(image, { left, top, width, height }, c.size[0], c.size[1]);
    const expected = ref.get(c.name);
    expect([c.size[1], c.size[0], 3]).toEqual(expected.shape);
    let max = 0;
    got.forEach((v, i) => (max = Math.max(max, Math.abs(v - Number(expected.data[i])))));
    expect(max).toBe(0);
  });
});
