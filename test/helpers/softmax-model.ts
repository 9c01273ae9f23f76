// A small pure-TypeScript ModelCore for Learner tests: softmax regression on the pixels, with a
// BatchNorm-like running mean buffer, parameter groups, freezing and fastai's Adam (or SGD).
import type { Batch } from '../../src/data/loader-contract.js';
import type { EvalResult, GroupHypers, ModelCore, ModelSettings } from '../../src/model/types.js';
import { rng } from './memory-data.js';

interface GroupState {
  /** First moment (Adam) or momentum buffer (SGD), per parameter of the group. */
  avg: Float64Array;
  /** Second moment (Adam). */
  sqrAvg: Float64Array;
  step: number;
}

interface Saved {
  theta: Float64Array;
  runningMean: Float64Array;
  state: (GroupState | undefined)[];
}

/**
 * logits = W·(x − runningMean) + b with x the pixels / 255. The features are split into
 * `nGroups` contiguous chunks; group g owns W's columns of chunk g, the last group also owns the
 * bias (a "bias" parameter: no weight decay unless wdBnBias).
 */
export class SoftmaxModel implements ModelCore {
  readonly nGroups: number;
  readonly nOut: number;
  readonly nFeatures: number;
  /** W (nOut × nFeatures, row-major) followed by b (nOut). */
  theta: Float64Array;
  runningMean: Float64Array;
  settings: ModelSettings = { loss: { kind: 'crossEntropy', labelSmoothing: 0 }, optimizer: 'adam', wdBnBias: false, trainBn: true };
  frozenTo = 0;
  /** Hyper-parameters received by each trainStep, in order. */
  readonly steps: GroupHypers[][] = [];
  readonly freezeCalls: number[] = [];
  evalCalls = 0;
  snapshots = 0;
  restores = 0;
  private state: (GroupState | undefined)[];
  private saved: Saved | undefined;
  private readonly groupParams: number[][];
  private readonly biasParams: Set<number>;

  constructor({ nFeatures, nOut, nGroups = 3, seed = 0 }: { nFeatures: number; nOut: number; nGroups?: number; seed?: number }) {
    this.nGroups = nGroups;
    this.nOut = nOut;
    this.nFeatures = nFeatures;
    const random = rng(seed);
    this.theta = Float64Array.from({ length: nOut * nFeatures + nOut }, (_, i) => (i < nOut * nFeatures ? (random() - 0.5) * 0.02 : 0));
    this.runningMean = new Float64Array(nFeatures);
    const chunk = Math.ceil(nFeatures / nGroups);
    this.groupParams = Array.from({ length: nGroups }, (_, g) => {
      const ids: number[] = [];
      for (let j = g * chunk; j < Math.min((g + 1) * chunk, nFeatures); j++) for (let k = 0; k < nOut; k++) ids.push(k * nFeatures + j);
      if (g === nGroups - 1) for (let k = 0; k < nOut; k++) ids.push(nOut * nFeatures + k);
      return ids;
    });
    this.biasParams = new Set(Array.from({ length: nOut }, (_, k) => nOut * nFeatures + k));
    this.state = Array(nGroups).fill(undefined);
  }

  configure(settings: ModelSettings): void {
    this.settings = settings;
  }

  freezeTo(n: number): void {
    this.freezeCalls.push(n);
    this.frozenTo = n;
    this.state = Array(this.nGroups).fill(undefined);
  }

  async trainStep(batch: Batch, hypers: readonly GroupHypers[]): Promise<number> {
    const x = this.features(batch);
    this.updateRunningMean(x, batch.labels.length);
    const { loss, grad } = this.lossAndGrad(x, batch.labels);
    this.steps.push(hypers.map((h) => ({ ...h })));
    for (let g = this.frozenTo; g < this.nGroups; g++) this.stepGroup(g, grad, hypers[g] as GroupHypers);
    return loss;
  }

  async evalStep(batch: Batch): Promise<EvalResult> {
    this.evalCalls += 1;
    const x = this.features(batch);
    const { loss, logits } = this.lossAndGrad(x, batch.labels);
    return { loss, logits: Float32Array.from(logits) };
  }

  async snapshot(): Promise<void> {
    this.snapshots += 1;
    this.saved = {
      theta: this.theta.slice(),
      runningMean: this.runningMean.slice(),
      state: this.state.map((s) => s && { avg: s.avg.slice(), sqrAvg: s.sqrAvg.slice(), step: s.step }),
    };
  }

