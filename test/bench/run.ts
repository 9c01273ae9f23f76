// `npm run bench`: fasttune against PyTorch 1.13 (Debian's /usr/bin/python3, the same LibTorch
// build fasttune links) on this machine, in this run. Each measurement is its own process; the two
// sides alternate, `--reps` times, and every ratio compares runs of the same repetition (a shared
// machine drifts between repetitions). Prints tables and writes bench-results.json.
//
//   npm run bench [-- --cases train,infer,archs,data,e2e,memory,scaling,defaults,serve] [--reps 3] [--steps 5]
//                 [--memory-steps 1000] [--e2e-images 512] [--quick] [--out bench-results.json]
//                 [--modes fp32,channels-last,bf16] [--device cuda]   (GPU machines: cases train and infer with AMP and channels-last;
//                                    FASTTUNE_PYTHON names the Python whose torch sees the GPU)
//
// Cases:
//   train    Learner.fit on in-memory uint8 batches vs a plain eager loop with AdamW in fastai's
//            groups: bs 32 @ 64 px, 16 @ 128 px, 8 @ 224 px; fp32, channels-last, bf16 autocast.
//            fp32 also against PyTorch with foreach AdamW and set_to_none (beyond its defaults;
//            not with --quick).
//   infer    getPreds over a loader (eval forward, loss, probabilities) and predict latency at bs 1.
//   archs    training steps and getPreds of resnet18, resnet50 and convnext_tiny at 128 px (fp32),
//            each beside the same torchvision network with fastai's head.
//   data     decode + presize + crop from photo-sized JPEGs vs torchvision's DataLoader (data-case.ts).
//   e2e      one epoch of fitOneCycle from a JPEG folder at 128 px vs PyTorch + torchvision.
//   memory   peak RSS of the e2e runs; RSS every 100 training steps up to --memory-steps.
//   scaling  seconds per training step against batch size and resolution.
//   defaults fasttune against itself with one default changed (foldBn, channels-last, intra-op
//            threads, OpenMP wait policy): what each default choice is worth here.
//   serve    `POST /predict` under autocannon at concurrency 1, 8, 32, with and without dynamic
//            batching, beside offline getPreds; 60 s (--quick: 20 s) for errors and RSS (serve-case.ts).
// Benchmarks are not tests: `npm test` never runs them.
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { dataCase } from './data-case.js';
import { serveCase } from './serve-case.js';
import { benchCache, ensureBuilt, fixed, machine, makeImages, median, ours, paired, ratioCell, root, table, theirs, type Paired } from './lib.js';

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: 'train,infer,archs,data,e2e,memory,scaling,defaults,serve' },
    reps: { type: 'string' },
    steps: { type: 'string' },
    'memory-steps': { type: 'string' },
    'e2e-images': { type: 'string' },
    quick: { type: 'boolean', default: false },
    device: { type: 'string', default: 'cpu' },
    modes: { type: 'string' },
    out: { type: 'string', default: 'bench-results.json' },
  },
});
const quick = values.quick;
const cases = new Set(values.cases.split(','));
const REPS = Number(values.reps ?? (quick ? 2 : 3));
const STEPS = Number(values.steps ?? (quick ? 3 : 5));
const MEMORY_STEPS = Number(values['memory-steps'] ?? (quick ? 200 : 1000));
const E2E_IMAGES = Number(values['e2e-images'] ?? (quick ? 128 : 512));
const N_OUT = 10;

const DEVICE = values.device;
const CUDA = DEVICE.startsWith('cuda');

type Mode = { name: string; precision: 'fp32' | 'bf16' | 'fp16'; channelsLast: boolean };
// On a GPU: what one trains with there (AMP, channels-last) at batch sizes that fill it; the
// targets were set for the CPU, so GPU ratios are printed for information.
const ALL_MODES: Mode[] = CUDA
  ? [
      { name: 'fp32', precision: 'fp32', channelsLast: false },
      { name: 'fp16 AMP + channels-last', precision: 'fp16', channelsLast: true },
      { name: 'bf16 AMP + channels-last', precision: 'bf16', channelsLast: true },
    ]
  : [
      { name: 'fp32', precision: 'fp32', channelsLast: false },
      { name: 'channels-last', precision: 'fp32', channelsLast: true },
      { name: 'bf16 autocast', precision: 'bf16', channelsLast: false },
    ];
