// applyAugment: runs a batch through the device augmentation and returns the pixels (for
// showBatch and tests). Training does the same inside the model's step.
import { FasttuneError, withCallerStack } from '../core/errors.js';
import { native } from '../native.js';
import { boolean, imageSize, invalid, oneOf } from './check.js';
import type { AugmentParams, Batch } from '../core/batch.js';

/** Augmented images, as `applyAugment` returns them. */
export interface AugmentedImages {
  /** uint8 pixels, n × height × width × channels (NHWC), rounded from the float result. */
  images: Uint8Array;
  shape: [n: number, height: number, width: number, channels: number];
  /** The float result in [0, 1], n × channels × height × width (NCHW), when `float` was asked for. */
  float?: Float32Array;
}

export interface ApplyAugmentOptions {
  /** 'cpu' (default), 'cuda', 'cuda:N' or 'auto'. */
  device?: string;
  /** Also return the float NCHW result. */
  float?: boolean;
}

const where = 'applyAugment';

/**
 * Applies `batch.augment` (drawn by a batch transform such as `augTransforms`) to the batch's
 * pixels on the device: one resample, then lighting. Without `augment` the pixels come back as
 * they are.
 *
 * @example
 * ```ts
 * const tfm = augTransforms({ size: 224 });
 * const augment = tfm.draw(n, h, w, rng, 'train');
 * const { images, shape } = await applyAugment({ ...batch, augment });
 * ```
 */
export async function applyAugment(
  batch: Pick<Batch, 'images' | 'shape' | 'augment'>,
  options: ApplyAugmentOptions = {},
): Promise<AugmentedImages> {
  if (batch === null || typeof batch !== 'object') throw invalid(where, 'batch', 'a batch object', batch);
  const { images, shape, augment } = batch;
  if (!(images instanceof Uint8Array)) throw invalid(where, 'batch.images', 'a Uint8Array', images);
  if (!Array.isArray(shape) || shape.length !== 4 || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw invalid(where, 'batch.shape', '[n, height, width, channels] of positive integers', shape);
  }
  const [n, h, w, c] = shape;
  if (images.length !== n * h * w * c) {
    throw new FasttuneError(`${where}: batch.images has ${images.length} bytes but shape ${JSON.stringify(shape)} needs ${n * h * w * c}`, 'E_ARG');
  }
  if (augment !== undefined) checkAugmentParams(where, augment, n);
  const device = options.device ?? 'cpu';
  if (typeof device !== 'string' || !/^(cpu|auto|cuda(:\d+)?)$/.test(device)) {
    throw invalid(where, 'options.device', "'cpu', 'cuda', 'cuda:N' or 'auto'", device);
  }
  const float = boolean(where, 'options.float', options.float ?? false);
  const out = await withCallerStack(native().augmentBatch(images, shape, augment, { device, float }));
  const result: AugmentedImages = { images: out.images, shape: out.shape as AugmentedImages['shape'] };
  if (out.float) result.float = out.float;
  return result;
}

/** Checks augmentation parameters for a batch of `n` images; errors name `batch.augment.<field>`. */
export function checkAugmentParams(where: string, params: AugmentParams, n: number): void {
  if (params === null || typeof params !== 'object') throw invalid(where, 'batch.augment', 'augmentation parameters', params);
  imageSize(where, 'batch.augment.size', params.size);
  if (!Array.isArray(params.size)) throw invalid(where, 'batch.augment.size', '[height, width]', params.size);
  const floats = (key: 'affine' | 'warp' | 'brightness' | 'contrast', perImage: number): void => {
    const v = params[key];
    if (v === undefined) return;
    if (!(v instanceof Float32Array)) throw invalid(where, `batch.augment.${key}`, `a Float32Array of ${n} × ${perImage} values`, v);
    if (v.length !== n * perImage) {
      throw new FasttuneError(`${where}: batch.augment.${key} must be a Float32Array of ${n} × ${perImage} values, got ${v.length} values`, 'E_ARG');
    }
  };
  floats('affine', 9);
  floats('warp', 8);
  floats('brightness', 1);
  floats('contrast', 1);
  if (params.mode !== undefined) oneOf(where, 'batch.augment.mode', params.mode, ['bilinear', 'nearest', 'bicubic']);
  if (params.padMode !== undefined) oneOf(where, 'batch.augment.padMode', params.padMode, ['reflection', 'zeros', 'border']);
  if (params.alignCorners !== undefined) boolean(where, 'batch.augment.alignCorners', params.alignCorners);
}
