// Normalization statistics: configuration the model applies on the device after augmentation.
import { invalidParameterError } from '../core/validate.js';

/** Per-channel mean and standard deviation of the [0, 1] pixels. */
export interface Stats {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/** ImageNet's statistics, which the pretrained ResNet weights expect. */
export const imagenetStats: Stats = Object.freeze({
  mean: Object.freeze([0.485, 0.456, 0.406]),
  std: Object.freeze([0.229, 0.224, 0.225]),
});

/**
 * `(x − mean) / std` per channel on the float [0, 1] batch; the model applies it on the device
 * after augmentation (fastai's Normalize, order 99).
 *
 * @example
 * ```ts
 * const norm = Normalize.fromStats(imagenetStats.mean, imagenetStats.std);
 * ```
 */
export class Normalize implements Stats {
  readonly name = 'Normalize';
  readonly mean: readonly number[];
  readonly std: readonly number[];

  private constructor(mean: readonly number[], std: readonly number[]) {
    this.mean = Object.freeze([...mean]);
    this.std = Object.freeze([...std]);
  }

  /** Statistics with one value per channel; every std must be > 0. */
  static fromStats(mean: readonly number[], std: readonly number[]): Normalize {
    const where = 'Normalize.fromStats';
    const list = (v: unknown): v is number[] => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number' && Number.isFinite(x));
    if (!list(mean)) throw invalidParameterError(where, 'mean', 'a non-empty array of finite numbers', mean);
    if (!list(std) || !std.every((s) => s > 0) || std.length !== mean.length) {
      throw invalidParameterError(where, 'std', `an array of ${mean.length} numbers > 0 (one per channel of mean)`, std);
    }
    return new Normalize(mean, std);
  }
}
