// Statistics of augTransforms' draws under a seeded Rng: probabilities, ranges, validation.
import { describe, expect, it } from 'vitest';
import { augTransforms, Brightness, Contrast, type AugmentParams, type AugTransformsOptions, RandomResizedCropGPU, Rotate } from '../../src/index.js';
import { replayRng, seededRng } from '../helpers/rng.js';

const N = 20000;
const NONE: AugTransformsOptions = { doFlip: false, maxRotate: 0, maxWarp: 0, maxZoom: 1, maxLighting: 0 };

function drawTrain(options: AugTransformsOptions, n = N, h = 32, w = 32, seed = 1): AugmentParams {
  return augTransforms(options).draw(n, h, w, seededRng(seed), 'train');
}

/** Asserts a Bernoulli frequency is within 5 standard deviations of p. */
function expectFraction(count: number, n: number, p: number, what: string): void {
  const sigma = Math.sqrt((p * (1 - p)) / n);
  expect(Math.abs(count / n - p), `${what}: ${count}/${n} vs ${p}`).toBeLessThan(5 * sigma);
}

function count(n: number, pred: (i: number) => boolean): number {
  let c = 0;
  for (let i = 0; i < n; i++) if (pred(i)) c++;
  return c;
}

const at = (a: Float32Array | undefined, i: number, k: number, per = 9): number => a![i * per + k]!;
const isIdentity = (a: Float32Array, i: number): boolean => [1, 0, 0, 0, 1, 0, 0, 0, 1].every((v, k) => a[i * 9 + k] === v);

describe('augTransforms draws', () => {
  it('flips half of the images, and nothing else when the rest is off', () => {
    const { affine, warp, brightness, contrast } = drawTrain({ ...NONE, doFlip: true });
    expectFraction(
      count(N, (i) => at(affine, i, 0) === -1),
      N,
      0.5,
      'flipped',
    );
    expect(count(N, (i) => at(affine, i, 0) === -1 || isIdentity(affine!, i))).toBe(N);
    expect(warp).toBeUndefined();
    expect(brightness).toBeUndefined();
    expect(contrast).toBeUndefined();
  });

  it('rotates with pAffine, uniformly within ±maxRotate·mult', () => {
    const { affine } = drawTrain({ ...NONE, maxRotate: 10, mult: 1.5 });
    const angles = Array.from({ length: N }, (_, i) => (Math.atan2(at(affine, i, 1), at(affine, i, 0)) * 180) / Math.PI);
    const rotated = angles.filter((a) => a !== 0);
    expectFraction(rotated.length, N, 0.75, 'rotated');
    expect(Math.max(...rotated.map(Math.abs))).toBeLessThanOrEqual(15 + 1e-4);
    expect(Math.max(...rotated.map(Math.abs))).toBeGreaterThan(14.9);
    expectFraction(rotated.filter((a) => Math.abs(a) < 7.5).length, rotated.length, 0.5, 'half within ±7.5°');
    expectFraction(rotated.filter((a) => a > 0).length, rotated.length, 0.5, 'positive');
  });

  it('zooms with pAffine by 1/U(minZoom, maxZoom), the window staying inside the image', () => {
    const { affine } = drawTrain({ ...NONE, minZoom: 1, maxZoom: 1.1 });
    const scales = Array.from({ length: N }, (_, i) => at(affine, i, 0));
    expectFraction(scales.filter((s) => s !== 1).length, N, 0.75, 'zoomed');
    const outside = count(N, (i) => {
      const s = scales[i]!;
      const inside = s >= 1 / 1.1 - 1e-6 && s <= 1 && Math.abs(at(affine, i, 2)) + s <= 1 + 1e-6 && Math.abs(at(affine, i, 5)) + s <= 1 + 1e-6;
      return !inside;
    });
    expect(outside).toBe(0);
  });

  it('warps each axis with pAffine: both axes untouched for (1 − pAffine)² of the images', () => {
    const { warp } = drawTrain({ ...NONE, maxWarp: 0.2 });
    const identity = [1, 0, 0, 0, 1, 0, 0, 0];
    const untouched = count(N, (i) => identity.every((v, k) => Math.abs(at(warp, i, k, 8) - v) < 1e-7));
    expectFraction(untouched, N, 0.0625, 'not warped');
  });

  it('changes brightness and contrast independently with pLighting, within maxLighting', () => {
    const { brightness, contrast, affine } = drawTrain({ ...NONE, maxLighting: 0.2, pLighting: 0.6 });
    const lit = (i: number): [boolean, boolean] => [brightness![i] !== 0, contrast![i] !== 1];
    expectFraction(
      count(N, (i) => lit(i)[0]),
      N,
      0.6,
      'brightness',
    );
    expectFraction(
      count(N, (i) => lit(i)[1]),
      N,
      0.6,
      'contrast',
    );
    expectFraction(
      count(N, (i) => lit(i)[0] && lit(i)[1]),
      N,
      0.36,
      'both',
    );
    const logit = (p: number): number => Math.log(p / (1 - p));
    const wrong = count(N, (i) => {
      const inside = Math.abs(brightness![i]!) <= logit(0.6) + 1e-6 && Math.abs(Math.log(contrast![i]!)) <= -Math.log(0.8) + 1e-6;
      return !inside;
    });
    expect(wrong).toBe(0);
    expect(affine, 'no geometry drawn').toBeUndefined();
  });

  it('with flipVert draws one of the 8 symmetries of the square, identity for p = 0.5 + 0.5/8', () => {
    const { affine } = drawTrain({ ...NONE, doFlip: true, flipVert: true });
    const kinds = new Map<string, number>();
    for (let i = 0; i < N; i++) {
      const key = [0, 1, 3, 4].map((k) => at(affine, i, k)).join(',');
      kinds.set(key, (kinds.get(key) ?? 0) + 1);
    }
    expect(kinds.size).toBe(8);
    expectFraction(kinds.get('1,0,0,1')!, N, 0.5 + 0.5 / 8, 'identity');
    for (const [key, c] of kinds) if (key !== '1,0,0,1') expectFraction(c, N, 0.5 / 8, key);
  });

  it('with batch: one draw for the whole batch', () => {
    const params = drawTrain({ batch: true }, 16, 40, 60, 7);
    for (const [field, per] of [
      ['affine', 9],
      ['warp', 8],
      ['brightness', 1],
      ['contrast', 1],
    ] as const) {
      const a = params[field]!;
      for (let i = 1; i < 16; i++) expect(Array.from(a.subarray(i * per, i * per + per)), field).toEqual(Array.from(a.subarray(0, per)));
    }
  });

  it('crops one square window per batch with area ≥ minScale, resized to size', () => {
    const tfm = augTransforms({ ...NONE, size: 24, minScale: 0.5 });
    for (let seed = 0; seed < 200; seed++) {
      const { affine, size } = tfm.draw(4, 100, 100, seededRng(seed), 'train');
      expect(size).toEqual([24, 24]);
      const side = affine![0]! * 99 + 1;
      expect(affine![4]).toBeCloseTo(affine![0]!, 12);
      expect(side).toBeGreaterThanOrEqual(Math.round(Math.sqrt(0.5) * 100) - 1e-9);
      expect(side).toBeLessThanOrEqual(100 + 1e-9);
      for (let i = 1; i < 4; i++) expect(Array.from(affine!.subarray(i * 9, i * 9 + 9))).toEqual(Array.from(affine!.subarray(0, 9)));
    }
  });

  it('is deterministic under a seed', () => {
    const a = drawTrain({}, 64, 40, 60, 42);
    const b = drawTrain({}, 64, 40, 60, 42);
    const c = drawTrain({}, 64, 40, 60, 43);
    expect(b).toEqual(a);
    expect(c.affine).not.toEqual(a.affine);
  });
});

