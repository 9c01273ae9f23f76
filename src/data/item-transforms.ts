// Item transforms (fastai's Resize and RandomResizedCrop) split into two steps so that the
// expensive part runs once per image and run:
//   base   — what the decoder produces (sharp, shrink-on-load, one resample), cacheable;
//   render — what each epoch does to a base: a window copy, or for RandomResizedCrop in training
//            a resample of a random window (natively, with Pillow's arithmetic, as fastai's
//            crop + resize; by sharp when the addon is not there).
// Geometry is fastai's (./item-geometry.ts) applied to the base image, which is a uniform rescale of the
// decoded file: windows agree with fastai's on the original up to the base's pixel grid.
import sharp from 'sharp';
import type { Rng } from '../core/rng.js';
import { checkImageSize, checkNumber, checkOneOf, checkOptions, invalidParameterError } from '../core/validate.js';
import {
  randomResizedCropValid,
  randomResizedCropWindow,
  resizePcts,
  resizeWindow,
  type BaseSpec,
  type RandomResizedCropParams,
  type ResizeMethod,
} from './item-geometry.js';
import { nativeWindowResampler } from './native-image.js';
import { copyWindow, type PadMode, type RawImage } from './pixels.js';

export type Split = 'train' | 'valid';

/** A plain description of an item transform (what `export` stores). */
export type ItemTransformConfig =
  | { name: 'Resize'; size: [number, number]; method: ResizeMethod; padMode: PadMode }
  | {
      name: 'RandomResizedCrop';
      size: [number, number];
      minScale: number;
      maxScale: number;
      ratio: [number, number];
      valXtra: number;
    };

/** Runs a resample job; the loaders pass their decode limiter so resamples share its slots. */
export type Scheduler = <T>(job: () => Promise<T>) => Promise<T>;

const runNow: Scheduler = (job) => job();

/** An item transform: applied to each image on the CPU before batching. */
export abstract class ItemTransform {
  /** Output size `[height, width]`. */
  abstract readonly size: readonly [number, number];
  abstract readonly config: ItemTransformConfig;

  /** How to decode an image for `split` (internal to the loaders). */
  abstract base(split: Split): BaseSpec;

  /**
   * Writes the transformed image (size[0] × size[1] × 3 bytes) into `dst` at `offset`
   * (internal to the loaders). Random draws come from `rng`, in fastai's order.
   */
  abstract render(base: RawImage, split: Split, rng: Rng, dst: Uint8Array, offset: number, schedule?: Scheduler): Promise<void> | void;

  toJSON(): ItemTransformConfig {
    return this.config;
  }
}

function checkSize(where: string, size: unknown): [number, number] {
  const [height, width] = checkImageSize(where, 'size', size);
  if (height > 16384 || width > 16384) throw invalidParameterError(where, 'size', 'at most 16384 pixels a side', size);
  return [height, width];
}

const RESIZE_METHODS: readonly ResizeMethod[] = ['crop', 'pad', 'squish'];
const PAD_MODES: readonly PadMode[] = ['reflection', 'zeros', 'border'];

class ResizeTransform extends ItemTransform {
  readonly size: readonly [number, number];
  readonly config: ItemTransformConfig;
  private readonly method: ResizeMethod;
  private readonly padMode: PadMode;

  constructor(size: [number, number], method: ResizeMethod, padMode: PadMode) {
    super();
    this.size = size;
    this.method = method;
    this.padMode = padMode;
    this.config = { name: 'Resize', size, method, padMode };
  }

  base(): BaseSpec {
    const [height, width] = this.size;
    const fit = this.method === 'crop' ? 'outside' : this.method === 'pad' ? 'inside' : 'fill';
    return { width, height, fit, withoutEnlargement: false };
  }

  render(base: RawImage, split: Split, rng: Rng, dst: Uint8Array, offset: number): void {
    const pcts = this.method === 'squish' ? ([0, 0] as const) : resizePcts(split, rng);
    const win = resizeWindow(base.width, base.height, this.size, this.method, pcts);
    // The base already has the output's scale, so the window is the output size up to rounding
    // of the base's longer side; clamp to it exactly.
    const [height, width] = this.size;
    copyWindow(base, { ...win, width, height }, this.padMode, dst, offset);
  }
}

/**
 * fastai's `Resize`: every image to `size` (an integer for a square, or `[height, width]`).
 * - `crop` (default): the largest window with the target's aspect ratio, at a random position in
 *   training and centred in validation;
 * - `pad`: the whole image, padded (`padMode`: reflection (default), zeros or border) at a random
 *   position in training and centred in validation;
 * - `squish`: the whole image, aspect ratio not kept.
 * @example Resize(460)  // presizing, with augTransforms({ size: 224 }) as batch transform
 */
