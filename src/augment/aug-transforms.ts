// augTransforms: fastai's standard batch augmentation, folded into one resample per batch.
import {
  checkBoolean,
  checkImageSize,
  checkInteger,
  checkNumber,
  checkOneOf,
  checkOptions,
  checkProbability,
  invalidParameterError,
} from '../core/validate.js';
import { correctAspect, cropMatrix, identity3, matAt, matmul3 } from './matrices.js';
import {
  type AugTransform,
  brightnessPiece,
  checkLighting,
  checkWarp,
  checkZoom,
  contrastPiece,
  type CropTransform,
  dihedralPiece,
  flipPiece,
  isAugTransform,
  RandomResizedCropGPU,
  rotatePiece,
  warpPiece,
  zoomPiece,
} from './pieces.js';
import type { AugmentParams, BatchTransform, PadMode, ResampleMode } from './batch-transform.js';
import type { Rng } from '../core/rng.js';

/** Options of {@link augTransforms}; every default is fastai's. */
export interface AugTransformsOptions {
  /** Multiplies maxRotate, maxLighting and maxWarp (default 1). */
  mult?: number;
  /** Random horizontal flip, p = 0.5 (default true). */
  doFlip?: boolean;
  /** With doFlip: any of the 8 flips/rotations by 90° instead (default false). */
  flipVert?: boolean;
  /** Rotation up to ± this many degrees, with probability pAffine (default 10). */
  maxRotate?: number;
  /** Zoom factor range, with probability pAffine (defaults 1 and 1.1). */
  minZoom?: number;
  maxZoom?: number;
  /** Brightness and contrast change, each with probability pLighting (default 0.2). */
  maxLighting?: number;
  /** Perspective warp magnitude, with probability pAffine (default 0.2). */
  maxWarp?: number;
  /** Probability of each of rotate, zoom and warp per image (default 0.75). */
  pAffine?: number;
  /** Probability of each of brightness and contrast per image (default 0.75). */
  pLighting?: number;
  /** More pieces (Flip, Rotate, Zoom, Warp, Brightness, Contrast, Dihedral, RandomResizedCropGPU). */
  xtraTfms?: AugTransform[];
  /** Output size (side, or [height, width]); default: the input size. */
  size?: number | [number, number];
  /** Interpolation (default 'bilinear'). */
  mode?: ResampleMode;
  /** What is read outside the image (default 'reflection'). */
  padMode?: PadMode;
  /** grid_sample's align_corners (default true). */
  alignCorners?: boolean;
  /** One draw for the whole batch instead of one per image (default false). */
  batch?: boolean;
  /** Below 1: a random square crop keeping at least this fraction of the area (needs size; default 1). */
  minScale?: number;
}

const OPTION_NAMES = [
  'mult',
  'doFlip',
  'flipVert',
  'maxRotate',
  'minZoom',
  'maxZoom',
  'maxLighting',
  'maxWarp',
  'pAffine',
  'pLighting',
  'xtraTfms',
  'size',
  'mode',
  'padMode',
  'alignCorners',
  'batch',
  'minScale',
] as const;
const MODES: readonly ResampleMode[] = ['bilinear', 'nearest', 'bicubic'];
const PAD_MODES: readonly PadMode[] = ['reflection', 'zeros', 'border'];

/** How the single resample runs. */
export interface ResampleSettings {
  /** Size of the affine/warp stage (before any crop); undefined: the input size. */
  size?: [number, number];
  mode: ResampleMode;
  padMode: PadMode;
  alignCorners: boolean;
}

/**
 * A list of augmentation pieces drawn together and applied as one resample: affine matrices
 * multiplied in order, warps composed, lighting composed in logit space, and at most one crop.
 */
export class AugmentPipeline implements BatchTransform {
  readonly name = 'augTransforms';
  readonly transforms: readonly AugTransform[];
  readonly settings: Readonly<ResampleSettings>;
  private readonly crop: CropTransform | undefined;