describe('validation draws', () => {
  it('are identity with no lighting and consume no randomness', () => {
    const rng = seededRng(3);
    const params = augTransforms({ maxZoom: 2, maxLighting: 0.5 }).draw(8, 40, 60, rng, 'valid');
    expect(rng.used).toBe(0);
    expect(params).toEqual({ size: [40, 60], mode: 'bilinear', padMode: 'reflection', alignCorners: true });
  });

  it('keep only the resize to size', () => {
    const params = augTransforms({ size: [24, 32], mode: 'nearest', padMode: 'zeros', alignCorners: false }).draw(2, 40, 60, seededRng(0), 'valid');
    expect(params).toEqual({ size: [24, 32], mode: 'nearest', padMode: 'zeros', alignCorners: false });
  });

  it('take the centred square crop with minScale < 1', () => {
    const rng = seededRng(3);
    const { affine, size } = augTransforms({ size: 16, minScale: 0.3 }).draw(3, 40, 60, rng, 'valid');
    expect(rng.used).toBe(0);
    expect(size).toEqual([16, 16]);
    // The 40 × 40 window at columns 10..49: scale 39/59 and offset (2·10 + 39)/59 − 1 on x.
    const expected = [39 / 59, 0, (2 * 10 + 39) / 59 - 1, 0, 1, 0, 0, 0, 1];
    for (let i = 0; i < 3; i++) {
      expect(
        Array.from(affine!.subarray(i * 9, i * 9 + 9))
          .map((v, k) => v - expected[k]!)
          .every((d) => Math.abs(d) < 1e-7),
      ).toBe(true);
    }
  });
});

describe('xtraTfms', () => {
  it('adds pieces after the standard ones', () => {
    const { affine } = drawTrain({ ...NONE, xtraTfms: [Rotate({ maxDeg: 30, p: 1 })] }, 2000);
    const angles = Array.from({ length: 2000 }, (_, i) => Math.abs((Math.atan2(at(affine, i, 1), at(affine, i, 0)) * 180) / Math.PI));
    expect(angles.every((a) => a > 0 && a <= 30 + 1e-4)).toBe(true);
    expect(Math.max(...angles)).toBeGreaterThan(29);
  });

  it('composes lighting in order: contrast then brightness is (y + b/c)·c', () => {
    const u = [0.9, 0.25];
    const params = augTransforms({ ...NONE, xtraTfms: [Contrast({ p: 1 }), Brightness({ p: 1 })] }).draw(1, 8, 8, replayRng(u), 'train');
    const c = Math.exp(Math.log(0.8) + u[0]! * -2 * Math.log(0.8));
    const p = 0.4 + u[1]! * 0.2;
    const b = Math.log(p / (1 - p));
    expect(params.contrast![0]).toBeCloseTo(c, 6);
    expect(params.brightness![0]).toBeCloseTo(b / c, 6);
  });

  it('folds a RandomResizedCropGPU after a resize to size', () => {
    const tfm = augTransforms({ ...NONE, size: 50, xtraTfms: [RandomResizedCropGPU(20, { minScale: 1, ratio: [1, 1] })] });
    const { affine, size } = tfm.draw(1, 80, 120, seededRng(0), 'train');
    expect(size).toEqual([20, 20]);
    // The crop of a 50 × 50 stage with area fraction 1 is the whole stage.
    expect(Array.from(affine!)).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
  });
});