export function Resize(size: number | [number, number], options: { method?: ResizeMethod; padMode?: PadMode } = {}): ItemTransform {
  const checked = checkSize('Resize', size);
  checkOptions('Resize', options, ['method', 'padMode']);
  const method = checkOneOf('Resize', 'method', options.method ?? 'crop', RESIZE_METHODS);
  const padMode = checkOneOf('Resize', 'padMode', options.padMode ?? 'reflection', PAD_MODES);
  return new ResizeTransform(checked, method, padMode);
}

class RandomResizedCropTransform extends ItemTransform {
  readonly size: readonly [number, number];
  readonly config: ItemTransformConfig;
  private readonly params: RandomResizedCropParams;
  private readonly valid: ReturnType<typeof randomResizedCropValid>;

  constructor(size: [number, number], params: RandomResizedCropParams, valXtra: number) {
    super();
    this.size = size;
    this.params = params;
    this.valid = randomResizedCropValid(size, valXtra);
    this.config = {
      name: 'RandomResizedCrop',
      size,
      minScale: params.minScale,
      maxScale: params.maxScale,
      ratio: [params.ratio[0], params.ratio[1]],
      valXtra,
    };
  }

  base(split: Split): BaseSpec {
    if (split === 'valid') {
      const [height, width] = this.valid.squishTo;
      return { width, height, fit: 'fill', withoutEnlargement: false };
    }
    // Keep enough resolution that the smallest window allowed still downsamples to the output:
    // a base whose short side is ≥ s has area ≥ s², so every window has width ≥
    // sqrt(minScale·r0)·s and height ≥ sqrt(minScale/r1)·s.
    const [height, width] = this.size;
    const { minScale, ratio } = this.params;
    const s = Math.ceil(Math.max(width / Math.sqrt(minScale * ratio[0]), height * Math.sqrt(ratio[1] / minScale)));
    return { width: s, height: s, fit: 'outside', withoutEnlargement: true };
  }

  async render(base: RawImage, split: Split, rng: Rng, dst: Uint8Array, offset: number, schedule: Scheduler = runNow): Promise<void> {
    const [height, width] = this.size;
    if (split === 'valid') {
      copyWindow(base, this.valid.crop, 'zeros', dst, offset);
      return;
    }
    const win = randomResizedCropWindow(base.width, base.height, this.params, rng);
    if (win.width === width && win.height === height) {
      copyWindow(base, win, 'zeros', dst, offset);
      return;
    }
    const resample = nativeWindowResampler();
    const pixels = await schedule(() =>
      resample
        ? resample(base, win, width, height)
        : sharp(base.data, { raw: { width: base.width, height: base.height, channels: 3 } })
            .extract(win)
            .resize({ width, height, fit: 'fill', kernel: 'linear' })
            .raw()
            .toBuffer(),
    );
    dst.set(pixels, offset);
  }
}

/**
 * fastai's `RandomResizedCrop`: in training a random window of area fraction in
 * [minScale, maxScale] and aspect ratio (width/height) in `ratio`, resized to `size`; in
 * validation the whole image squished to `size + xtra` and centre-cropped
 * (`xtra = ceil(max(size)·valXtra/8)·8`, 224 → 256).
 */
export function RandomResizedCrop(
  size: number | [number, number],
  options: { minScale?: number; maxScale?: number; ratio?: [number, number]; valXtra?: number } = {},
): ItemTransform {
  const where = 'RandomResizedCrop';
  const checked = checkSize(where, size);
  checkOptions(where, options, ['minScale', 'maxScale', 'ratio', 'valXtra']);
  const minScale = checkNumber(where, 'minScale', options.minScale ?? 0.08, { min: 0, max: 1, minOpen: true });
  const maxScale = checkNumber(where, 'maxScale', options.maxScale ?? 1, { min: minScale, max: 1 });
  const ratio = options.ratio ?? [3 / 4, 4 / 3];
  if (!Array.isArray(ratio) || ratio.length !== 2 || !(ratio[0] > 0 && ratio[0] <= ratio[1]) || !Number.isFinite(ratio[1])) {
    throw invalidParameterError(where, 'ratio', '[low, high] with 0 < low ≤ high', ratio);
  }
  const valXtra = checkNumber(where, 'valXtra', options.valXtra ?? 0.14, { min: 0 });
  return new RandomResizedCropTransform(checked, { minScale, maxScale, ratio }, valXtra);
}

/** Rebuilds a transform from its `config` (as stored by `export`). */
export function itemTransformFromConfig(config: ItemTransformConfig): ItemTransform {
  if (config.name === 'Resize') return Resize(config.size, { method: config.method, padMode: config.padMode });
  if (config.name === 'RandomResizedCrop') {
    const { size, minScale, maxScale, ratio, valXtra } = config;
    return RandomResizedCrop(size, { minScale, maxScale, ratio, valXtra });
  }
  throw invalidParameterError('itemTransformFromConfig', 'config', 'a Resize or RandomResizedCrop configuration', config);
}
