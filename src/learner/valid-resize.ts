// The one part of the batch transforms an exported model keeps: their validation draw (a resize,
// and the centre crop when one is folded in), recorded for the size the item transform produces.
import type { AugmentParams, BatchTransform } from '../augment/batch-transform.js';
import { StreamRng } from '../core/rng.js';
import { FasttuneError } from '../core/errors.js';
import type { ValidResizeConfig } from './export-metadata.js';

/** Records what `tfm` draws on validation for images of `inputSize`. */
export function validResizeOf(tfm: BatchTransform, inputSize: [number, number]): ValidResizeConfig {
  const [height, width] = inputSize;
  const draw = (n: number) => tfm.draw(n, height, width, new StreamRng(0), 'valid');
  const one = draw(1);
  const two = draw(2);
  const extra = (['warp', 'brightness', 'contrast'] as const).filter((key) => one[key] !== undefined);
  const affine = one.affine ? Array.from(one.affine) : null;
  const perImage = !two.affine || (affine !== null && Array.from(two.affine).every((v, i) => v === affine[i % 9]));
  if (extra.length > 0 || !perImage) {
    throw new FasttuneError(
      `export: the batch transform '${tfm.name}' draws more than a fixed resize on validation (${extra.join(', ') || 'per-image matrices'}); an exported model keeps only that resize`,
      'E_ARG',
    );
  }
  return {
    inputSize: [height, width],
    size: [one.size[0], one.size[1]],
    affine,
    mode: one.mode ?? 'bilinear',
    padMode: one.padMode ?? 'reflection',
    alignCorners: one.alignCorners ?? true,
  };
}

/**
 * The recorded resize as a batch transform again. It only knows validation: training-time
 * augmentation (e.g. for TTA) is not part of an export.
 */
export function validResizeTransform(config: ValidResizeConfig): BatchTransform {
  return {
    name: 'validResize',
    draw(n: number, height: number, width: number, _rng: unknown, split: 'train' | 'valid'): AugmentParams {
      if (split !== 'valid') {
        throw new FasttuneError(
          'an exported model keeps only the validation transforms; training-time augmentation (e.g. for tta) needs the original data loaders',
          'E_ARG',
        );
      }
      const [h, w] = config.inputSize;
      if (height !== h || width !== w) {
        throw new FasttuneError(`this model's batch transforms take ${w}×${h} images (what its item transform made), got ${width}×${height}`, 'E_ARG');
      }
      const params: AugmentParams = { size: [...config.size], mode: config.mode, padMode: config.padMode, alignCorners: config.alignCorners };
      if (config.affine) {
        const affine = new Float32Array(n * 9);
        for (let i = 0; i < n; i++) affine.set(config.affine, i * 9);
        params.affine = affine;
      }
      return params;
    },
  };
}
