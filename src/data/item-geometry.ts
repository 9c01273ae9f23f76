// fastai's item-transform geometry (Resize, RandomResizedCrop) as pure functions of the source
// size and the random draws, in the same float64 arithmetic, so windows match fastai exactly.
import type { Rng } from '../core/rng.js';

/** A window in source pixels; with padding it may reach past the image's edges. */
export interface Window {
  left: number;
  top: number;
  width: number;
  height: number;
}

export type ResizeMethod = 'crop' | 'pad' | 'squish';

/** How the decoder sizes the base image (sharp's `fit` semantics); null = the decoded size. */
export interface BaseSpec {
  width: number;
  height: number;
  fit: 'outside' | 'inside' | 'fill';
  /** Never upscale beyond the decoded size. */
  withoutEnlargement: boolean;
}

/**
 * The source window fastai's `Resize` resamples to `[outH, outW]`.
 * `pcts` are the relative offsets (x, y): uniform draws in training, 0.5 in validation.
 * - crop: the largest window with the output's aspect ratio (`m = min(w/W, h/H)`);
 * - pad: the smallest window with that ratio holding the whole image (`m = max(…)`),
 *   so its offsets are ≤ 0 and the outside is padded;
 * - squish: the whole image.
 */
export function resizeWindow(
  srcW: number,
  srcH: number,
  [outH, outW]: readonly [number, number],
  method: ResizeMethod,
  [px, py]: readonly [number, number],
): Window {
  if (method === 'squish') return { left: 0, top: 0, width: srcW, height: srcH };
  const rw = srcW / outW;
  const rh = srcH / outH;
  const m = method === 'crop' ? (rw < rh ? rw : rh) : rw > rh ? rw : rh;
  const width = int(m * outW);
  const height = int(m * outH);
  return { left: int(px * (srcW - width)), top: int(py * (srcH - height)), width, height };
}

/** The offsets `Resize` uses: two uniform draws (x then y) in training, the centre otherwise. */
export function resizePcts(split: 'train' | 'valid', rng: Rng): [number, number] {
  if (split === 'valid') return [0.5, 0.5];
  const px = rng.next();
  const py = rng.next();
  return [px, py];
}

export interface RandomResizedCropParams {
  minScale: number;
  maxScale: number;
  /** Range of width / height. */
  ratio: readonly [number, number];
}

/**
 * fastai's training window for `RandomResizedCrop`: up to ten tries of an area fraction drawn
 * from [minScale, maxScale] and a log-uniform aspect ratio, kept if it fits, at a uniform
 * offset; otherwise the largest centred window whose ratio is clamped to the range.
 * Draw order per try: area, ratio, then (on success) left, top.
 */
export function randomResizedCropWindow(srcW: number, srcH: number, p: RandomResizedCropParams, rng: Rng): Window {
  const [r0, r1] = p.ratio;
  const logLo = Math.log(r0);
  const logHi = Math.log(r1);
  for (let attempt = 0; attempt < 10; attempt++) {
    const area = (p.minScale + (p.maxScale - p.minScale) * rng.next()) * srcW * srcH;
    const ratio = Math.exp(logLo + (logHi - logLo) * rng.next());
    const width = roundHalfEven(Math.sqrt(area * ratio));
    const height = roundHalfEven(Math.sqrt(area / ratio));
    if (width <= srcW && height <= srcH) {
      const left = randint(srcW - width, rng);
      const top = randint(srcH - height, rng);
      return { left, top, width, height };
    }
  }
  let width = srcW;
  let height = srcH;
  if (srcW / srcH < r0) height = int(srcW / r0);
  else if (srcW / srcH > r1) width = int(srcH * r1);
  return { left: Math.floor((srcW - width) / 2), top: Math.floor((srcH - height) / 2), width, height };
}

/**
 * Validation geometry of `RandomResizedCrop`: squish the whole image to `size + xtra` with
 * `xtra = ceil(max(size)·valXtra/8)·8`, then take the centred `size` window of that.
 */
export function randomResizedCropValid([outH, outW]: readonly [number, number], valXtra: number): { squishTo: [number, number]; crop: Window } {
  const xtra = Math.ceil((Math.max(outW, outH) * valXtra) / 8) * 8;
  const h = outH + xtra;
  const w = outW + xtra;
  return {
    squishTo: [h, w],
    crop: { left: Math.floor((w - outW) / 2), top: Math.floor((h - outH) / 2), width: outW, height: outH },
  };
}

/** Python's `int()` of a float: truncation toward zero (and never -0). */
function int(x: number): number {
  return Math.trunc(x) + 0;
}

/** Python's `round` (ties to even), which fastai's integer sizes go through. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** An integer in [0, hi], uniform. */
function randint(hi: number, rng: Rng): number {
  return Math.min(hi, Math.floor(rng.next() * (hi + 1)));
}
