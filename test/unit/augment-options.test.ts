// Nonsense options fail early with a FasttuneError that names the option.
import { describe, expect, it } from 'vitest';
import {
  augTransforms,
  Brightness,
  FasttuneError,
  Normalize,
  imagenetStats,
  RandomResizedCropGPU,
  Rotate,
  Warp,
  Zoom,
} from '../../src/index.js';
import { seededRng } from '../helpers/rng.js';

function expectArgError(fn: () => unknown, message: RegExp): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(FasttuneError);
  expect((error as FasttuneError).code).toBe('E_ARG');
  expect((error as Error).message).toMatch(message);
}

describe('augTransforms options', () => {
  it.each([
    [{ size: -1 }, /augTransforms: size must be a positive integer or \[height, width\].*got -1/],
    [{ size: [224, 0] }, /size must be .*got \[224, 0\]/],
    [{ size: 22.5 }, /size must be/],
    [{ pAffine: 1.5 }, /pAffine must be a probability between 0 and 1, got 1.5/],
    [{ pLighting: -0.1 }, /pLighting must be a probability/],
    [{ minScale: 1.5 }, /minScale must be a number in \(0, 1\], got 1.5/],
    [{ minScale: 0 }, /minScale must be a number in \(0, 1\]/],
    [{ minScale: 0.75 }, /size must be set when minScale < 1/],
    [{ minZoom: 1.2, maxZoom: 1.1 }, /maxZoom must be a number ≥ minZoom \(1.2\), got 1.1/],
    [{ minZoom: 0 }, /minZoom must be a number > 0/],
    [{ maxLighting: 1 }, /maxLighting \(times mult\) must be a number in \[0, 1\)/],
    [{ maxLighting: 0.6, mult: 2 }, /maxLighting \(times mult\) must be a number in \[0, 1\), got 1.2/],
    [{ maxWarp: -0.2 }, /maxWarp must be a finite number ≥ 0/],
    [{ maxRotate: Number.NaN }, /maxRotate must be a finite number/],
    [{ mult: -1 }, /mult must be a finite number ≥ 0, got -1/],
    [{ mode: 'cubic' }, /mode must be one of 'bilinear', 'nearest', 'bicubic', got 'cubic'/],
    [{ padMode: 'wrap' }, /padMode must be one of 'reflection', 'zeros', 'border'/],
    [{ alignCorners: 'yes' }, /alignCorners must be true or false/],
    [{ doFlip: 1 }, /doFlip must be true or false/],
    [{ max_rotate: 20 }, /unknown option 'max_rotate'/],
    [{ xtraTfms: [{}] }, /xtraTfms\[0\] must be a piece such as Rotate\(\)/],
    [{ xtraTfms: Rotate() }, /xtraTfms must be an array/],
  ])('%o', (options, message) => {
    expectArgError(() => augTransforms(options as never), message);
  });

  it('refuses a second crop', () => {
    expectArgError(() => augTransforms({ size: 24, minScale: 0.5, xtraTfms: [RandomResizedCropGPU(24)] }), /at most one RandomResizedCropGPU/);
  });

  it('checks the arguments of draw', () => {
    const tfm = augTransforms({ size: 24 });
    expectArgError(() => tfm.draw(0, 32, 32, seededRng(0), 'train'), /draw: n must be a positive integer, got 0/);
    expectArgError(() => tfm.draw(2, 32.5, 32, seededRng(0), 'train'), /draw: height must be a positive integer/);
    expectArgError(() => tfm.draw(2, 32, 32, seededRng(0), 'test' as never), /draw: split must be one of 'train', 'valid', got 'test'/);
    expectArgError(() => tfm.draw(2, 32, 32, undefined as never, 'train'), /draw: rng must be an object with a next\(\) method/);
  });
});

describe('pieces and Normalize', () => {
  it.each([
    [() => Rotate({ p: 2 }), /Rotate: p must be a probability/],
    [() => Rotate({ maxDeg: -5 }), /Rotate: maxDeg must be a finite number ≥ 0/],
    [() => Zoom({ minZoom: 2, maxZoom: 1 }), /Zoom: maxZoom must be a number ≥ minZoom/],
    [() => Warp({ magnitude: 1 }), /Warp: magnitude must be a number in \[0, 1\)/],
    [() => Brightness({ maxLighting: -1 }), /Brightness: maxLighting must be a number in \[0, 1\)/],
    [() => Brightness({ batch: 'no' } as never), /Brightness: batch must be true or false/],
    [() => RandomResizedCropGPU(0), /RandomResizedCropGPU: size must be a positive integer/],
    [() => RandomResizedCropGPU(24, { ratio: [2, 1] }), /RandomResizedCropGPU: ratio must be \[low, high\]/],
    [() => RandomResizedCropGPU(24, { minScale: 0.5, maxScale: 0.4 }), /RandomResizedCropGPU: maxScale must be a number in \[minScale/],
    [() => Normalize.fromStats([0.5, 0.5], [0.2]), /mean has 2 channels but std has 1/],
    [() => Normalize.fromStats([0.5], [0]), /std must be a non-empty array of numbers > 0/],
  ])('%#', (fn, message) => {
    expectArgError(fn, message);
  });

  it('carries ImageNet statistics', () => {
    const norm = Normalize.fromStats(imagenetStats.mean, imagenetStats.std);
    expect(norm.mean).toEqual([0.485, 0.456, 0.406]);
    expect(norm.std).toEqual([0.229, 0.224, 0.225]);
  });
});