// --modes picks some of them by name (e.g. fp32,channels-last), the first two for inference.
const MODES = values.modes ? ALL_MODES.filter((m) => values.modes?.split(',').includes(m.name.split(' ')[0] as string)) : ALL_MODES;
if (MODES.length === 0) throw new Error(`--modes ${values.modes} names none of ${ALL_MODES.map((m) => m.name.split(' ')[0]).join(', ')}`);
const TRAIN_SHAPES = CUDA
  ? [
      { bs: 256, size: 64, target: Number.NaN },
      { bs: 64, size: 224, target: Number.NaN },
    ]
  : [
      { bs: 32, size: 64, target: 0.95 },
      { bs: 16, size: 128, target: 1.0 },
      { bs: 8, size: 224, target: 1.0 },
    ];
const WARMUP = CUDA ? 3 : 2;

interface TrainRun {
  stepSeconds: number[];
  rssMiB: Record<string, number>;
  peakMiB: number;
}

const results: Record<string, unknown> = {};
const verdicts: string[][] = [];
const verdict = (what: string, value: string, target: string, met: boolean) => verdicts.push([what, value, target, met ? 'met' : 'NOT met']);

function trainConfig(bs: number, size: number, mode: Mode, extra: object = {}) {
  return {
    mode: 'train',
    device: DEVICE,
    bs,
    size,
    nOut: N_OUT,
    precision: mode.precision,
    channelsLast: mode.channelsLast,
    warmup: WARMUP,
    steps: STEPS,
    ...extra,
  };
}

/** Records a target's outcome; NaN targets (GPU runs) are information only. */
function judge(what: string, ratio: number, goal: number): string {
  if (Number.isNaN(goal)) return '(info)';
  verdict(what, ratio.toFixed(3), `≤ ${fixed(goal)}`, ratio <= goal);
  return `≤ ${fixed(goal)}`;
}

/** Median seconds per step of each side over REPS alternating repetitions. */
function trainPair(bs: number, size: number, mode: Mode, variant?: string, reps = REPS): Paired {
  const o: number[] = [];
  const t: number[] = [];
  for (let rep = 0; rep < reps; rep++) {
    o.push(median(ours<TrainRun>('model-worker.ts', trainConfig(bs, size, mode)).stepSeconds));
    t.push(median(theirs<TrainRun>('model_torch.py', trainConfig(bs, size, mode, variant ? { variant } : {})).stepSeconds));
  }
  return paired(o, t);
}

function trainCase(): void {
  console.log(`\n## Training: Learner.fit on in-memory batches vs a PyTorch eager loop (AdamW, fastai's groups); s/step, median of ${REPS} × ${STEPS} steps`);
  const rows: string[][] = [];
  const out: Record<string, Paired> = {};
  for (const { bs, size, target } of TRAIN_SHAPES) {
    for (const mode of MODES) {
      const p = trainPair(bs, size, mode);
      const key = `bs ${bs} @ ${size} px, ${mode.name}`;
      out[key] = p;
      const goal = mode.name === 'bf16 autocast' ? 1.0 : target;
      rows.push([key, fixed(p.ours, 3), fixed(p.theirs, 3), ratioCell(p), judge(`train ${key}`, p.ratio, goal)]);
    }
    // PyTorch 2.x on CUDA already defaults to foreach AdamW and set_to_none; --quick leaves this
    // information-only row out.
    if (CUDA || quick) continue;
    const tuned = trainPair(bs, size, ALL_MODES[0] as Mode, 'tuned');
    out[`bs ${bs} @ ${size} px, fp32 vs tuned PyTorch`] = tuned;
    rows.push([`bs ${bs} @ ${size} px, fp32 vs foreach + set_to_none`, fixed(tuned.ours, 3), fixed(tuned.theirs, 3), ratioCell(tuned), '(info)']);
  }
  console.log(table(['configuration', 'fasttune', 'PyTorch', 'ratio (range)', 'target'], rows));
  results.train = out;
  if (!CUDA) headShares();
}

