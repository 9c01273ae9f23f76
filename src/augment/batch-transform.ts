// A batch transform: draws per-batch augmentation parameters for the device.
import type { AugmentParams } from '../core/batch.js';
import type { Rng } from '../core/rng.js';

export type { AugmentParams, PadMode, ResampleMode } from '../core/batch.js';

/** A batch transform configured by the user (e.g. `augTransforms({ size: 224 })`). */
export interface BatchTransform {
  readonly name: string;
  /** Draws the parameters for `n` images of `height` × `width`; validation gets no randomness. */
  draw(n: number, height: number, width: number, rng: Rng, split: 'train' | 'valid'): AugmentParams;
}
