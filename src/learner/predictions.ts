// Predictions over a whole loader, as fastai's get_preds: eval mode, loader order, probabilities
// from the loss's activation, the decoded class, and per-item losses computed as the model's loss.
import { invalidParameterError } from '../core/validate.js';
import { FasttuneError } from '../core/errors.js';
import type { Batch, DataLoader } from '../data/loader-contract.js';
import type { LossSpec, ModelCore } from '../model/types.js';
import { serially } from './serial.js';

/**
 * What turns a row of logits into the returned values: `'softmax'` (cross-entropy's and focal
 * loss's activation), `'sigmoid'` (BCE's, multi-label), `'none'` (the outputs themselves,
 * regression) or a function of one row. The default is the loss's.
 */
export type Activation = 'softmax' | 'sigmoid' | 'none' | ((logits: Float32Array) => ArrayLike<number>);

/** fastai's `loss_func.activation`: softmax for class indices, sigmoid for BCE, none for regression. */
export function activationOf(loss: LossSpec): 'softmax' | 'sigmoid' | 'none' {
  if (loss.kind === 'bceWithLogits') return 'sigmoid';
  return loss.kind === 'mse' || loss.kind === 'l1' ? 'none' : 'softmax';
}

/** Predictions for the items of one loader, in its order. */
export interface Predictions {
  /** Number of items. */
  readonly n: number;
  /** Number of classes. */
  readonly nOut: number;
  /** Activations (probabilities by default), row-major n × nOut. */
  readonly probs: Float32Array;
  /** Class index per item; -1 for unlabelled items (a test loader) and for float targets. */
  readonly targets: Int32Array;
  /** Float targets (multi-hot rows or regression values), n × nOut, when the data has them. */
  readonly targetValues?: Float32Array;
  /**
   * With `withDecoded`: the argmax of each row (single-label), or n × nOut 0/1 flags of the
   * probabilities above the loss's `thresh` (multi-label); none for regression.
   */
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
 * Cross-entropy per item, `nn.CrossEntropyLoss(weight, label_smoothing=ε, reduction='none')`:
 * `w_y·(1−ε)·(−log p_y) + (ε/C)·Σ_c w_c·(−log p_c)` (w = 1 without weights), log-probabilities
 * from a stable log-softmax.
 */
export function crossEntropyPerItem(
  logits: Float32Array,
  targets: Int32Array,
  nOut: number,
  labelSmoothing = 0,
  weight: readonly number[] | null = null,
): Float32Array {
  const wOf = (c: number) => (weight ? (weight[c] as number) : 1);
  const out = new Float32Array(targets.length);
  for (let r = 0; r < targets.length; r++) {
    const row = logits.subarray(r * nOut, (r + 1) * nOut);
    let max = -Infinity;
    for (const v of row) max = Math.max(max, v);
    let sum = 0;
    for (const v of row) sum += Math.exp(v - max);
    const logSum = max + Math.log(sum);
    const target = targets[r] as number;
    const nll = wOf(target) * (logSum - (row[target] as number));
    if (labelSmoothing === 0) {
      out[r] = nll;
      continue;
    }
    let smooth = 0;
    row.forEach((v, c) => {
      smooth += wOf(c) * (logSum - v);
    });
    out[r] = (1 - labelSmoothing) * nll + (labelSmoothing / nOut) * smooth;
  }
  return out;
}

export function checkActivation(where: string, name: string, act: unknown, fallback: Activation = 'softmax'): Activation {
  if (act === undefined) return fallback;
  if (act === 'softmax' || act === 'sigmoid' || act === 'none' || typeof act === 'function') return act as Activation;
  throw invalidParameterError(where, name, "'softmax', 'sigmoid', 'none' or a function of one row of logits", act);
}

export function activate(logits: Float32Array, nOut: number, act: Activation): Float32Array {
  if (act === 'softmax') return softmax(logits, nOut);
  if (act === 'sigmoid') return logits.map((x) => 1 / (1 + Math.exp(-x)));
  if (act === 'none') return Float32Array.from(logits);
  const out = new Float32Array(logits.length);
  for (let r = 0; r * nOut < logits.length; r++) {
    const row = act(logits.slice(r * nOut, (r + 1) * nOut));
    if (row === null || typeof row !== 'object' || row.length !== nOut) {
      throw new FasttuneError(
        `act must return ${nOut} values for a row of logits, got ${row === null || typeof row !== 'object' ? String(row) : `${row.length} values`}`,
        'E_ARG',
      );
    }
    out.set(row, r * nOut);
  }
  return out;
}

/**
 * A batch the model can take: unlabelled items (label −1, no float targets) get placeholder
 * targets whose loss is not used.
 */
export function labelled(batch: Batch, nOut: number): Batch {
  const n = batch.labels.length;
  const withTargets = batch.targets ? batch : { ...batch, targets: new Float32Array(n * nOut) };
  return batch.labels.some((l) => l < 0) ? { ...withTargets, labels: new Int32Array(n) } : withTargets;
}

/** The model's logits and the targets of every item of `dl`, in eval mode (steps queued per model). */
export async function collectLogits(
  model: ModelCore,
  dl: DataLoader,
  signal?: AbortSignal,
): Promise<{ logits: Float32Array; targets: Int32Array; targetValues?: Float32Array }> {
  const logits: Float32Array[] = [];
  const targets: Int32Array[] = [];
  const values: Float32Array[] = [];
  for await (const batch of dl) {
    if (signal?.aborted) throw signal.reason;
    if (batch.targets) values.push(batch.targets);
    const input = labelled(batch, model.nOut);
    const out = await serially(model, () => model.evalStep(input));
    if (out.logits.length !== batch.labels.length * model.nOut) {
      throw new FasttuneError(`evalStep returned ${out.logits.length} logits for ${batch.labels.length} items of ${model.nOut} classes`, 'E_NATIVE');
    }
    logits.push(out.logits);
    targets.push(batch.labels);
  }
  const targetValues = values.length === targets.length && values.length > 0 ? concat(values, Float32Array) : undefined;
  return { logits: concat(logits, Float32Array), targets: concat(targets, Int32Array), ...(targetValues && { targetValues }) };
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

/** 0/1 flags of `probs` above `thresh`, as fastai decodes multi-label predictions. */
export function aboveThreshold(probs: Float32Array, thresh: number): Int32Array {
  return Int32Array.from(probs, (p) => (p > thresh ? 1 : 0));
}

/** Builds {@link Predictions} from logits and targets (and float targets, when the data has them). */
export function predictionsFrom(
  logits: Float32Array,
  targets: Int32Array,
  nOut: number,
  options: { act: Activation; withDecoded: boolean; withLoss: boolean; loss: LossSpec; targetValues?: Float32Array },
): Predictions {
  const { loss, targetValues } = options;
  const probs = activate(logits, nOut, options.act);
  const result: { -readonly [K in keyof Predictions]: Predictions[K] } = { n: targets.length, nOut, probs, targets, ...(targetValues && { targetValues }) };
  if (options.withDecoded && loss.kind !== 'mse' && loss.kind !== 'l1') {
    result.decoded = loss.kind === 'bceWithLogits' ? aboveThreshold(activate(logits, nOut, 'sigmoid'), loss.thresh ?? 0.5) : argmaxRows(probs, nOut);
  }
  if (options.withLoss) {
    const classes = loss.kind === 'crossEntropy' || loss.kind === 'focal';
    const unlabelled = classes ? targets.findIndex((t) => t < 0) : targetValues ? -1 : 0;
    if (unlabelled >= 0) throw new FasttuneError(`getPreds: withLoss needs labelled items; item ${unlabelled} has no label`, 'E_ARG');
    result.losses = itemLosses(loss, logits, nOut, targets, targetValues);
  }
  return result;
}

/**
 * The loss of each item, as the loss with `reduction='none'` (BCE, MSE and L1 averaged over the
 * item's outputs, as the native step's batch mean sees them).
 */
export function itemLosses(loss: LossSpec, logits: Float32Array, nOut: number, targets: Int32Array, targetValues?: Float32Array): Float32Array {
  const n = targets.length;
  const w = loss.weight ?? null;
  if (loss.kind === 'crossEntropy' || loss.kind === 'focal') {
    const ce = crossEntropyPerItem(logits, targets, nOut, loss.labelSmoothing, w);
    if (loss.kind === 'crossEntropy') return ce;
    const gamma = loss.gamma ?? 2;
    return ce.map((c) => (1 - Math.exp(-c)) ** gamma * c);
  }
  const values = targetValues as Float32Array;
  const out = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    let sum = 0;
    for (let j = 0; j < nOut; j++) {
      const x = logits[r * nOut + j] as number;
      const y = values[r * nOut + j] as number;
      if (loss.kind === 'mse') sum += (x - y) ** 2;
      else if (loss.kind === 'l1') sum += Math.abs(x - y);
      else sum += (w?.[j] ?? 1) * (Math.max(x, 0) - x * y + Math.log1p(Math.exp(-Math.abs(x))));
    }
    out[r] = sum / nOut;
  }
  return out;
}
