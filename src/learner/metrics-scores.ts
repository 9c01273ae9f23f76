// Scores from counts of right and wrong decisions, as scikit-learn defines them (its defaults:
// a division by zero gives 0, "zero_division='warn'"). Pure functions over class indices or
// 0/1 decisions; float64 throughout, as scikit-learn computes.

/** How per-label scores are combined (scikit-learn's `average`). */
export type Average = 'binary' | 'micro' | 'macro' | 'weighted' | 'samples';

/** Per-label counts: true positives, predicted and true totals, and which labels take part. */
export interface LabelCounts {
  tp: Float64Array;
  predicted: Float64Array;
  actual: Float64Array;
  /** Labels present in the targets or the predictions (scikit-learn's `unique_labels`). */
  present: boolean[];
}

function bump(counts: Float64Array, at: number, by = 1): void {
  counts[at] = (counts[at] as number) + by;
}

/** Counts per class of single-label predictions against targets, `k` classes. */
export function classCounts(preds: Int32Array, targets: Int32Array, k: number): LabelCounts {
  const counts = { tp: new Float64Array(k), predicted: new Float64Array(k), actual: new Float64Array(k), present: Array<boolean>(k).fill(false) };
  for (let i = 0; i < targets.length; i++) {
    const [p, t] = [preds[i] as number, targets[i] as number];
    bump(counts.predicted, p);
    bump(counts.actual, t);
    if (p === t) bump(counts.tp, p);
    counts.present[p] = counts.present[t] = true;
  }
  return counts;
}

/**
 * Counts of 0/1 decisions against 0/1 targets, both n × k: per column (every label takes part, as
 * for scikit-learn's multilabel-indicator targets), or per row with `samplewise`.
 */
export function multiLabelCounts(decisions: Uint8Array, truth: Uint8Array, k: number, samplewise = false): LabelCounts {
  const n = truth.length / k;
  const size = samplewise ? n : k;
  const counts = { tp: new Float64Array(size), predicted: new Float64Array(size), actual: new Float64Array(size), present: Array<boolean>(size).fill(true) };
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < k; j++) {
      const at = samplewise ? i : j;
      const [p, t] = [decisions[i * k + j] as number, truth[i * k + j] as number];
      bump(counts.predicted, at, p);
      bump(counts.actual, at, t);
      bump(counts.tp, at, p & t);
    }
  }
  return counts;
}

/** Precision, recall and F-beta, each combined over labels by `average`. */
export interface Scores {
  precision: number;
  recall: number;
  fbeta: number;
}

/** a / b, 0 where b is 0 (scikit-learn's `_prf_divide` with zero_division 'warn'). */
function divide(a: number, b: number): number {
  return b === 0 ? 0 : a / b;
}

function scoresOf(tp: number, predicted: number, actual: number, beta2: number): Scores {
  const precision = divide(tp, predicted);
  const recall = divide(tp, actual);
  const denom = beta2 * precision + recall;
  return { precision, recall, fbeta: ((1 + beta2) * precision * recall) / (denom === 0 ? 1 : denom) };
}

/**
 * scikit-learn's `precision_recall_fscore_support` with an `average`: 'binary' scores the label
 * `posLabel` alone; 'micro' pools the counts; 'macro' is the plain mean over the labels taking
 * part, 'weighted' the mean weighted by their true totals; 'samples' the mean over rows (counts
 * made `samplewise`).
 */
export function averagedScores(counts: LabelCounts, average: Average, beta: number, posLabel = 1): Scores {
  const beta2 = beta * beta;
  const { tp, predicted, actual, present } = counts;
  if (average === 'binary') return scoresOf(tp[posLabel] as number, predicted[posLabel] as number, actual[posLabel] as number, beta2);
  const labels = present.flatMap((on, j) => (on ? [j] : []));
  if (average === 'micro') {
    const sum = (a: Float64Array) => labels.reduce((s, j) => s + (a[j] as number), 0);
    return scoresOf(sum(tp), sum(predicted), sum(actual), beta2);
  }
  const each = labels.map((j) => scoresOf(tp[j] as number, predicted[j] as number, actual[j] as number, beta2));
  const weights = labels.map((j) => (average === 'weighted' ? (actual[j] as number) : 1));
  const total = weights.reduce((s, w) => s + w, 0);
  // No true positives anywhere: scikit-learn's weighted average gives 0 (zero_division 'warn').
  if (total === 0) return { precision: 0, recall: 0, fbeta: 0 };
  const mean = (key: keyof Scores) => each.reduce((s, e, i) => s + e[key] * (weights[i] as number), 0) / total;
  return { precision: mean('precision'), recall: mean('recall'), fbeta: mean('fbeta') };
}

