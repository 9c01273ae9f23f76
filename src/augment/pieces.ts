// The single augmentations that augTransforms combines (and that can be added via xtraTfms).
// Each one only draws its random numbers; the pipeline folds them into one resample.
import { checkBoolean, checkImageSize, checkNumber, checkOptions, checkProbability, invalidParameterError } from '../core/validate.js';
import { drawMasked, randint, roundHalfEven, uniform } from './draws.js';
import { type CropBox, dihedralMatrix, flipMatrix, logit, type Mat3, rotateMatrix, warpHomography, zoomMatrix } from './matrices.js';
import type { Rng } from '../core/rng.js';

/** A matrix per image, multiplied into the affine map. */
export interface AffineTransform {
  readonly kind: 'affine';
  readonly name: string;
  /** n packed 3 × 3 matrices. */
  matrices(n: number, rng: Rng): Float64Array;
}

/** A homography per image, applied to the sampling grid after the affine map. */
export interface WarpTransform {
  readonly kind: 'warp';
  readonly name: string;
  /** n packed 3 × 3 homographies. */
  homographies(n: number, rng: Rng): Float64Array;
}

/** A value per image, added to (`add`) or multiplying (`mul`) the pixels in logit space. */
export interface LightingTransform {
  readonly kind: 'lighting';
  readonly name: string;
  readonly op: 'add' | 'mul';
  values(n: number, rng: Rng): Float64Array;
}

/** One crop for the whole batch, resized to `size` by the same resample. */
export interface CropTransform {
  readonly kind: 'crop';
  readonly name: string;
  readonly size: [number, number];
  box(height: number, width: number, rng: Rng, split: 'train' | 'valid'): CropBox;
}

/** One piece of batch augmentation, for `augTransforms({ xtraTfms })`. */
export type AugTransform = AffineTransform | WarpTransform | LightingTransform | CropTransform;

const PIECE_KINDS = ['affine', 'warp', 'lighting', 'crop'];

/** True for the objects the factories below return. */
export function isAugTransform(value: unknown): value is AugTransform {
  return value !== null && typeof value === 'object' && PIECE_KINDS.includes((value as { kind?: unknown }).kind as string);
}

function pack(n: number, matrix: (i: number) => Mat3): Float64Array {
  const out = new Float64Array(n * 9);
  for (let i = 0; i < n; i++) out.set(matrix(i), i * 9);
  return out;
}

interface Chance {
  /** Probability that an image gets the transform. */
  p?: number;
  /** One draw for the whole batch instead of one per image. */
  batch?: boolean;
}

function chance(where: string, options: Chance, defaultP: number): { p: number; batch: boolean } {
  return {
    p: checkProbability(where, 'p', options.p ?? defaultP),
    batch: checkBoolean(where, 'batch', options.batch ?? false),
  };
}

/** Horizontal flip with probability `p` (default 0.5). */
export function Flip(options: Chance = {}): AffineTransform {
  checkOptions('Flip', options, ['p', 'batch']);
  const { p, batch } = chance('Flip', options, 0.5);
  return flipPiece(p, batch);
}

/** Flip without the checks, for augTransforms (which checked its own options). */
export function flipPiece(p: number, batch: boolean): AffineTransform {
  return {
    kind: 'affine',
    name: 'Flip',
    matrices(n, rng) {
      const flipped = drawMasked(n, rng, () => 1, p, 0, batch);
      return pack(n, (i) => flipMatrix(1 - 2 * flipped[i]!));
    },
  };
}

/** One of the 8 flips/rotations by 90° of the square, with probability `p` (default 0.5). */
export function Dihedral(options: Chance = {}): AffineTransform {
  checkOptions('Dihedral', options, ['p', 'batch']);
  const { p, batch } = chance('Dihedral', options, 0.5);
  return dihedralPiece(p, batch);
}

/** Dihedral without the checks, for augTransforms (which checked its own options). */
export function dihedralPiece(p: number, batch: boolean): AffineTransform {
  return {
    kind: 'affine',
    name: 'Dihedral',
    matrices(n, rng) {
      const k = drawMasked(n, rng, () => randint(rng, 0, 7), p, 0, batch);
      return pack(n, (i) => dihedralMatrix(k[i]!));
    },
  };
}

/** Rotation by an angle drawn uniformly in ±`maxDeg` degrees (default 10), with probability `p` (default 0.5). */
export function Rotate(options: Chance & { maxDeg?: number } = {}): AffineTransform {
  checkOptions('Rotate', options, ['maxDeg', 'p', 'batch']);
  const { p, batch } = chance('Rotate', options, 0.5);
  const maxDeg = checkNumber('Rotate', 'maxDeg', options.maxDeg ?? 10, { min: 0 });
  return rotatePiece(maxDeg, p, batch);
}