  constructor(transforms: readonly AugTransform[], settings: ResampleSettings) {
    const crops = transforms.filter((t): t is CropTransform => t.kind === 'crop');
    if (crops.length > 1) {
      throw invalidParameterError(
        'augTransforms',
        'transforms',
        'at most one RandomResizedCropGPU (minScale < 1 adds one)',
        crops.map((t) => t.name),
      );
    }
    this.transforms = Object.freeze([...transforms]);
    this.settings = Object.freeze({ ...settings });
    this.crop = crops[0];
  }

  /**
   * Draws everything random for `n` images of `height` × `width`. The pieces consume the rng in
   * list order; validation consumes nothing and keeps only the resize (and the crop's centre
   * crop).
   */
  draw(n: number, height: number, width: number, rng: Rng, split: 'train' | 'valid'): AugmentParams {
    checkInteger('draw', 'n', n, { min: 1 });
    checkInteger('draw', 'height', height, { min: 1 });
    checkInteger('draw', 'width', width, { min: 1 });
    checkOneOf('draw', 'split', split, ['train', 'valid'] as const);
    if (split === 'train' && (rng === null || typeof rng !== 'object' || typeof rng.next !== 'function')) {
      throw invalidParameterError('draw', 'rng', 'an object with a next() method', rng);
    }
    const { mode, padMode, alignCorners } = this.settings;
    const [stageH, stageW] = this.settings.size ?? [height, width];
    const params: AugmentParams = { size: this.crop ? [...this.crop.size] : [stageH, stageW], mode, padMode, alignCorners };

    if (split === 'valid') {
      if (this.crop) {
        const crop = cropMatrix(this.crop.box(stageH, stageW, rng, 'valid'), stageH, stageW, alignCorners);
        params.affine = Float32Array.from(repeat(crop, n));
      }
      return params;
    }

    let affine: Float64Array | undefined;
    let warp: Float64Array | undefined;
    let add: Float64Array | undefined;
    let mul: Float64Array | undefined;
    let crop = identity3();
    for (const t of this.transforms) {
      switch (t.kind) {
        case 'affine': {
          const m = t.matrices(n, rng);
          affine ??= repeat(identity3(), n);
          for (let i = 0; i < n; i++) affine.set(matmul3(matAt(affine, i), matAt(m, i)), i * 9);
          break;
        }
        case 'warp': {
          // Later warps act on coordinates the earlier ones produced.
          const h = t.homographies(n, rng);
          warp ??= repeat(identity3(), n);
          for (let i = 0; i < n; i++) warp.set(matmul3(matAt(h, i), matAt(warp, i)), i * 9);
          break;
        }
        case 'lighting': {
          // Lighting so far is y → (y + add)·mul; a new term composes into the same form.
          const v = t.values(n, rng);
          add ??= new Float64Array(n);
          mul ??= new Float64Array(n).fill(1);
          for (let i = 0; i < n; i++) {
            if (t.op === 'add') add[i] = add[i]! + v[i]! / mul[i]!;
            else mul[i] = mul[i]! * v[i]!;
          }
          break;
        }
        case 'crop':
          crop = cropMatrix(t.box(stageH, stageW, rng, 'train'), stageH, stageW, alignCorners);
          break;
      }
    }

    if (affine || this.crop) {
      const matrices = new Float32Array(n * 9);
      for (let i = 0; i < n; i++) {
        const m = affine ? correctAspect(matAt(affine, i), height, width) : identity3();
        matrices.set(matmul3(m, crop), i * 9);
      }
      params.affine = matrices;
    }
    if (warp) params.warp = warpCoefficients(warp, n);
    if (add && mul) {
      params.brightness = Float32Array.from(add);
      params.contrast = Float32Array.from(mul);
    }
    return params;
  }
}

function repeat(m: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * 9);
  for (let i = 0; i < n; i++) out.set(m, i * 9);
  return out;
}

function warpCoefficients(homographies: Float64Array, n: number): Float32Array {
  const out = new Float32Array(n * 8);
  for (let i = 0; i < n; i++) {
    const h = matAt(homographies, i);
    for (let k = 0; k < 8; k++) out[i * 8 + k] = h[k]! / h[8]!;
  }
  return out;
}

