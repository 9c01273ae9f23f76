// The metrics of one validation pass: per-batch metrics as batch-size-weighted means (fastai's
// AvgMetric); accumulated ones from the outputs and targets of the whole pass, computed once at its
// end (fastai's AccumMetric).
import { FasttuneError } from '../core/errors.js';
import { WeightedMean } from './averages.js';
import type { Metric, Targets } from './metrics.js';

export class EpochMetrics {
  private readonly means: WeightedMean[];
  private readonly outputs: Float32Array[] = [];
  private readonly targets: Targets[] = [];
  private readonly anyAccumulated: boolean;

  constructor(private readonly metrics: readonly Metric[]) {
    this.means = metrics.map(() => new WeightedMean());
    this.anyAccumulated = metrics.some((m) => m.accumulate);
  }

  /** One validation batch: `outputs` n × nOut, `targets` of the same n items. */
  add(outputs: Float32Array, targets: Targets, nOut: number, batchIndex: number): void {
    const bs = outputs.length / nOut;
    this.metrics.forEach((metric, i) => {
      if (metric.accumulate) return;
      let value: number;
      try {
        value = metric.compute(outputs, targets, nOut);
      } catch (error) {
        throw new FasttuneError(`metric '${metric.name}' failed on validation batch ${batchIndex + 1}: ${(error as Error)?.message ?? String(error)}`, 'E_ARG');
      }
      (this.means[i] as WeightedMean).add(value, bs);
    });
    if (this.anyAccumulated) {
      // Copies: the caller may reuse its buffers for the next batch.
      this.outputs.push(outputs.slice());
      this.targets.push(targets.slice());
    }
  }

  /** Each metric's value for the pass, in order (NaN when no batch was seen). */
  values(nOut: number): number[] {
    const outputs = this.anyAccumulated ? concat(this.outputs, new Float32Array(sizeOf(this.outputs))) : undefined;
    const targets = this.anyAccumulated ? concatTargets(this.targets) : undefined;
    return this.metrics.map((metric, i) => {
      if (!metric.accumulate) return (this.means[i] as WeightedMean).value;
      if (!outputs || !targets || outputs.length === 0) return Number.NaN;
      try {
        return metric.compute(outputs, targets, nOut);
      } catch (error) {
        throw new FasttuneError(`metric '${metric.name}' failed on the validation set: ${(error as Error)?.message ?? String(error)}`, 'E_ARG');
      }
    });
  }
}

function sizeOf(parts: readonly ArrayLike<number>[]): number {
  return parts.reduce((n, p) => n + p.length, 0);
}

function concat<T extends Float32Array | Int32Array>(parts: readonly T[], out: T): T {
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The targets of all batches as one array of their kind. */
function concatTargets(parts: readonly Targets[]): Targets {
  if (parts.every((p) => p instanceof Int32Array)) return concat(parts as Int32Array[], new Int32Array(sizeOf(parts)));
  if (parts.every((p) => p instanceof Float32Array)) return concat(parts as Float32Array[], new Float32Array(sizeOf(parts)));
  throw new FasttuneError('validation batches mix class-index and float targets', 'E_ARG');
}
