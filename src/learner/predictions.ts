// Predictions over a whole loader, as fastai's get_preds: eval mode, loader order, probabilities
// from the loss's activation, the decoded class, and per-item losses computed as the model's loss.
import { invalidParameterError } from '../core/validate.js';
import { FasttuneError } from '../core/errors.js';
import type { Batch, DataLoader } from '../data/loader-contract.js';
import type { LossSpec, ModelCore } from '../model/types.js';
import { serially } from './serial.js';

/**
 * What turns a row of logits into the returned values: `'softmax'` (the default, the
 * cross-entropy's activation), `'none'` (the logits themselves) or a function of one row.
 */
export type Activation = 'softmax' | 'none' | ((logits: Float32Array) => ArrayLike<number>);

/** Predictions for the items of one loader, in its order. */
export interface Predictions {
  /** Number of items. */
  readonly n: number;
  /** Number of classes. */
  readonly nOut: number;
  /** Activations (probabilities by default), row-major n × nOut. */
  readonly probs: Float32Array;
  /** Class index per item; -1 for unlabelled items (a test loader). */
  readonly targets: Int32Array;
  /** Argmax of each row, with `withDecoded`. */
  readonly decoded?: Int32Array;
  /** Unreduced loss per item, with `withLoss`. */
  readonly losses?: Float32Array;
}

/** Row-wise softmax, computed in float64 and stored in float32. */
export function softmax(logits: Float32Array, nOut: number): Float32Array {
  const out = new Float32Array(logits.length);
  for (let r = 0; r * nOut < logits.length; r++) {
    const row = logits.subarray(r * nOut, (r + 1) * nOut);
    let max = -Infinity;
    for (const v of row) max = Math.max(max, v);
    let sum = 0;
    for (const v of row) sum += Math.exp(v - max);
    for (let j = 0; j < nOut; j++) out[r * nOut + j] = Math.exp((row[j] as number) - max) / sum;
  }
  return out;
}

/** Index of each row's largest value (the first one on ties). */
export function argmaxRows(values: Float32Array, nOut: number): Int32Array {
  const n = values.length / nOut;
  const out = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let j = 1; j < nOut; j++) if ((values[r * nOut + j] as number) > (values[r * nOut + best] as number)) best = j;
    out[r] = best;
  }
  return out;
}

/**
 * Cross-entropy per item, `nn.CrossEntropyLoss(reduction='none', label_smoothing=ε)`:
 * `(1−ε)·(−log p_target) + (ε/C)·Σ_c −log p_c`, log-probabilities from a stable log-softmax.
 */
export function crossEntropyPerItem(logits: Float32Array, targets: Int32Array, nOut: number, labelSmoothing = 0): Float32Array {
  const out = new Float32Array(targets.length);
  for (let r = 0; r < targets.length; r++) {
    const row = logits.subarray(r * nOut, (r + 1) * nOut);
    let max = -Infinity;
    for (const v of row) max = Math.max(max, v);
    let sum = 0;
    for (const v of row) sum += Math.exp(v - max);
    const logSum = max + Math.log(sum);
    const target = targets[r] as number;
    const nll = logSum - (row[target] as number);
    if (labelSmoothing === 0) {
      out[r] = nll;
      continue;
    }
    let smooth = 0;
    for (const v of row) smooth += logSum - v;
    out[r] = (1 - labelSmoothing) * nll + (labelSmoothing / nOut) * smooth;
  }
  return out;
}

export function checkActivation(where: string, name: string, act: unknown): Activation {
  if (act === undefined) return 'softmax';
  if (act === 'softmax' || act === 'none' || typeof act === 'function') return act as Activation;
  throw invalidParameterError(where, name, "'softmax', 'none' or a function of one row of logits", act);
}

export function activate(logits: Float32Array, nOut: number, act: Activation): Float32Array {
  if (act === 'softmax') return softmax(logits, nOut);
  if (act === 'none') return Float32Array.from(logits);
  const out = new Float32Array(logits.length);
  for (let r = 0; r * nOut < logits.length; r++) {
    const row = act(logits.slice(r * nOut, (r + 1) * nOut));
    if (row === null || typeof row !== 'object' || row.length !== nOut) {
      throw new FasttuneError(`act must return ${nOut} values for a row of logits, got ${row === null || typeof row !== 'object' ? String(row) : `${row.length} values`}`, 'E_ARG');
    }
    out.set(row, r * nOut);
  }
  return out;
}

/** A batch the model can take: unlabelled items (label −1) get a placeholder label whose loss is not used. */
export function labelled(batch: Batch): Batch {
  return batch.labels.some((l) => l < 0) ? { ...batch, labels: new Int32Array(batch.labels.length) } : batch;
}

/** The model's logits and the targets of every item of `dl`, in eval mode (steps queued per model). */
export async function collectLogits(model: ModelCore, dl: DataLoader, signal?: AbortSignal): Promise<{ logits: Float32Array; targets: Int32Array }> {
  const logits: Float32Array[] = [];
  const targets: Int32Array[] = [];
  for await (const batch of dl) {
    if (signal?.aborted) throw signal.reason;
    const input = labelled(batch);
    const out = await serially(model, () => model.evalStep(input));
    if (out.logits.length !== batch.labels.length * model.nOut) {
      throw new FasttuneError(`evalStep returned ${out.logits.length} logits for ${batch.labels.length} items of ${model.nOut} classes`, 'E_NATIVE');
    }
    logits.push(out.logits);
    targets.push(batch.labels);
  }
  return { logits: concat(logits, Float32Array), targets: concat(targets, Int32Array) };
}

export function concat<T extends Float32Array | Int32Array>(parts: readonly T[], Ctor: { new (n: number): T }): T {
  const out = new Ctor(parts.reduce((s, p) => s + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Builds {@link Predictions} from logits and targets. */
export function predictionsFrom(
  logits: Float32Array,
  targets: Int32Array,
  nOut: number,
  options: { act: Activation; withDecoded: boolean; withLoss: boolean; loss: LossSpec },
): Predictions {
  const probs = activate(logits, nOut, options.act);
  const result: { -readonly [K in keyof Predictions]: Predictions[K] } = { n: targets.length, nOut, probs, targets };
  if (options.withDecoded) result.decoded = argmaxRows(probs, nOut);
  if (options.withLoss) {
    const unlabelled = targets.findIndex((t) => t < 0);
    if (unlabelled >= 0) throw new FasttuneError(`getPreds: withLoss needs labelled items; item ${unlabelled} has no label`, 'E_ARG');
    result.losses = crossEntropyPerItem(logits, targets, nOut, options.loss.labelSmoothing);
  }
  return result;
}
