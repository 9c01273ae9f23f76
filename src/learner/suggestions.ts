// Learning-rate suggestions from an LR-finder curve, as fastai computes them: on the recorded
// curve without its first numIt/10 and last 5 points, cut at the first NaN loss, in float32.
// Where a curve is too short for a method, its suggestion is NaN instead of an exception.
const f32 = Math.fround;

/** The name of a learning-rate suggestion `lrFind` can compute. */
export type SuggestionName = 'valley' | 'slide' | 'minimum' | 'steep';
export const SUGGESTION_NAMES: readonly SuggestionName[] = ['valley', 'slide', 'minimum', 'steep'];

/** A suggested learning rate and the point of the curve to mark for it. */
export interface Suggestion {
  readonly name: SuggestionName;
  readonly lr: number;
  readonly point: { readonly lr: number; readonly loss: number };
}

const none = (name: SuggestionName): Suggestion => ({ name, lr: Number.NaN, point: { lr: Number.NaN, loss: Number.NaN } });

/**
 * The longest valley: the longest strictly decreasing subsequence of the losses; the suggestion
 * lies a little past its first third (fastai's default). Needs 1 point.
 */
export function suggestValley(lrs: readonly number[], losses: readonly number[]): Suggestion {
  const n = losses.length;
  if (n === 0) return none('valley');
  const lengths = Array<number>(n).fill(1);
  let maxStart = 0;
  let maxEnd = 0;
  for (let i = 1; i < n; i++) {
    for (let j = 0; j < i; j++) {
      if ((losses[i] as number) < (losses[j] as number) && (lengths[i] as number) < (lengths[j] as number) + 1) {
        lengths[i] = (lengths[j] as number) + 1;
      }
      if ((lengths[maxEnd] as number) < (lengths[i] as number)) {
        maxEnd = i;
        maxStart = maxEnd - (lengths[maxEnd] as number);
      }
    }
  }
  const sections = (maxEnd - maxStart) / 3;
  const index = maxStart + Math.trunc(sections) + Math.trunc(sections / 2);
  return { name: 'valley', lr: lrs[index] as number, point: { lr: lrs[index] as number, loss: losses[index] as number } };
}

/** numpy's `gradient` of float32 values with unit spacing. */
function gradient(values: readonly number[]): number[] {
  const n = values.length;
  return values.map((_, i) => {
    if (i === 0) return f32((values[1] as number) - (values[0] as number));
    if (i === n - 1) return f32((values[n - 1] as number) - (values[n - 2] as number));
    return f32((values[i + 1] as number) - (values[i - 1] as number)) / 2;
  });
}

/** Linear interpolation of `ys` at `x` over increasing `xs` (numpy's `interp`). */
function interp(x: number, xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (x <= (xs[0] as number)) return ys[0] as number;
  if (x >= (xs[n - 1] as number)) return ys[n - 1] as number;
  let i = 1;
  while ((xs[i] as number) < x) i++;
  const x0 = xs[i - 1] as number;
  const x1 = xs[i] as number;
  const y0 = ys[i - 1] as number;
  const y1 = ys[i] as number;
  return y0 + ((x - x0) * (y1 - y0)) / (x1 - x0);
}

/**
 * The interval slide rule: slides a window of `lrDiff` points leftwards from the end until the
 * loss gradients at its two ends differ by at most `thresh`. Needs `lrDiff + 1` points.
 */
export function suggestSlide(lrs: readonly number[], losses: readonly number[], { lrDiff = 15, thresh = 0.005, adjustValue = 1 } = {}): Suggestion {
  const n = losses.length;
  if (n < lrDiff + 1 || n < 2) return none('slide');
  const grads = gradient(losses);
  let right = n - 1;
  let left = right - lrDiff;
  let candidate = lrs[left] as number;
  while (left >= 0 && Math.abs(f32((grads[right] as number) - (grads[left] as number))) > thresh) {
    candidate = lrs[left] as number;
    right -= 1;
    left -= 1;
  }
  const lr = candidate * adjustValue;
  const loss = interp(Math.log10(lr), lrs.map(Math.log10), losses);
  return { name: 'slide', lr, point: { lr, loss } };
}

/** A tenth of the learning rate at the minimum loss (marked at the minimum). Needs 1 point. */
export function suggestMinimum(lrs: readonly number[], losses: readonly number[]): Suggestion {
  if (losses.length === 0) return none('minimum');
  let best = 0;
  for (let i = 1; i < losses.length; i++) if ((losses[i] as number) < (losses[best] as number)) best = i;
  const lrMin = lrs[best] as number;
  return { name: 'minimum', lr: lrMin / 10, point: { lr: lrMin, loss: losses[best] as number } };
}

/** The start of the steepest descent of loss against log(lr). Needs 2 points. */
export function suggestSteep(lrs: readonly number[], losses: readonly number[]): Suggestion {
  if (losses.length < 2) return none('steep');
  let best = 0;
  let bestSlope = Number.POSITIVE_INFINITY;
  for (let i = 0; i + 1 < losses.length; i++) {
    const rise = f32((losses[i + 1] as number) - (losses[i] as number));
    const run = f32(f32(Math.log(lrs[i + 1] as number)) - f32(Math.log(lrs[i] as number)));
    const slope = f32(rise / run);
    // torch's argmin takes the first NaN (from infinite losses) as the minimum.
    if (Number.isNaN(slope)) return { name: 'steep', lr: lrs[i] as number, point: { lr: lrs[i] as number, loss: losses[i] as number } };
    if (slope < bestSlope) {
      bestSlope = slope;
      best = i;
    }
  }
  return { name: 'steep', lr: lrs[best] as number, point: { lr: lrs[best] as number, loss: losses[best] as number } };
}

/**
 * The suggestions `names` for a recorded LR-finder curve: drops the first `numIt/10` and the last
 * 5 points, cuts the curve at its first NaN loss and rounds it to float32 (as fastai does).
 */
export function suggestLearningRates(
  recordedLrs: readonly number[],
  recordedLosses: readonly number[],
  numIt: number,
  names: readonly SuggestionName[],
): Suggestion[] {
  const start = Math.floor(numIt / 10);
  const end = Math.max(recordedLosses.length - 5, 0);
  let lrs = recordedLrs.slice(start, end).map(f32);
  let losses = recordedLosses.slice(start, end).map(f32);
  const firstNaN = losses.findIndex(Number.isNaN);
  if (firstNaN >= 0) {
    lrs = lrs.slice(0, firstNaN);
    losses = losses.slice(0, firstNaN);
  }
  return names.map((name) => {
    switch (name) {
      case 'valley':
        return suggestValley(lrs, losses);
      case 'slide':
        return suggestSlide(lrs, losses);
      case 'minimum':
        return suggestMinimum(lrs, losses);
      case 'steep':
        return suggestSteep(lrs, losses);
    }
  });
}
