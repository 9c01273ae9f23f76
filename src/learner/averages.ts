// The running averages the Recorder keeps. fastai keeps them in float32 torch tensors; we round
// every step to float32 the same way, so recorded values match fastai's bit for bit or nearly.
const f32 = Math.fround;

/**
 * Exponentially smoothed, debiased loss (fastai's AvgSmoothLoss, beta 0.98): the moving average
 * is updated with torch's `lerp` formula, then divided by `1 − beta^count`.
 */
export class SmoothedLoss {
  private raw = 0;
  private count = 0;
  private readonly keep: number;

  constructor(readonly beta = 0.98) {
    // torch.lerp(loss, raw, beta) for beta ≥ 0.5: raw − (raw − loss)·(1 − beta) in float32, the
    // last two operations fused (one rounding; the float64 product of two floats is exact).
    this.keep = f32(1 - f32(beta));
  }

  reset(): void {
    this.raw = 0;
    this.count = 0;
  }

  add(loss: number): void {
    this.count += 1;
    this.raw = f32(this.raw - f32(this.raw - f32(loss)) * this.keep);
  }

  /** The debiased value (NaN before the first loss). */
  get value(): number {
    if (this.count === 0) return Number.NaN;
    return f32(this.raw / f32(1 - this.beta ** this.count));
  }
}

/** Batch-size-weighted mean of per-batch values (fastai's AvgLoss and AvgMetric), in float32. */
export class WeightedMean {
  private total = 0;
  private count = 0;

  add(value: number, batchSize: number): void {
    this.total = f32(this.total + f32(f32(value) * batchSize));
    this.count += batchSize;
  }

  /** NaN when nothing was added. */
  get value(): number {
    return this.count === 0 ? Number.NaN : f32(this.total / this.count);
  }
}
