// fasttune's side of the model benchmarks, one measurement per process (spawned by run.ts; the
// PyTorch twin is model_torch.py with the same configuration). Runs the built library (dist/).
//
//   node --import ./test/helpers/ts-register.mjs test/bench/model-worker.ts '<json config>'
//
// Modes:
//   train    Learner.fit over in-memory uint8 batches: seconds per training step (loader, events,
//            native step) after `warmup` steps; RSS every `rssEvery` steps.
//   eval     getPreds over an in-memory loader: eval-mode forward and loss per batch, the
//            probabilities of every item at the end; seconds per pass.
//   predict  one image at a time: seconds per call.
// Prints one JSON line.
import { readFileSync } from 'node:fs';
import type { Batch, DataLoader } from '../../dist/data/loader-contract.js';
import {
  createVisionModel,
  Learner,
  setNumThreads,
  type Callback,
  type DeviceName,
  type FloatPrecision as Precision,
  type ArchName,
  type VisionModel,
} from '../../dist/index.js';

interface Config {
  mode: 'train' | 'eval' | 'predict';
  /** torchvision's name (default resnet34). */
  arch?: ArchName;
  device?: string;
  bs: number;
  size: number;
  nOut: number;
  precision: Precision;
  channelsLast: boolean;
  /** Default true (the library's default); false evaluates the unfolded modules. */
  foldBn?: boolean;
  /** LibTorch intra-op threads (default: the library's, one per core). */
  threads?: number;
  warmup: number;
  steps: number;
  batches: number;
  passes: number;
  calls: number;
  rssEvery?: number;
  lr?: number;
}

const cfg = JSON.parse(process.argv[2] ?? '{}') as Config;
const now = () => performance.now() / 1000;
const mib = (bytes: number) => bytes / 2 ** 20;

/** Random uint8 batches (a fixed LCG), `count` distinct ones. */
function makeBatches(bs: number, count: number): Batch[] {
  let state = 1;
  const next = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0);
  return Array.from({ length: count }, () => ({
    images: new Uint8Array(bs * cfg.size * cfg.size * 3).map(() => next() >>> 24),
    shape: [bs, cfg.size, cfg.size, 3] as Batch['shape'],
    labels: Int32Array.from({ length: bs }, () => next() % cfg.nOut),
  }));
}

/** Yields `length` batches, cycling through a few distinct ones. */
class MemoryLoader implements DataLoader {
  constructor(
    private readonly batches: Batch[],
    readonly length: number,
  ) {}
  get bs(): number {
    return this.batches[0]?.shape[0] ?? 0;
  }
  get n(): number {
    return this.length * this.bs;
  }
  async *[Symbol.asyncIterator](): AsyncIterator<Batch> {
    for (let i = 0; i < this.length; i++) yield this.batches[i % this.batches.length] as Batch;
  }
}

async function model(): Promise<VisionModel> {
  if (cfg.threads !== undefined) setNumThreads(cfg.threads);
  return createVisionModel({
    arch: cfg.arch ?? 'resnet34',
    nOut: cfg.nOut,
    device: (cfg.device ?? 'cpu') as DeviceName,
    precision: cfg.precision,
    channelsLast: cfg.channelsLast,
    foldBn: cfg.foldBn ?? true,
  });
}

function learner(m: VisionModel, train: DataLoader, valid: DataLoader): Learner {
  const dls = { train, valid, vocab: Array.from({ length: cfg.nOut }, (_, i) => `c${i}`), c: cfg.nOut };
  return new Learner(dls, m, { progress: false, output: { write: () => true } });
}

async function train() {
  using m = await model();
  const total = cfg.warmup + cfg.steps;
  const batches = makeBatches(cfg.bs, Math.min(4, total));
  const learn = learner(m, new MemoryLoader(batches, total), new MemoryLoader(batches, 1));
  const stepSeconds: number[] = [];
  const rssMiB: Record<number, number> = {};
  let last = 0;
  const timer: Callback = {
    name: 'BenchTimer',
    order: 100,
    runValid: false,
    beforeTrain: () => {
      last = now();
    },
    afterBatch: (l) => {
      const t = now();
      stepSeconds.push(t - last);
      last = t;
      if (cfg.rssEvery && (l.iter + 1) % cfg.rssEvery === 0) rssMiB[l.iter + 1] = mib(process.memoryUsage.rss());
    },
  };
  await learn.fit(1, cfg.lr ?? 1e-3, { cbs: [timer] });
  return { stepSeconds: stepSeconds.slice(cfg.warmup), rssMiB, peakMiB: peakRss() };
}

async function evaluate() {
  using m = await model();
  const batches = makeBatches(cfg.bs, cfg.batches);
  const loader = new MemoryLoader(batches, cfg.batches);
  const passSeconds: number[] = [];
  for (let p = 0; p < cfg.warmup + cfg.passes; p++) {
    const start = now();
    const logits: Float32Array[] = [];
    for await (const batch of loader) logits.push((await m.evalStep(batch)).logits);
    const probs = softmaxRows(concat(logits), cfg.nOut);
    if (probs.length !== cfg.batches * cfg.bs * cfg.nOut) throw new Error('wrong number of predictions');
    passSeconds.push(now() - start);
  }
  return { passSeconds: passSeconds.slice(cfg.warmup), images: cfg.batches * cfg.bs };
}

async function predict() {
  using m = await model();
  const [one] = makeBatches(1, 1) as [Batch];
  const callSeconds: number[] = [];
  for (let k = 0; k < cfg.warmup + cfg.calls; k++) {
    const start = now();
    softmaxRows(await m.predict(one.images, one.shape), cfg.nOut);
    callSeconds.push(now() - start);
  }
  return { callSeconds: callSeconds.slice(cfg.warmup) };
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function softmaxRows(x: Float32Array, c: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let r = 0; r < x.length; r += c) {
    let max = -Infinity;
    for (let j = 0; j < c; j++) max = Math.max(max, x[r + j] as number);
    let sum = 0;
    for (let j = 0; j < c; j++) sum += out[r + j] = Math.exp((x[r + j] as number) - max);
    for (let j = 0; j < c; j++) out[r + j] = (out[r + j] as number) / sum;
  }
  return out;
}

/** Peak resident memory of this process (VmHWM), MiB. */
function peakRss(): number {
  const line = readFileSync('/proc/self/status', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmHWM:'));
  return line ? Number(line.split(/\s+/)[1]) / 1024 : Number.NaN;
}

const cpu = process.cpuUsage();
const result = await { train, eval: evaluate, predict }[cfg.mode]();
const used = process.cpuUsage(cpu);
const { getNumThreads } = await import('../../dist/index.js');
console.log(JSON.stringify({ ...result, cpuSeconds: (used.user + used.system) / 1e6, threads: getNumThreads() }));
