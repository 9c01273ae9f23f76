// Batch augmentation: drawn in TypeScript (seeded), applied on the device in one resample.

/**
 * Per-batch augmentation parameters for n images. Everything random is decided here, so the
 * native side is a pure function of (pixels, params) and a seed fixes the whole pipeline.
 */
export interface AugmentParams {
  /** Output height and width of the single resample. */
  size: [number, number];
  /** n × 3 × 3 row-major affine matrices on normalized [-1, 1] coordinates (output → input). */
  affine?: Float32Array;
  /** n × 8 perspective-warp coefficients applied to the sampling grid. */
  warp?: Float32Array;
  /** n values added in logit space (brightness); 0 leaves the image unchanged. */
  brightness?: Float32Array;
  /** n factors applied in logit space (contrast); 1 leaves the image unchanged. */
  contrast?: Float32Array;
}

/** A source of uniform random numbers in [0, 1), seeded by the data pipeline. */
export interface Rng {
  next(): number;
}

/** A batch transform configured by the user (e.g. `augTransforms({ size: 224 })`). */
export interface BatchTransform {
  readonly name: string;
  /** Draws the parameters for `n` images of `height` × `width`; validation gets no randomness. */
  draw(n: number, height: number, width: number, rng: Rng, split: 'train' | 'valid'): AugmentParams;
}