/**
 * fastai's `aug_transforms`: random flip, rotation, zoom, perspective warp, brightness and
 * contrast, drawn per image (or per batch) and applied on the device in a single resample to
 * `size`. With `minScale` < 1 a random square crop of the batch is folded into the same resample.
 *
 * @example
 * ```ts
 * const dls = await ImageDataLoaders.fromFolder(dir, {
 *   itemTfms: Resize(460),
 *   batchTfms: augTransforms({ size: 224, minScale: 0.75 }),
 * });
 * ```
 */
export function augTransforms(options: AugTransformsOptions = {}): AugmentPipeline {
  const where = 'augTransforms';
  checkOptions(where, options, OPTION_NAMES);
  const mult = checkNumber(where, 'mult', options.mult ?? 1, { min: 0 });
  const doFlip = checkBoolean(where, 'doFlip', options.doFlip ?? true);
  const flipVert = checkBoolean(where, 'flipVert', options.flipVert ?? false);
  const maxRotate = checkNumber(where, 'maxRotate', options.maxRotate ?? 10, { min: 0 }) * mult;
  const minZoom = checkNumber(where, 'minZoom', options.minZoom ?? 1);
  const maxZoom = checkNumber(where, 'maxZoom', options.maxZoom ?? 1.1);
  checkZoom(where, minZoom, maxZoom);
  const maxLighting = checkLighting(where, 'maxLighting (times mult)', checkNumber(where, 'maxLighting', options.maxLighting ?? 0.2, { min: 0 }) * mult);
  const maxWarp = checkWarp(where, 'maxWarp (times mult)', checkNumber(where, 'maxWarp', options.maxWarp ?? 0.2, { min: 0 }) * mult);
  const pAffine = checkProbability(where, 'pAffine', options.pAffine ?? 0.75);
  const pLighting = checkProbability(where, 'pLighting', options.pLighting ?? 0.75);
  const size = options.size === undefined ? undefined : checkImageSize(where, 'size', options.size);
  const mode = checkOneOf(where, 'mode', options.mode ?? 'bilinear', MODES);
  const padMode = checkOneOf(where, 'padMode', options.padMode ?? 'reflection', PAD_MODES);
  const alignCorners = checkBoolean(where, 'alignCorners', options.alignCorners ?? true);
  const batch = checkBoolean(where, 'batch', options.batch ?? false);
  const minScale = checkNumber(where, 'minScale', options.minScale ?? 1, { min: 0, max: 1, minOpen: true });
  if (minScale < 1 && size === undefined) throw invalidParameterError(where, 'size', 'an image size when minScale < 1 (the crop is resized to it)', size);
  const xtra = options.xtraTfms ?? [];
  if (!Array.isArray(xtra)) throw invalidParameterError(where, 'xtraTfms', 'an array of augmentation pieces', xtra);
  xtra.forEach((t, i) => {
    if (!isAugTransform(t)) throw invalidParameterError(where, `xtraTfms[${i}]`, 'a piece such as Rotate() or Warp()', t);
  });

  const pieces: AugTransform[] = [];
  if (doFlip) pieces.push(flipVert ? dihedralPiece(0.5, batch) : flipPiece(0.5, batch));
  if (maxWarp) pieces.push(warpPiece(maxWarp, pAffine, batch));
  if (maxRotate) pieces.push(rotatePiece(maxRotate, pAffine, batch));
  if (minZoom < 1 || maxZoom > 1) pieces.push(zoomPiece(minZoom, maxZoom, pAffine, batch));
  if (maxLighting) pieces.push(brightnessPiece(maxLighting, pLighting, batch), contrastPiece(maxLighting, pLighting, batch));
  if (minScale < 1) pieces.push(RandomResizedCropGPU(size!, { minScale, ratio: [1, 1] }));
  pieces.push(...xtra);
  // With a crop, the affine stage keeps the input size and the crop is resized to `size`.
  const stageSize = minScale < 1 ? undefined : size;
  return new AugmentPipeline(pieces, { ...(stageSize ? { size: stageSize } : {}), mode, padMode, alignCorners });
}