/** How much of a training step the fastai head takes, measured on the PyTorch side (same LibTorch, same BLAS). */
function headShares(): void {
  const shares: Record<string, number> = {};
  for (const { bs, size } of TRAIN_SHAPES) {
    const run = theirs<{ stepSeconds: number[]; headSeconds: number[] }>('model_torch.py', { ...trainConfig(bs, size, ALL_MODES[0] as Mode), mode: 'head' });
    shares[`bs ${bs} @ ${size} px`] = median(run.headSeconds) / median(run.stepSeconds);
  }
  const list = Object.entries(shares).map(([k, v]) => `${k} ${fixed(100 * v, 1)} %`);
  console.log(`the fastai head's share of a PyTorch fp32 training step (its forward and backward alone): ${list.join(', ')}`);
  results.headShare = shares;
}

function inferCase(): void {
  const bs = CUDA ? 64 : 16;
  const size = 224;
  const batches = quick ? 2 : 4;
  const target = CUDA ? Number.NaN : 0.9;
  console.log(`\n## Inference at ${size} px: getPreds over ${batches} batches of ${bs} (images/s), predict at bs 1 (ms); medians of ${REPS}`);
  const rows: string[][] = [];
  const out: Record<string, Paired> = {};
  for (const mode of MODES.slice(0, 2)) {
    const cfg = {
      mode: 'eval',
      device: DEVICE,
      bs,
      size,
      nOut: N_OUT,
      precision: mode.precision,
      channelsLast: mode.channelsLast,
      warmup: 1,
      passes: 2,
      batches,
    };
    const o: number[] = [];
    const t: number[] = [];
    for (let rep = 0; rep < REPS; rep++) {
      o.push(median(ours<{ passSeconds: number[] }>('model-worker.ts', cfg).passSeconds));
      t.push(median(theirs<{ passSeconds: number[] }>('model_torch.py', cfg).passSeconds));
    }
    const p = paired(o, t);
    out[`getPreds ${mode.name}`] = p;
    const images = bs * batches;
    rows.push([
      `getPreds, ${mode.name}`,
      fixed(images / p.ours, 1),
      fixed(images / p.theirs, 1),
      ratioCell(p),
      judge(`getPreds ${mode.name} (time ratio)`, p.ratio, target),
    ]);
  }
  const cfg = { mode: 'predict', device: DEVICE, bs: 1, size, nOut: N_OUT, precision: 'fp32', channelsLast: false, warmup: 3, calls: quick ? 8 : 20 };
  const o: number[] = [];
  const t: number[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    o.push(median(ours<{ callSeconds: number[] }>('model-worker.ts', cfg).callSeconds));
    t.push(median(theirs<{ callSeconds: number[] }>('model_torch.py', cfg).callSeconds));
  }
  const p = paired(o, t);
  out['predict bs 1'] = p;
  rows.push([
    'predict, bs 1, fp32 (ms per call)',
    fixed(1000 * p.ours, 1),
    fixed(1000 * p.theirs, 1),
    ratioCell(p),
    judge('predict bs 1 (time ratio)', p.ratio, target),
  ]);
  console.log(table(['', 'fasttune', 'PyTorch', 'time ratio (range)', 'target'], rows));
  results.infer = out;
}

const BENCH_ARCHS = ['resnet18', 'resnet50', 'convnext_tiny'] as const;

