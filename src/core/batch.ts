// What one native step receives: pixels, labels and the batch's augmentation, drawn in TypeScript
// (seeded) and applied on the device in one resample.

/** Interpolation of the resample (grid_sample's modes). */
export type ResampleMode = 'bilinear' | 'nearest' | 'bicubic';

/** What the resample reads outside the image. */
export type PadMode = 'reflection' | 'zeros' | 'border';

/**
 * Per-batch augmentation parameters for n images. Everything random is decided here, so the
 * native side is a pure function of (pixels, params) and a seed fixes the whole pipeline.
 *
 * The output pixel at normalized position p (grid_sample's [-1, 1] coordinates, x first) samples
 * the input at `warp(affine · p)`; lighting then maps each value v to
 * `sigmoid((logit(v) + brightness) · contrast)`.
 */
export interface AugmentParams {
  /** Output height and width of the single resample. */
  size: [number, number];
  /** n × 3 × 3 row-major affine matrices on normalized [-1, 1] coordinates (output → input); absent: identity. */
  affine?: Float32Array;
  /**
   * n × 8 perspective-warp coefficients h0..h7 of the homography [[h0 h1 h2] [h3 h4 h5] [h6 h7 1]],
   * applied to the sampling grid after the affine map (fastai's warp coefficients).
   */
  warp?: Float32Array;
  /** n values added in logit space (brightness); 0 leaves the image unchanged. */
  brightness?: Float32Array;
  /** n factors applied in logit space (contrast); 1 leaves the image unchanged. */
  contrast?: Float32Array;
  /** Interpolation; default 'bilinear' (which also pre-shrinks by area when downsampling > 2×). */
  mode?: ResampleMode;
  /** Default 'reflection'. */
  padMode?: PadMode;
  /** grid_sample's align_corners; default true. */
  alignCorners?: boolean;
}

/**
 * One training batch's MixUp or CutMix draws (fastai's MixHandler), applied by the native step to
 * the normalized network input: item i is mixed with item `shuffle[i]`, and `lam[i]` weighs its
 * own image and target. Without `box` (MixUp) the images are blended, `lerp(x[shuffle], x, lam)`;
 * with it (CutMix) the box's pixels come from item `shuffle[i]`. The loss follows: class-index
 * losses lerp the per-item losses of both targets, the others lerp the targets themselves.
 */
export interface MixParams {
  /** A permutation of 0 … n−1. */
  shuffle: Int32Array;
  /** n weights of each item's own image and target. */
  lam: Float32Array;
  /** CutMix: `[x1, y1, x2, y2]`, the columns x1 … x2−1 and rows y1 … y2−1 of the network input. */
  box?: [x1: number, y1: number, x2: number, y2: number];
}

/**
 * What a dataset's targets are, as fastai's blocks: `'category'` (one class per item, class
 * indices), `'multiCategory'` (any number of classes per item, multi-hot rows) or `'regression'`
 * (numbers per item).
 */
export type TargetKind = 'category' | 'multiCategory' | 'regression';

/** One batch of images ready for a native step. */
export interface Batch {
  /** uint8 pixels, n × height × width × 3 (NHWC, RGB). */
  images: Uint8Array;
  shape: [n: number, height: number, width: number, channels: number];
  /** Class indices into the vocab, one per image (-1 where the targets are floats or unknown). */
  labels: Int32Array;
  /**
   * Float targets, n × k row-major, for the losses that read them: multi-hot rows over the vocab
   * (multi-label) or the values (regression). Absent for single-label data.
   */
  targets?: Float32Array;
  /** Device-side augmentation for this batch, when the loader has batch transforms. */
  augment?: AugmentParams;
  /** MixUp or CutMix draws for a training step (set by those callbacks, never by loaders). */
  mix?: MixParams;
}