/** The k × k confusion matrix, row = target, column = prediction, row-major. */
function confusion(preds: Int32Array, targets: Int32Array, k: number): Float64Array {
  const cm = new Float64Array(k * k);
  for (let i = 0; i < targets.length; i++) bump(cm, (targets[i] as number) * k + (preds[i] as number));
  return cm;
}

/** Matthews correlation coefficient, multiclass (scikit-learn's formula; 0 where undefined). */
export function matthewsCorrCoef(preds: Int32Array, targets: Int32Array, k: number): number {
  const { tp, predicted, actual } = classCounts(preds, targets, k);
  const n = targets.length;
  let correct = 0;
  let tDotP = 0;
  let pDotP = 0;
  let tDotT = 0;
  for (let j = 0; j < k; j++) {
    const [t, p] = [actual[j] as number, predicted[j] as number];
    correct += tp[j] as number;
    tDotP += t * p;
    pDotP += p * p;
    tDotT += t * t;
  }
  const covYtYp = correct * n - tDotP;
  const covYpYp = n * n - pDotP;
  const covYtYt = n * n - tDotT;
  return covYpYp * covYtYt === 0 ? 0 : covYtYp / Math.sqrt(covYtYt * covYpYp);
}

/**
 * Mean recall over the classes that occur in the targets (a class only predicted is left out);
 * `adjusted` rescales so that chance scores 0 (scikit-learn's `balanced_accuracy_score`).
 */
export function balancedAccuracy(preds: Int32Array, targets: Int32Array, k: number, adjusted: boolean): number {
  const { tp, actual } = classCounts(preds, targets, k);
  const recalls: number[] = [];
  for (let j = 0; j < k; j++) if ((actual[j] as number) > 0) recalls.push((tp[j] as number) / (actual[j] as number));
  let score = recalls.reduce((s, r) => s + r, 0) / recalls.length;
  if (adjusted) {
    const chance = 1 / recalls.length;
    score = (score - chance) / (1 - chance);
  }
  return score;
}

/** Disagreement weights of Cohen's kappa: none (all off-diagonal 1), linear or quadratic in the label distance. */
export type KappaWeights = 'none' | 'linear' | 'quadratic';

/**
 * Cohen's kappa between predictions and targets (scikit-learn's `cohen_kappa_score`): over the
 * labels present in either, the distance of linear/quadratic weights counted in positions among
 * those labels.
 */
export function cohenKappa(preds: Int32Array, targets: Int32Array, k: number, weights: KappaWeights): number {
  const { present } = classCounts(preds, targets, k);
  const labels = present.flatMap((on, j) => (on ? [j] : []));
  const m = labels.length;
  const full = confusion(preds, targets, k);
  const cm = labels.flatMap((r) => labels.map((c) => full[r * k + c] as number));
  const predicted = labels.map((_, c) => labels.reduce((s, _r, r) => s + (cm[r * m + c] as number), 0));
  const actual = labels.map((_, r) => labels.reduce((s, _c, c) => s + (cm[r * m + c] as number), 0));
  const n = predicted.reduce((s, v) => s + v, 0);
  let observed = 0;
  let expected = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      const w = weights === 'none' ? (i === j ? 0 : 1) : weights === 'linear' ? Math.abs(i - j) : (i - j) ** 2;
      observed += w * (cm[i * m + j] as number);
      // scikit-learn's expected matrix is outer(column sums, row sums) / n.
      expected += (w * (predicted[i] as number) * (actual[j] as number)) / n;
    }
  }
  return 1 - observed / expected;
}