/** Training and inference of other architectures at 128 px, fp32: s/step and images/s beside PyTorch. */
function archsCase(): void {
  const size = 128;
  const bs = CUDA ? 64 : 16;
  const batches = quick ? 2 : 4;
  const fp32 = ALL_MODES[0] as Mode;
  console.log(`\n## Architectures at ${size} px, fp32: training s/step (bs ${bs}), getPreds images/s over ${batches} batches; medians of ${REPS}`);
  const rows: string[][] = [];
  const out: Record<string, Paired> = {};
  for (const arch of BENCH_ARCHS) {
    const train = trainConfig(bs, size, fp32, { arch });
    const evalCfg = { mode: 'eval', device: DEVICE, bs, size, nOut: N_OUT, precision: 'fp32', channelsLast: false, warmup: 1, passes: 2, batches, arch };
    const sides = { train: { o: [] as number[], t: [] as number[] }, eval: { o: [] as number[], t: [] as number[] } };
    for (let rep = 0; rep < REPS; rep++) {
      sides.train.o.push(median(ours<TrainRun>('model-worker.ts', train).stepSeconds));
      sides.train.t.push(median(theirs<TrainRun>('model_torch.py', train).stepSeconds));
      sides.eval.o.push(median(ours<{ passSeconds: number[] }>('model-worker.ts', evalCfg).passSeconds));
      sides.eval.t.push(median(theirs<{ passSeconds: number[] }>('model_torch.py', evalCfg).passSeconds));
    }
    const t = paired(sides.train.o, sides.train.t);
    const e = paired(sides.eval.o, sides.eval.t);
    out[`${arch} train`] = t;
    out[`${arch} getPreds`] = e;
    rows.push([`${arch}, training s/step`, fixed(t.ours, 3), fixed(t.theirs, 3), ratioCell(t)]);
    rows.push([`${arch}, getPreds images/s`, fixed((bs * batches) / e.ours, 1), fixed((bs * batches) / e.theirs, 1), ratioCell(e)]);
  }
  console.log(table(['', 'fasttune', 'PyTorch', 'time ratio (range)'], rows));
  results.archs = out;
}

interface E2eRun {
  totalSeconds: number;
  fitSeconds: number;
  trainSeconds: number[];
  validSeconds: number[];
  peakMiB: number;
  workerPeakMiB?: number;
  cpuSeconds: number;
}

const e2eRuns: { ours: E2eRun[]; theirs: E2eRun[] } = { ours: [], theirs: [] };

async function e2eCase(): Promise<void> {
  const dir = join(benchCache, `e2e-${E2E_IMAGES}`);
  await makeImages(dir, { train: E2E_IMAGES, valid: E2E_IMAGES / 4 }, [400, 520]);
  const cfg = { dir, size: 128, bs: 32, epochs: 1, lr: 1e-3 };
  const reps = Math.min(REPS, 2);
  console.log(`\n## End to end: one epoch of fitOneCycle at 128 px, ${E2E_IMAGES} + ${E2E_IMAGES / 4} JPEGs ~500×375, bs 32; medians of ${reps}`);
  for (let rep = 0; rep < reps; rep++) {
    e2eRuns.ours.push(ours<E2eRun>('e2e-worker.ts', cfg));
    e2eRuns.theirs.push(theirs<E2eRun>('e2e_torch.py', cfg));
  }
  const total = paired(
    e2eRuns.ours.map((r) => r.totalSeconds),
    e2eRuns.theirs.map((r) => r.totalSeconds),
  );
  const pick = (f: (r: E2eRun) => number) => paired(e2eRuns.ours.map(f), e2eRuns.theirs.map(f));
  const rows = [
    ['whole run (list files → end of validation), s', total],
    ['training phase, s', pick((r) => r.trainSeconds[0] as number)],
    ['validation phase, s', pick((r) => r.validSeconds[0] as number)],
    ['CPU seconds, all threads and processes', pick((r) => r.cpuSeconds)],
  ] as const;
  console.log(
    table(
      ['', 'fasttune', 'PyTorch', 'ratio (range)'],
      rows.map(([k, p]) => [k, fixed(p.ours, 1), fixed(p.theirs, 1), ratioCell(p)]),
    ),
  );
  const speedup = 1 / total.ratio;
  console.log(`fasttune is ${fixed(speedup)}× as fast as PyTorch + torchvision (target ≥ 1.10)`);
  verdict('end-to-end epoch (speed-up)', `${fixed(speedup)}×`, '≥ 1.10×', speedup >= 1.1);
  results.e2e = { config: cfg, runs: e2eRuns, total };
}