/** Rotate without the checks, for augTransforms (which checked its own options). */
export function rotatePiece(maxDeg: number, p: number, batch: boolean): AffineTransform {
  return {
    kind: 'affine',
    name: 'Rotate',
    matrices(n, rng) {
      const degrees = drawMasked(n, rng, () => uniform(rng, -maxDeg, maxDeg), p, 0, batch);
      return pack(n, (i) => rotateMatrix(degrees[i]!));
    },
  };
}

/**
 * Zoom by a factor drawn uniformly in [`minZoom`, `maxZoom`] (defaults 1 and 1.1) around a random
 * centre, with probability `p` (default 0.5).
 */
export function Zoom(options: Chance & { minZoom?: number; maxZoom?: number } = {}): AffineTransform {
  checkOptions('Zoom', options, ['minZoom', 'maxZoom', 'p', 'batch']);
  const { p, batch } = chance('Zoom', options, 0.5);
  const minZoom = checkNumber('Zoom', 'minZoom', options.minZoom ?? 1);
  const maxZoom = checkNumber('Zoom', 'maxZoom', options.maxZoom ?? 1.1);
  checkZoom('Zoom', minZoom, maxZoom);
  return zoomPiece(minZoom, maxZoom, p, batch);
}

/** Zoom without the checks, for augTransforms (which checked its own options). */
export function zoomPiece(minZoom: number, maxZoom: number, p: number, batch: boolean): AffineTransform {
  return {
    kind: 'affine',
    name: 'Zoom',
    matrices(n, rng) {
      const zoom = drawMasked(n, rng, () => uniform(rng, minZoom, maxZoom), p, 1, batch);
      const col = drawMasked(n, rng, () => rng.next(), 1, 0, batch);
      const row = drawMasked(n, rng, () => rng.next(), 1, 0, batch);
      return pack(n, (i) => zoomMatrix(zoom[i]!, col[i]!, row[i]!));
    },
  };
}

export function checkZoom(where: string, minZoom: number, maxZoom: number): void {
  checkNumber(where, 'minZoom', minZoom, { min: 0, minOpen: true });
  if (!(maxZoom >= minZoom)) throw invalidParameterError(where, 'maxZoom', `a number ≥ minZoom (${minZoom})`, maxZoom);
}

/**
 * Perspective warp: the corners move by up to `magnitude` (default 0.2, in normalized units,
 * below 1) along each axis, each axis with probability `p` (default 0.5).
 */
export function Warp(options: Chance & { magnitude?: number } = {}): WarpTransform {
  checkOptions('Warp', options, ['magnitude', 'p', 'batch']);
  const { p, batch } = chance('Warp', options, 0.5);
  const magnitude = checkWarp('Warp', 'magnitude', options.magnitude ?? 0.2);
  return warpPiece(magnitude, p, batch);
}

/** Warp without the checks, for augTransforms (which checked its own options). */
export function warpPiece(magnitude: number, p: number, batch: boolean): WarpTransform {
  return {
    kind: 'warp',
    name: 'Warp',
    homographies(n, rng) {
      const xt = drawMasked(n, rng, () => uniform(rng, -magnitude, magnitude), p, 0, batch);
      const yt = drawMasked(n, rng, () => uniform(rng, -magnitude, magnitude), p, 0, batch);
      return pack(n, (i) => warpHomography(xt[i]!, yt[i]!));
    },
  };
}

export function checkWarp(where: string, name: string, magnitude: unknown): number {
  // At 1 the moved corners can meet and the homography no longer exists.
  return checkNumber(where, name, magnitude, { min: 0, max: 1, maxOpen: true });
}

export function checkLighting(where: string, name: string, maxLighting: unknown): number {
  // Contrast draws log(1 − maxLighting): it must stay below 1.
  return checkNumber(where, name, maxLighting, { min: 0, max: 1, maxOpen: true });
}

/**
 * Brightness: adds logit(b) in logit space, b uniform in 0.5·(1 ± `maxLighting`) (default 0.2),
 * with probability `p` (default 0.75).
 */
export function Brightness(options: Chance & { maxLighting?: number } = {}): LightingTransform {
  checkOptions('Brightness', options, ['maxLighting', 'p', 'batch']);
  const { p, batch } = chance('Brightness', options, 0.75);
  const max = checkLighting('Brightness', 'maxLighting', options.maxLighting ?? 0.2);
  return brightnessPiece(max, p, batch);
}

