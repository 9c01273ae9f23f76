// Item-transformed pixels against fastai's PIL path (test/reference/data_pixels.py) on a smooth
// synthetic image. Geometry is exact elsewhere (data-geometry.test.ts); pixels cannot be: sharp
// resamples the whole image once (libvips, triangle filter) and crops, fastai crops and resamples
// (Pillow's bilinear). On a smooth image the two agree to about one grey level on average.
// With zero padding, PIL resamples the padded image and so blends the seam between image and
// black over a pixel; we pad after resampling and keep it sharp. That seam is left out below.
// RandomResizedCrop's training window is resampled natively with Pillow's arithmetic from a base
// that is the lossless source itself, so that case must match exactly.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Rng } from '../../src/core/rng.js';
import type { PadMode } from '../../src/augment/batch-transform.js';
import type { ResizeMethod } from '../../src/data/item-geometry.js';
import { loadImage } from '../../src/data/load-image.js';
import { RandomResizedCrop, Resize } from '../../src/data/item-transforms.js';
import { fixture, fixturesDir } from '../helpers/fixtures.js';

const ref = fixture('data_pixels');
const source = join(fixturesDir, 'data_pixels', ref.meta.source as string);

interface Case {
  name: string;
  transform: 'Resize' | 'RandomResizedCrop';
  size: [number, number];
  method?: ResizeMethod;
  padMode?: PadMode;
  draws: number[];
  window: [number, number, number, number];
}

/** Output pixels within a pixel of where the image meets zero padding (see above). */
function seam(c: Case, width: number, height: number, sourceW: number, sourceH: number): (x: number, y: number) => boolean {
  if (c.padMode !== 'zeros') return () => false;
  const [left, top, cw, ch] = c.window;
  const edges = (offset: number, extent: number, window: number, out: number) => [(-offset * out) / window, ((extent - offset) * out) / window];
  const xs = edges(left, sourceW, cw, width);
  const ys = edges(top, sourceH, ch, height);
  return (x, y) => xs.some((e) => Math.abs(x + 0.5 - e) < 1.5) || ys.some((e) => Math.abs(y + 0.5 - e) < 1.5);
}

function replay(draws: number[]): Rng {
  let i = 0;
  return { next: () => draws[i++] ?? Number.NaN };
}

/** Stated tolerances, in grey levels of 0–255: mean |diff| and the 99.9th percentile |diff|. */
const MEAN_TOL = 1.0;
const P999_TOL = 6;
const EXACT = new Set(['rrc_train']);

describe('item-transformed pixels vs fastai/PIL on a smooth image', () => {
  const cases = ref.meta.cases as Case[];
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const train = c.draws.length > 0 && !c.name.endsWith('_valid');
    const tfm = c.transform === 'Resize' ? Resize(c.size, { method: c.method ?? 'crop', padMode: c.padMode ?? 'reflection' }) : RandomResizedCrop(c.size);
    const got = await loadImage(source, { itemTfms: tfm, split: train ? 'train' : 'valid', rng: replay(c.draws) });
    const expected = ref.get(c.name);
    expect([got.height, got.width, 3]).toEqual(expected.shape);
    const onSeam = seam(c, got.width, got.height, 400, 300);
    const diffs: number[] = [];
    got.data.forEach((v, i) => {
      const pixel = Math.floor(i / 3);
      if (!onSeam(pixel % got.width, Math.floor(pixel / got.width))) diffs.push(Math.abs(v - (expected.data[i] as number)));
    });
    diffs.sort((a, b) => a - b);
    const mean = diffs.reduce((s, d) => s + d, 0) / diffs.length;
    const p999 = diffs[Math.floor(diffs.length * 0.999)] as number;
    console.log(`${c.name}: ${diffs.length} values, mean |diff| ${mean.toFixed(3)}, p99.9 ${p999}, max ${diffs[diffs.length - 1]}`);
    expect(mean).toBeLessThan(MEAN_TOL);
    expect(p999).toBeLessThanOrEqual(P999_TOL);
    if (EXACT.has(c.name)) expect(diffs[diffs.length - 1]).toBe(0);
  });
});
