// applyAugment: runs a batch through the device augmentation and returns the pixels (for
// showBatch and tests). Training does the same inside the model's step.
import { withCallerStack } from '../core/errors.js';
import { native } from '../native.js';
import { checkBoolean, checkImageSize, checkOneOf, checkOptions, invalidParameterError } from '../core/validate.js';
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
export async function applyAugment(batch: Pick<Batch, 'images' | 'shape' | 'augment'>, options: ApplyAugmentOptions = {}): Promise<AugmentedImages> {
  if (batch === null || typeof batch !== 'object') throw invalidParameterError(where, 'batch', 'a batch object', batch);
  const { images, shape, augment } = batch;
  if (!(images instanceof Uint8Array)) throw invalidParameterError(where, 'batch.images', 'a Uint8Array', images);
  if (!Array.isArray(shape) || shape.length !== 4 || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw invalidParameterError(where, 'batch.shape', '[n, height, width, channels] of positive integers', shape);
  }
  const [n, h, w, c] = shape;
  if (images.length !== n * h * w * c) {
    throw invalidParameterError(where, 'batch.images', `a Uint8Array of ${n * h * w * c} bytes (shape [${shape.join(', ')}])`, images);
  }
  if (augment !== undefined) checkAugmentParams(where, augment, n);
  checkOptions(where, options, ['device', 'float']);
  const device = options.device ?? 'cpu';
  if (typeof device !== 'string' || !/^(cpu|auto|cuda(:\d+)?)$/.test(device)) {
    throw invalidParameterError(where, 'options.device', "'cpu', 'cuda', 'cuda:N' or 'auto'", device);
  }
  const float = checkBoolean(where, 'options.float', options.float ?? false);
  const out = await withCallerStack(native().augmentBatch(images, shape, augment, { device, float }));
  const result: AugmentedImages = { images: out.images, shape: out.shape as AugmentedImages['shape'] };
  if (out.float) result.float = out.float;
  return result;
}

/** Checks augmentation parameters for a batch of `n` images; errors name `batch.augment.<field>`. */
export function checkAugmentParams(where: string, params: AugmentParams, n: number): void {
  if (params === null || typeof params !== 'object') throw invalidParameterError(where, 'batch.augment', 'augmentation parameters', params);
  if (!Array.isArray(params.size)) throw invalidParameterError(where, 'batch.augment.size', '[height, width] of positive integers', params.size);
  checkImageSize(where, 'batch.augment.size', params.size);
  const floats = (key: 'affine' | 'warp' | 'brightness' | 'contrast', perImage: number): void => {
    const v = params[key];
    if (v === undefined) return;
    if (!(v instanceof Float32Array) || v.length !== n * perImage) {
      throw invalidParameterError(where, `batch.augment.${key}`, `a Float32Array of ${n} × ${perImage} values`, v);
    }
  };
  floats('affine', 9);
  floats('warp', 8);
  floats('brightness', 1);
  floats('contrast', 1);
  if (params.mode !== undefined) checkOneOf(where, 'batch.augment.mode', params.mode, ['bilinear', 'nearest', 'bicubic']);
  if (params.padMode !== undefined) checkOneOf(where, 'batch.augment.padMode', params.padMode, ['reflection', 'zeros', 'border']);
  if (params.alignCorners !== undefined) checkBoolean(where, 'batch.augment.alignCorners', params.alignCorners);
}
