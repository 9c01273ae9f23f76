// One image through the same decode and item transform the loaders use.
import type { Rng } from '../core/rng.js';
import { checkOneOf, checkOptions, invalidParameterError } from '../core/validate.js';
import { decodeImage, DEFAULT_MAX_PIXELS, isSharp, type ImageInput } from './decode-image.js';
import type { RawImage } from './pixels.js';
import { randomSeed, StreamRng } from '../core/rng.js';
import type { ItemTransform, Split } from './item-transforms.js';

export interface LoadImageOptions {
  /** Item transform to apply (none: the decoded image). */
  itemTfms?: ItemTransform;
  /** 'valid' (default): deterministic transforms; 'train': random ones drawn from `rng`. */
  split?: Split;
  /** Source of the random draws in training (default: a randomly seeded stream). */
  rng?: Rng;
  /** Largest width × height decoded (default 178,956,970). */
  maxPixels?: number;
}

/**
 * Decodes an image to RGB uint8 pixels, item transform applied: a file path, the bytes of an
 * image file (a Buffer) or a sharp pipeline (cloned, so the caller can still use it).
 */
export async function loadImage(path: ImageInput, options: LoadImageOptions = {}): Promise<RawImage> {
  const ok = (typeof path === 'string' && path !== '') || path instanceof Uint8Array || isSharp(path);
  if (!ok) throw invalidParameterError('loadImage', 'path', 'a file path, a Buffer or a sharp image', path);
  checkOptions('loadImage', options, ['itemTfms', 'split', 'rng', 'maxPixels']);
  const split = checkOneOf('loadImage', 'options.split', options.split ?? 'valid', ['train', 'valid'] as const);
  const tfm = options.itemTfms;
  const limits = { maxPixels: options.maxPixels ?? DEFAULT_MAX_PIXELS };
  if (!tfm) return decodeImage(path, null, limits);
  const base = await decodeImage(path, tfm.base(split), limits);
  const [height, width] = tfm.size;
  const data = new Uint8Array(height * width * 3);
  await tfm.render(base, split, options.rng ?? new StreamRng(randomSeed()), data, 0);
  return { data, width, height };
}