function memoryCase(): void {
  console.log('\n## Memory');
  if (e2eRuns.ours.length > 0) {
    const peak = paired(
      e2eRuns.ours.map((r) => r.peakMiB),
      e2eRuns.theirs.map((r) => r.peakMiB),
    );
    const workers = median(e2eRuns.theirs.map((r) => r.workerPeakMiB ?? Number.NaN));
    console.log(
      `peak RSS of the end-to-end epoch: fasttune ${fixed(peak.ours, 0)} MiB (one process); PyTorch main process ` +
        `${fixed(peak.theirs, 0)} MiB (+ each loader worker up to ${fixed(workers, 0)} MiB, mostly pages shared with it); ratio ${ratioCell(peak)}`,
    );
    verdict('peak RSS, end to end (vs PyTorch main process)', fixed(peak.ratio), '≤ 1.10', peak.ratio <= 1.1);
    results.peakRss = { ...peak, theirsWorkerPeakMiB: workers };
  }
  const bs = 16;
  const size = 64;
  const run = ours<TrainRun>('model-worker.ts', { ...trainConfig(bs, size, ALL_MODES[0] as Mode), warmup: 0, steps: MEMORY_STEPS, rssEvery: 100 });
  const rss = run.rssMiB;
  const at = (k: number) => rss[String(k)] ?? Number.NaN;
  const growth = (at(MEMORY_STEPS) - at(100)) / at(100);
  console.log(
    `RSS while training (bs ${bs} @ ${size} px, fp32), MiB by step: ${Object.entries(rss)
      .map(([k, v]) => `${k}: ${fixed(v, 0)}`)
      .join(', ')}`,
  );
  console.log(`growth from step 100 to step ${MEMORY_STEPS}: ${fixed(100 * growth)} % (target < 2 %)`);
  verdict(`RSS growth, step 100 → ${MEMORY_STEPS}`, `${fixed(100 * growth)} %`, '< 2 %', growth < 0.02);
  results.rssGrowth = { bs, size, steps: MEMORY_STEPS, rssMiB: rss, growth };
}

function scalingCase(): void {
  const reps = 1;
  const fp32 = ALL_MODES[0] as Mode;
  console.log('\n## How cost grows: seconds per training step (fp32), one repetition each');
  const rows: string[][] = [];
  const out: Record<string, Paired> = {};
  const add = (bs: number, size: number) => {
    const p = trainPair(bs, size, fp32, undefined, reps);
    out[`bs ${bs} @ ${size} px`] = p;
    const perImage = (s: number) => fixed((1000 * s) / bs, 1);
    rows.push([`bs ${bs} @ ${size} px`, fixed(p.ours, 3), fixed(p.theirs, 3), perImage(p.ours), perImage(p.theirs), fixed(p.ratio)]);
  };
  for (const bs of quick ? [8, 32] : [8, 16, 32, 64]) add(bs, 64);
  for (const size of quick ? [128] : [96, 128, 160, 192, 224]) add(16, size);
  console.log(table(['', 'fasttune s', 'PyTorch s', 'fasttune ms/img', 'PyTorch ms/img', 'ratio'], rows));
  results.scaling = out;
}

/**
 * fasttune with one setting changed against fasttune with its default, alternating: ratio =
 * time with the change / time with the default (above 1: the default is faster).
 */