/** Brightness without the checks, for augTransforms (which checked its own options). */
export function brightnessPiece(max: number, p: number, batch: boolean): LightingTransform {
  return {
    kind: 'lighting',
    name: 'Brightness',
    op: 'add',
    values(n, rng) {
      const change = drawMasked(n, rng, () => uniform(rng, 0.5 * (1 - max), 0.5 * (1 + max)), p, 0.5, batch);
      return change.map(logit);
    },
  };
}

/**
 * Contrast: multiplies in logit space by c, log c uniform in ±log(1 − `maxLighting`) (default
 * 0.2), with probability `p` (default 0.75).
 */
export function Contrast(options: Chance & { maxLighting?: number } = {}): LightingTransform {
  checkOptions('Contrast', options, ['maxLighting', 'p', 'batch']);
  const { p, batch } = chance('Contrast', options, 0.75);
  const max = checkLighting('Contrast', 'maxLighting', options.maxLighting ?? 0.2);
  return contrastPiece(max, p, batch);
}

/** Contrast without the checks, for augTransforms (which checked its own options). */
export function contrastPiece(max: number, p: number, batch: boolean): LightingTransform {
  const low = Math.log(1 - max);
  return {
    kind: 'lighting',
    name: 'Contrast',
    op: 'mul',
    values(n, rng) {
      return drawMasked(n, rng, () => Math.exp(uniform(rng, low, -low)), p, 1, batch);
    },
  };
}

export interface RandomResizedCropGPUOptions {
  /** Smallest fraction of the area kept (default 0.08). */
  minScale?: number;
  /** Largest fraction of the area kept (default 1). */
  maxScale?: number;
  /** Range of aspect ratios (width / height) drawn log-uniformly (default [3/4, 4/3]). */
  ratio?: [number, number];
  /** Validation keeps the centre crop scaled by this (default 1). */
  validScale?: number;
}

/**
 * A random crop of the batch (one for all images), resized to `size`: area fraction uniform in
 * [minScale, maxScale], aspect log-uniform in `ratio`, up to 10 tries, else the largest centred
 * crop within the ratio. Validation takes that centred crop (times `validScale`).
 */
export function RandomResizedCropGPU(size: number | [number, number], options: RandomResizedCropGPUOptions = {}): CropTransform {
  const where = 'RandomResizedCropGPU';
  checkOptions(where, options, ['minScale', 'maxScale', 'ratio', 'validScale']);
  const outSize = checkImageSize(where, 'size', size);
  const minScale = checkNumber(where, 'minScale', options.minScale ?? 0.08, { min: 0, max: 1, minOpen: true });
  const maxScale = checkNumber(where, 'maxScale', options.maxScale ?? 1, { min: minScale, max: 1 });
  const ratio = options.ratio ?? [3 / 4, 4 / 3];
  if (!Array.isArray(ratio) || ratio.length !== 2 || !(ratio[0] > 0) || !(ratio[1] >= ratio[0]) || !Number.isFinite(ratio[1])) {
    throw invalidParameterError(where, 'ratio', '[low, high] with 0 < low ≤ high', ratio);
  }
  const validScale = checkNumber(where, 'validScale', options.validScale ?? 1, { min: 0, max: 1, minOpen: true });
  const [lowRatio, highRatio] = ratio;

  return {
    kind: 'crop',
    name: where,
    size: outSize,
    box(h, w, rng, split) {
      if (split === 'train') {
        for (let attempt = 0; attempt < 10; attempt++) {
          const area = uniform(rng, minScale, maxScale) * w * h;
          const r = Math.exp(uniform(rng, Math.log(lowRatio), Math.log(highRatio)));
          const nw = roundHalfEven(Math.sqrt(area * r));
          const nh = roundHalfEven(Math.sqrt(area / r));
          if (nw <= w && nh <= h) {
            const top = randint(rng, 0, h - nh);
            const left = randint(rng, 0, w - nw);
            return { top, left, height: nh, width: nw };
          }
        }
      }
      let [ch, cw] = w / h < lowRatio ? [Math.trunc(w / lowRatio), w] : w / h > highRatio ? [h, Math.trunc(h * highRatio)] : [h, w];
      if (split === 'valid') [ch, cw] = [Math.max(1, Math.trunc(ch * validScale)), Math.max(1, Math.trunc(cw * validScale))];
      return { top: Math.floor((h - ch) / 2), left: Math.floor((w - cw) / 2), height: ch, width: cw };
    },
  };
}
