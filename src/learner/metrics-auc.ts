// Area under the ROC curve, as scikit-learn's `roc_auc_score` computes it: binary, one-vs-rest
// and one-vs-one (Hand & Till) for multiclass scores, and per column for multi-label scores.
// NaN where scikit-learn raises because the area is undefined (a target column of one class).

/**
 * Area under the ROC curve of `scores` for the items where `positive(i)` holds, among the items
 * `i` of `items` (all when absent). Computed as the Mann–Whitney statistic with tied scores
 * sharing their mean rank, which is the trapezoid area of the ROC curve with ties grouped.
 */
export function binaryRocAuc(scores: ArrayLike<number>, positive: (i: number) => boolean, items?: readonly number[]): number {
  const order = items ? [...items] : Array.from({ length: scores.length }, (_, i) => i);
  order.sort((a, b) => (scores[a] as number) - (scores[b] as number));
  let positives = 0;
  let rankSum = 0;
  for (let start = 0; start < order.length; ) {
    let end = start + 1;
    while (end < order.length && scores[order[end] as number] === scores[order[start] as number]) end++;
    // Ranks start..end-1 (1-based: start+1..end) share their mean.
    const meanRank = (start + 1 + end) / 2;
    for (let r = start; r < end; r++) {
      if (positive(order[r] as number)) {
        positives += 1;
        rankSum += meanRank;
      }
    }
    start = end;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** How a multiclass area is combined: over one-vs-rest columns or one-vs-one pairs. */
export type MultiClass = 'ovr' | 'ovo';

/**
 * Multiclass area from probabilities `probs` (n × k, rows summing to 1) and class indices. Needs
 * every class in the targets (NaN otherwise, where scikit-learn raises). 'ovr' averages the k
 * one-vs-rest areas ('macro': plainly, 'weighted': by class counts, 'micro': one area over every
 * (item, class) cell); 'ovo' averages, over class pairs, the mean of the two areas within the pair
 * ('weighted': by the pair's share of items).
 */
export function multiclassRocAuc(probs: Float32Array, targets: Int32Array, k: number, multiClass: MultiClass, average: 'macro' | 'weighted' | 'micro'): number {
  const n = targets.length;
  const counts = new Float64Array(k);
  for (const t of targets) counts[t] = (counts[t] as number) + 1;
  if (counts.some((c) => c === 0)) return Number.NaN;
  if (multiClass === 'ovr' && average === 'micro') return binaryRocAuc(probs, (cell) => targets[Math.floor(cell / k)] === cell % k);
  const columns = Array.from({ length: k }, (_, c) => Float32Array.from({ length: n }, (_, i) => probs[i * k + c] as number));
  const column = (c: number) => columns[c] as Float32Array;
  if (multiClass === 'ovr') {
    const areas = Array.from({ length: k }, (_, c) => binaryRocAuc(column(c), (i) => targets[i] === c));
    return weightedMean(areas, average === 'weighted' ? [...counts] : undefined);
  }
  const areas: number[] = [];
  const shares: number[] = [];
  for (let a = 0; a < k; a++) {
    for (let b = a + 1; b < k; b++) {
      const pair = [];
      for (let i = 0; i < n; i++) if (targets[i] === a || targets[i] === b) pair.push(i);
      const aArea = binaryRocAuc(column(a), (i) => targets[i] === a, pair);
      const bArea = binaryRocAuc(column(b), (i) => targets[i] === b, pair);
      areas.push((aArea + bArea) / 2);
      shares.push(pair.length / n);
    }
  }
  return weightedMean(areas, average === 'weighted' ? shares : undefined);
}

/**
 * Multi-label area from scores (n × k) and 0/1 targets (n × k): 'macro' and 'weighted' (by positives)
 * average the per-column areas, 'micro' is one area over every cell, 'samples' averages per-row areas.
 */
export function multiLabelRocAuc(scores: Float32Array, truth: Uint8Array, k: number, average: 'macro' | 'weighted' | 'micro' | 'samples'): number {
  const n = truth.length / k;
  if (average === 'micro') return binaryRocAuc(scores, (cell) => truth[cell] === 1);
  if (average === 'samples') {
    const areas = Array.from({ length: n }, (_, i) => binaryRocAuc(scores.subarray(i * k, (i + 1) * k), (j) => truth[i * k + j] === 1));
    return weightedMean(areas);
  }
  const positives = Array.from({ length: k }, (_, j) => {
    let count = 0;
    for (let i = 0; i < n; i++) count += truth[i * k + j] as number;
    return count;
  });
  // scikit-learn returns 0 for a weighted average without any positive.
  if (average === 'weighted' && positives.every((p) => p === 0)) return 0;
  const areas = Array.from({ length: k }, (_, j) =>
    binaryRocAuc(
      Float32Array.from({ length: n }, (_, i) => scores[i * k + j] as number),
      (i) => truth[i * k + j] === 1,
    ),
  );
  return weightedMean(areas, average === 'weighted' ? positives : undefined);
}

function weightedMean(values: readonly number[], weights?: readonly number[]): number {
  let sum = 0;
  let total = 0;
  values.forEach((v, i) => {
    const w = weights ? (weights[i] as number) : 1;
    sum += v * w;
    total += w;
  });
  return sum / total;
}