function defaultsCase(): void {
  const fp32 = ALL_MODES[0] as Mode;
  const bs = 16;
  const size = 128;
  const trainSeconds = (extra: object, env: Record<string, string> = {}) =>
    median(ours<TrainRun>('model-worker.ts', trainConfig(bs, size, fp32, extra), env).stepSeconds);
  const evalSeconds = (extra: object) =>
    median(
      ours<{ passSeconds: number[] }>('model-worker.ts', {
        mode: 'eval',
        bs: 16,
        size: 224,
        nOut: N_OUT,
        precision: 'fp32',
        channelsLast: false,
        warmup: 1,
        passes: 2,
        batches: quick ? 2 : 4,
        ...extra,
      }).passSeconds,
    );
  const cores = machine().cores;
  const variants: Array<[string, string, () => number, () => number]> = [
    ['foldBn (default true)', 'getPreds fp32, bs 16 @ 224 px: foldBn false', () => evalSeconds({}), () => evalSeconds({ foldBn: false })],
    [
      'memory format (default contiguous)',
      `training fp32, bs ${bs} @ ${size} px: channelsLast true`,
      () => trainSeconds({}),
      () => trainSeconds({ channelsLast: true }),
    ],
    [
      `intra-op threads (default ${cores}, one per core)`,
      `training fp32, bs ${bs} @ ${size} px: 1 thread`,
      () => trainSeconds({}),
      () => trainSeconds({ threads: 1 }),
    ],
    [
      'OpenMP waiting (default passive)',
      `training fp32, bs ${bs} @ ${size} px: OMP_WAIT_POLICY=ACTIVE`,
      () => trainSeconds({}),
      () => trainSeconds({}, { OMP_WAIT_POLICY: 'ACTIVE' }),
    ],
  ];
  console.log(`\n## Defaults: fasttune against itself with one setting changed; s per step or pass, medians of ${REPS}`);
  const rows: string[][] = [];
  const out: Record<string, Paired> = {};
  for (const [choice, change, withDefault, changed] of variants) {
    const d: number[] = [];
    const c: number[] = [];
    for (let rep = 0; rep < REPS; rep++) {
      d.push(withDefault());
      c.push(changed());
    }
    const p = paired(c, d);
    out[choice] = p;
    rows.push([choice, change, fixed(p.theirs, 3), fixed(p.ours, 3), ratioCell(p)]);
  }
  console.log(table(['default', 'changed', 'default s', 'changed s', 'changed / default'], rows));
  results.defaults = out;
}

if (CUDA && [...cases].some((c) => c !== 'train' && c !== 'infer' && c !== 'archs'))
  throw new Error('--device cuda runs the train, infer and archs cases only');
ensureBuilt();
const info = machine();
console.log(
  `${info.cpu}, ${info.cores} cores, ${info.memGiB} GiB; Node ${info.node}; LibTorch ${info.libtorch}; ${info.threads} intra-op threads each side; device ${DEVICE}`,
);
console.log(`BLAS: fasttune ${info.blas.fasttune}; PyTorch ${info.blas.pytorch}`);
console.log(`load average at start: ${info.loadavg.map((x) => x.toFixed(2)).join(' ')}`);
const started = Date.now();
if (cases.has('train')) trainCase();
if (cases.has('infer')) inferCase();
if (cases.has('archs')) archsCase();
if (cases.has('data')) {
  results.data = await dataCase({ images: quick ? 256 : 1000, epochs: quick ? 2 : 5, cores: info.cores, reps: REPS, extras: !quick });
  const d = results.data as { firstEpoch: { ours: number; theirs: number }; allEpochs: { ours: number; theirs: number } };
  verdict(
    'data pipeline, first epoch (img/s ratio)',
    `${fixed(d.firstEpoch.ours / d.firstEpoch.theirs)}×`,
    '≥ 2×',
    d.firstEpoch.ours / d.firstEpoch.theirs >= 2,
  );
  verdict('data pipeline, all epochs (img/s ratio)', `${fixed(d.allEpochs.ours / d.allEpochs.theirs)}×`, '≥ 2×', d.allEpochs.ours / d.allEpochs.theirs >= 2);
}
if (cases.has('e2e') || cases.has('memory')) await e2eCase();
if (cases.has('memory')) memoryCase();
if (cases.has('scaling')) scalingCase();
if (cases.has('defaults') && !CUDA) defaultsCase();
if (cases.has('serve')) {
  const served = await serveCase({ seconds: quick ? 5 : 10, soakSeconds: quick ? 20 : 60 });
  results.serve = served.results;
  verdicts.push(...served.verdicts);
}

const end = loadavg();
console.log(`\n## Targets\n${table(['what', 'value', 'target', ''], verdicts)}`);
console.log(`\n${((Date.now() - started) / 60000).toFixed(1)} min; load average at the end: ${end.map((x) => x.toFixed(2)).join(' ')}`);
const out = resolve(root, values.out);
writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), argv: process.argv.slice(2), machine: info, loadavgEnd: end, verdicts, results }, null, 2));
console.log(`results: ${out}`);
