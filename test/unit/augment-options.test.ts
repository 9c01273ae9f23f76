// Nonsense options fail early with a FasttuneError that names the option.
import { describe, expect, it } from 'vitest';
import { augTransforms, Brightness, FasttuneError, Normalize, imagenetStats, RandomResizedCropGPU, Rotate, Warp, Zoom } from '../../src/index.js';
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
    [{ size: -1 }, /augTransforms: expected a positive integer or \[height, width\].* for size but received -1/],
    [{ size: [224, 0] }, /for size but received \[224, 0\]/],
    [{ size: 22.5 }, /expected a positive integer .*for size but received 22.5/],
    [{ pAffine: 1.5 }, /expected a finite number in \[0, 1\] for pAffine but received 1.5/],
    [{ pLighting: -0.1 }, /expected a finite number in \[0, 1\] for pLighting/],
    [{ minScale: 1.5 }, /expected a finite number in \(0, 1\] for minScale but received 1.5/],
    [{ minScale: 0 }, /expected a finite number in \(0, 1\] for minScale but received 0/],
    [{ minScale: 0.75 }, /expected an image size when minScale < 1 .* for size but received undefined/],
    [{ minZoom: 1.2, maxZoom: 1.1 }, /expected a number ≥ minZoom \(1.2\) for maxZoom but received 1.1/],
    [{ minZoom: 0 }, /expected a finite number > 0 for minZoom/],
    [{ maxLighting: 1 }, /expected a finite number in \[0, 1\) for maxLighting \(times mult\)/],
    [{ maxLighting: 0.6, mult: 2 }, /expected a finite number in \[0, 1\) for maxLighting \(times mult\) but received 1.2/],
    [{ maxWarp: -0.2 }, /expected a finite number ≥ 0 for maxWarp/],
    [{ maxRotate: Number.NaN }, /expected a finite number ≥ 0 for maxRotate but received NaN/],
    [{ mult: -1 }, /expected a finite number ≥ 0 for mult but received -1/],
    [{ mode: 'cubic' }, /expected one of 'bilinear', 'nearest', 'bicubic' for mode but received 'cubic'/],
    [{ padMode: 'wrap' }, /expected one of 'reflection', 'zeros', 'border' for padMode/],
    [{ alignCorners: 'yes' }, /expected true or false for alignCorners but received 'yes'/],
    [{ doFlip: 1 }, /expected true or false for doFlip but received 1/],
    [{ max_rotate: 20 }, /augTransforms: expected one of the keys .* \(did you mean 'maxRotate'\?\) for options but received 'max_rotate'/],
    [{ xtraTfms: [{}] }, /expected a piece such as Rotate\(\).* for xtraTfms\[0\] but received an object/],
    [{ xtraTfms: Rotate() }, /expected an array of augmentation pieces for xtraTfms/],
  ])('%o', (options, message) => {
    expectArgError(() => augTransforms(options as never), message);
  });

  it('refuses a second crop', () => {
    expectArgError(
      () => augTransforms({ size: 24, minScale: 0.5, xtraTfms: [RandomResizedCropGPU(24)] }),
      /augTransforms: expected at most one RandomResizedCropGPU .* for transforms but received \['RandomResizedCropGPU', 'RandomResizedCropGPU'\]/,
    );
  });

  it('checks the arguments of draw', () => {
    const tfm = augTransforms({ size: 24 });
    expectArgError(() => tfm.draw(0, 32, 32, seededRng(0), 'train'), /draw: expected an integer ≥ 1 for n but received 0/);
    expectArgError(() => tfm.draw(2, 32.5, 32, seededRng(0), 'train'), /draw: expected an integer ≥ 1 for height but received 32.5/);
    expectArgError(() => tfm.draw(2, 32, 32, seededRng(0), 'test' as never), /draw: expected one of 'train', 'valid' for split but received 'test'/);
    expectArgError(() => tfm.draw(2, 32, 32, undefined as never, 'train'), /draw: expected an object with a next\(\) method for rng but received undefined/);
  });
});

describe('pieces and Normalize', () => {
  it.each([
    [() => Rotate({ p: 2 }), /Rotate: expected a finite number in \[0, 1\] for p but received 2/],
    [() => Rotate({ maxDeg: -5 }), /Rotate: expected a finite number ≥ 0 for maxDeg but received -5/],
    [() => Zoom({ minZoom: 2, maxZoom: 1 }), /Zoom: expected a number ≥ minZoom \(2\) for maxZoom but received 1/],
    [() => Warp({ magnitude: 1 }), /Warp: expected a finite number in \[0, 1\) for magnitude but received 1/],
    [() => Brightness({ maxLighting: -1 }), /Brightness: expected a finite number in \[0, 1\) for maxLighting but received -1/],
    [() => Brightness({ batch: 'no' } as never), /Brightness: expected true or false for batch but received 'no'/],
    [() => RandomResizedCropGPU(0), /RandomResizedCropGPU: expected a positive integer or \[height, width\] .*for size but received 0/],
    [() => RandomResizedCropGPU(24, { ratio: [2, 1] }), /RandomResizedCropGPU: expected \[low, high\] with 0 < low ≤ high for ratio but received \[2, 1\]/],
    [
      () => RandomResizedCropGPU(24, { minScale: 0.5, maxScale: 0.4 }),
      /RandomResizedCropGPU: expected a finite number in \[0.5, 1\] for maxScale but received 0.4/,
    ],
    [
      () => Normalize.fromStats([0.5, 0.5], [0.2]),
      /Normalize.fromStats: expected an array of 2 numbers > 0 \(one per channel of mean\) for std but received \[0.2\]/,
    ],
    [() => Normalize.fromStats([0.5], [0]), /Normalize.fromStats: expected an array of 1 numbers > 0 .* for std but received \[0\]/],
  ])('%#', (fn, message) => {
    expectArgError(fn, message);
  });

  it('carries ImageNet statistics', () => {
    const norm = Normalize.fromStats(imagenetStats.mean, imagenetStats.std);
    expect(norm.mean).toEqual([0.485, 0.456, 0.406]);
    expect(norm.std).toEqual([0.229, 0.224, 0.225]);
  });
});