  async restore(): Promise<void> {
    if (!this.saved) throw new Error('restore without snapshot');
    this.restores += 1;
    this.theta = this.saved.theta.slice();
    this.runningMean = this.saved.runningMean.slice();
    this.state = this.saved.state.map((s) => s && { avg: s.avg.slice(), sqrAvg: s.sqrAvg.slice(), step: s.step });
  }

  dispose(): void {}

  /** A copy of everything snapshot() keeps, for comparisons in tests. */
  fullState(): { theta: number[]; runningMean: number[]; state: unknown } {
    return {
      theta: [...this.theta],
      runningMean: [...this.runningMean],
      state: this.state.map((s) => s && { avg: [...s.avg], sqrAvg: [...s.sqrAvg], step: s.step }),
    };
  }

  private features(batch: Batch): Float64Array {
    const [n] = batch.shape;
    if (batch.images.length !== n * this.nFeatures) throw new Error(`expected ${this.nFeatures} values per image`);
    return Float64Array.from(batch.images, (v) => v / 255);
  }

  private updateRunningMean(x: Float64Array, n: number): void {
    for (let j = 0; j < this.nFeatures; j++) {
      let mean = 0;
      for (let i = 0; i < n; i++) mean += x[i * this.nFeatures + j] as number;
      this.runningMean[j] = 0.9 * (this.runningMean[j] as number) + 0.1 * (mean / n);
    }
  }

  /** Mean (label-smoothed) cross-entropy, its gradient w.r.t. theta, and the logits. */
  private lossAndGrad(x: Float64Array, labels: Int32Array): { loss: number; grad: Float64Array; logits: Float64Array } {
    const { nOut: c, nFeatures: d } = this;
    const n = labels.length;
    const eps = this.settings.loss.labelSmoothing;
    const grad = new Float64Array(this.theta.length);
    const logits = new Float64Array(n * c);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < c; k++) {
        let z = this.theta[c * d + k] as number;
        for (let j = 0; j < d; j++) z += (this.theta[k * d + j] as number) * ((x[i * d + j] as number) - (this.runningMean[j] as number));
        logits[i * c + k] = z;
      }
      const row = logits.subarray(i * c, (i + 1) * c);
      const max = Math.max(...row);
      const sum = row.reduce((s, z) => s + Math.exp(z - max), 0);
      const logp = Array.from(row, (z) => z - max - Math.log(sum));
      const y = labels[i] as number;
      loss += -(1 - eps) * (logp[y] as number) - (eps / c) * logp.reduce((s, v) => s + v, 0);
      for (let k = 0; k < c; k++) {
        const target = (k === y ? 1 - eps : 0) + eps / c;
        const dz = (Math.exp(logp[k] as number) - target) / n;
        grad[c * d + k] = (grad[c * d + k] as number) + dz;
        for (let j = 0; j < d; j++) grad[k * d + j] = (grad[k * d + j] as number) + dz * ((x[i * d + j] as number) - (this.runningMean[j] as number));
      }
    }
    return { loss: loss / n, grad, logits };
  }

  private stepGroup(g: number, grad: Float64Array, h: GroupHypers): void {
    const ids = this.groupParams[g] as number[];
    const s = (this.state[g] ??= { avg: new Float64Array(ids.length), sqrAvg: new Float64Array(ids.length), step: 0 });
    s.step += 1;
    const adam = this.settings.optimizer === 'adam';
    ids.forEach((p, q) => {
      const gp = grad[p] as number;
      let w = this.theta[p] as number;
      if (h.wd !== 0 && (this.settings.wdBnBias || !this.biasParams.has(p))) w *= 1 - h.lr * h.wd;
      if (adam) {
        s.avg[q] = h.mom * (s.avg[q] as number) + (1 - h.mom) * gp;
        s.sqrAvg[q] = h.sqrMom * (s.sqrAvg[q] as number) + (1 - h.sqrMom) * gp * gp;
        const unbiased = Math.sqrt((s.sqrAvg[q] as number) / (1 - h.sqrMom ** s.step));
        w -= ((h.lr / (1 - h.mom ** s.step)) * (s.avg[q] as number)) / (unbiased + h.eps);
      } else {
        s.avg[q] = h.mom * (s.avg[q] as number) + gp;
        w -= h.lr * (s.avg[q] as number);
      }
      this.theta[p] = w;
    });
  }
}
