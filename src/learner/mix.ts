// fastai's MixUp and CutMix (fastai/callback/mixup.py). Each training batch's draws are made
// here, from a stream keyed by seed, fit, epoch and batch, and handed to the native step in
// learn.step.mix: the step mixes the normalized images on the device and makes the loss follow the
// mix (per-item losses lerped for class-index losses, fastai's y_int; the targets lerped for BCE
// and regression).
import { beta, roundHalfEven } from '../augment/draws.js';
import type { MixParams } from '../core/batch.js';
import { randomSeed, StreamRng, shuffled } from '../core/rng.js';
import { checkInteger, checkNumber, checkOptions } from '../core/validate.js';
import type { Callback } from './callback.js';
import type { LearnerState } from './learner-state.js';

/** Options of {@link MixUp} and {@link CutMix}. */
export interface MixOptions {
  /**
   * Seeds the draws (λ, the permutation, CutMix's box): a batch's draws depend on the seed, the
   * fit's number among this callback's fits, the epoch and the batch's index only, so the same
   * seed gives the same draws and a resumed fit draws what the interrupted one would have. Default: random.
   */
  seed?: number;
}

/**
 * CutMix's box for one batch, fastai's `rand_bbox` in float32 (torch.round: halves to even): a cut of side ratio √(1−λ) centred
 * at (cx, cy) and clamped to the image, and the λ the loss uses, 1 − (box area) / (image area).
 */
export function cutMixBox(width: number, height: number, lam: number, cx: number, cy: number): { box: [number, number, number, number]; lam: number } {
  const cutRat = Math.fround(Math.sqrt(Math.fround(1 - Math.fround(lam))));
  const cutW = roundHalfEven(Math.fround(width * cutRat));
  const cutH = roundHalfEven(Math.fround(height * cutRat));
  const clamp = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
  const x1 = clamp(cx - Math.floor(cutW / 2), width);
  const y1 = clamp(cy - Math.floor(cutH / 2), height);
  const x2 = clamp(cx + Math.floor(cutW / 2), width);
  const y2 = clamp(cy + Math.floor(cutH / 2), height);
  const area = Math.fround((x2 - x1) * (y2 - y1)) / Math.fround(width * height);
  return { box: [x1, y1, x2, y2], lam: Math.fround(1 - Math.fround(area)) };
}

/** fastai's MixHandler: draws in training batches only; validation and `validate()` see plain batches. */
abstract class MixHandler implements Callback {
  abstract readonly name: string;
  readonly runValid = false;
  readonly alpha: number;
  readonly seed: number;
  /** Fits this callback has run in. */
  #fits = 0;

  constructor(where: string, alpha: number, options: MixOptions | undefined) {
    this.alpha = checkNumber(where, 'alpha', alpha, { min: 0, minOpen: true });
    const o = checkOptions(where, options, ['seed']);
    this.seed = o.seed === undefined ? randomSeed() : checkInteger(where, 'options.seed', o.seed, { min: 0 });
  }

  beforeFit(): void {
    this.#fits++;
  }

  beforeBatch(learn: LearnerState): void {
    const batch = learn.batch;
    if (!batch || batch.labels.length === 0) return;
    const [n, h, w] = batch.shape;
    const [height, width] = batch.augment?.size ?? [h, w];
    learn.step.mix = this.draw(n, height, width, new StreamRng(this.seed, this.#fits, learn.epoch, learn.iter));
  }

  /** One batch's draws for n images whose network input is height × width. */
  protected abstract draw(n: number, height: number, width: number, rng: StreamRng): MixParams;

  /** torch.randperm's role: a uniform permutation of 0 … n−1. */
  protected permutation(n: number, rng: StreamRng): Int32Array {
    return Int32Array.from(
      shuffled(
        Array.from({ length: n }, (_, i) => i),
        rng,
      ),
    );
  }
}

/**
 * fastai's MixUp: each training batch is blended with a shuffled copy of itself,
 * `x = lerp(x[shuffle], x, λ)` per item with λ = max(b, 1 − b), b ~ Beta(alpha, alpha), after the
 * batch transforms and normalization. The loss follows: cross-entropy and focal loss become
 * `lerp(L(y[shuffle]), L(y), λ)` per item, BCE and regression losses read the lerped targets.
 * Validation is untouched. Applied by the native training step of a VisionModel.
 *
 * @example
 * await learn.fitOneCycle(5, 1e-3, { cbs: [new MixUp()] });
 */
export class MixUp extends MixHandler {
  readonly name = 'MixUp';

  /** @param alpha Beta(alpha, alpha)'s parameter, > 0 (fastai default 0.4). */
  constructor(alpha = 0.4, options?: MixOptions) {
    super('MixUp', alpha, options);
  }

  protected draw(n: number, _height: number, _width: number, rng: StreamRng): MixParams {
    const lam = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const b = Math.fround(beta(rng, this.alpha, this.alpha));
      lam[i] = Math.max(b, Math.fround(1 - b));
    }
    return { shuffle: this.permutation(n, rng), lam };
  }
}

/**
 * fastai's CutMix: in each training batch a box of the (normalized) images is replaced by the same
 * box of a shuffled copy. λ ~ Beta(alpha, alpha) sets the box's side ratio √(1 − λ), its centre is
 * uniform over the image and it is clamped to it; the loss then mixes with the weight
 * 1 − (box area) / (image area), as {@link MixUp} does. Validation is untouched.
 *
 * @example
 * await learn.fitOneCycle(5, 1e-3, { cbs: [new CutMix()] });
 */
export class CutMix extends MixHandler {
  readonly name = 'CutMix';

  /** @param alpha Beta(alpha, alpha)'s parameter, > 0 (fastai default 1). */
  constructor(alpha = 1, options?: MixOptions) {
    super('CutMix', alpha, options);
  }

  protected draw(n: number, height: number, width: number, rng: StreamRng): MixParams {
    const drawn = Math.fround(beta(rng, this.alpha, this.alpha));
    const shuffle = this.permutation(n, rng);
    const cx = Math.floor(rng.next() * width);
    const cy = Math.floor(rng.next() * height);
    const { box, lam } = cutMixBox(width, height, drawn, cx, cy);
    return { shuffle, lam: new Float32Array(n).fill(lam), box };
  }
}
