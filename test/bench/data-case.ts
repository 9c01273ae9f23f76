// Data-loading case: fasttune's loader vs a torchvision DataLoader doing the same work (decode a
// ~500×375 JPEG, resize its short side to 224, random 224×224 crop, uint8 batches of 64, training
// order shuffled, last partial batch dropped) on the same machine in the same run with the same
// number of cores. Run by run.ts (`--cases data`) or alone through data.bench.ts.
//
// Reported: images/s of the first, decode-bound epoch and of the whole run, side by side with
// ratios; CPU time per image of each side (what one core sustains, and so what 16 cores would);
// fasttune's main-thread CPU per image (its scaling limit); fasttune's first epoch under other
// threadpool / libvips thread / worker settings; and larger photos, where shrink-on-load pays.
import { join } from 'node:path';
import { benchCache, fixed, makeImages, python, runJson, table } from './lib.js';

export interface DataCaseOptions {
  images: number;
  epochs: number;
  cores: number;
  reps: number;
  /** Also the one-core runs, the larger photos and the settings sweep. */
  extras: boolean;
}

interface Run {
  seconds: number[];
  images: number[];
  cpu: number[];
  mainCpu: number[];
  workers?: number;
  sharpConcurrency?: number;
}

interface OursSettings {
  pool?: number;
  vips?: number;
  workers?: number;
}

const BS = 64;
const SIZE = 224;
const LARGE = 300;

const sum = (xs: number[], from = 0, to = xs.length) => xs.slice(from, to).reduce((a, b) => a + b, 0);
const rate = (r: Run, from = 0, to = r.seconds.length) => sum(r.images, from, to) / sum(r.seconds, from, to);
const cpuPerImage = (r: Run, key: 'cpu' | 'mainCpu', from = 0, to = r.seconds.length) => (1000 * sum(r[key], from, to)) / sum(r.images, from, to);
const best = (runs: Run[], f: (r: Run) => number) => Math.max(...runs.map(f));
const least = (runs: Run[], f: (r: Run) => number) => Math.min(...runs.map(f));

export async function dataCase(o: DataCaseOptions) {
  const data = join(benchCache, `photos-${o.images}`);
  const large = join(benchCache, `large-${LARGE}`);
  await makeImages(data, { train: o.images, valid: 4 }, [400, 520]);
  if (o.extras) await makeImages(large, { train: LARGE, valid: 4 }, [1400, 1800]);

  const ours = (epochs: number, s: OursSettings = {}, dir = data) =>
    runJson<Run>(process.execPath, ['test/bench/data-worker.mjs', dir, String(epochs), String(BS), String(SIZE)], {
      UV_THREADPOOL_SIZE: String(s.pool ?? 2 * o.cores),
      ...(s.vips ? { FASTTUNE_SHARP_CONCURRENCY: String(s.vips) } : {}),
      ...(s.workers !== undefined ? { FASTTUNE_DECODE_WORKERS: String(s.workers) } : {}),
    });
  const torchvision = (epochs: number, workers: number, dir = data) =>
    runJson<Run>(python, ['test/bench/data_torchvision.py', join(dir, 'train'), String(epochs), String(BS), String(SIZE), String(workers)]);

  console.log(`\n## Data pipeline: ${o.images} JPEGs ~500×375, bs ${BS}, short side to ${SIZE} + random ${SIZE}² crop, ${o.epochs} epochs`);
  console.log(`fasttune: UV_THREADPOOL_SIZE=${2 * o.cores}, default decode workers; torchvision: DataLoader(num_workers=${o.cores}, persistent_workers=True)`);
  // The two sides alternate; each figure keeps the side's best repetition (other work on a shared
  // machine only ever slows a run down).
  const mains: Run[] = [];
  const torches: Run[] = [];
  const ones: Run[] = [];
  const oneTorches: Run[] = [];
  for (let rep = 0; rep < o.reps; rep++) {
    mains.push(ours(o.epochs));
    torches.push(torchvision(o.epochs, o.cores));
    if (o.extras) {
      // One core each: one threadpool thread, one libvips thread, no worker thread; torchvision in its main process.
      ones.push(ours(1, { pool: 1, vips: 1, workers: 0 }));
      oneTorches.push(torchvision(1, 0));
    }
  }
  const rows: string[][] = [];
  const row = (label: string, a: number, b: number, digits = 0) => rows.push([label, fixed(a, digits), fixed(b, digits), `${fixed(a / b)}×`]);
  row(
    'first epoch (decode-bound), img/s',
    best(mains, (r) => rate(r, 0, 1)),
    best(torches, (r) => rate(r, 0, 1)),
  );
  row(
    `all ${o.epochs} epochs, img/s`,
    best(mains, (r) => rate(r)),
    best(torches, (r) => rate(r)),
  );
  row(
    'CPU ms per image, first epoch',
    least(mains, (r) => cpuPerImage(r, 'cpu', 0, 1)),
    least(torches, (r) => cpuPerImage(r, 'cpu', 0, 1)),
    2,
  );
  if (o.epochs > 1)
    row(
      'CPU ms per image, later epochs',
      least(mains, (r) => cpuPerImage(r, 'cpu', 1)),
      least(torches, (r) => cpuPerImage(r, 'cpu', 1)),
      2,
    );
  const mainCpu = least(mains, (r) => cpuPerImage(r, 'mainCpu', 0, 1));
  const torchMainCpu = least(torches, (r) => cpuPerImage(r, 'mainCpu', 0, 1));
  let extras: Record<string, unknown> = {};
  if (o.extras) {
    const oneCore = { ours: best(ones, (r) => rate(r)), torch: best(oneTorches, (r) => rate(r)) };
    row('one core each, first epoch, img/s', oneCore.ours, oneCore.torch);
    // n cores do n times one core's work until the main thread, which hands out batches, is saturated.
    const ceiling = { ours: 1000 / Math.max(1e-3, mainCpu), torch: 1000 / Math.max(1e-3, torchMainCpu) };
    row('16 cores (estimate), img/s', Math.min(16 * oneCore.ours, ceiling.ours), Math.min(16 * oneCore.torch, ceiling.torch));
    const largeRuns = [0, 1].map(() => [ours(1, {}, large), torchvision(1, o.cores, large)] as const);
    row(
      `${LARGE} photos 1400–1800 px, first epoch, img/s`,
      best(
        largeRuns.map((r) => r[0]),
        (r) => rate(r),
      ),
      best(
        largeRuns.map((r) => r[1]),
        (r) => rate(r),
      ),
    );
    const settings: Array<[OursSettings, string]> = [
      [{ pool: 4 }, 'Node default pool'],
      [{ pool: o.cores }, 'pool = cores'],
      [{ pool: 2 * o.cores }, 'pool = 2 × cores (used above)'],
      [{ pool: 2 * o.cores, vips: o.cores }, 'libvips threads = cores'],
      [{ pool: 2 * o.cores, workers: 0 }, 'no worker threads (main thread decodes)'],
    ];
    const settingRuns = settings.map(([s, label]) => {
      const runs = [ours(1, s), ours(1, s)];
      const r = runs.reduce((a, b) => (rate(a) >= rate(b) ? a : b));
      return { ...s, label, run: r };
    });
    extras = { ones, oneTorches, largeRuns, settingRuns };
    console.log(table(['', 'fasttune', 'torchvision', 'ratio'], rows));
    console.log(`main-thread CPU per image: fasttune ${mainCpu.toFixed(3)} ms, torchvision ${torchMainCpu.toFixed(3)} ms`);
    console.log('\nfasttune first epoch by setting (best of two)');
    console.log(
      table(
        ['setting', 'pool', 'vips', 'workers', 'img/s', 'CPU ms/img', 'main ms/img'],
        settingRuns.map((s) => [
          s.label,
          String(s.pool),
          String(s.run.sharpConcurrency),
          String(s.run.workers),
          fixed(rate(s.run), 0),
          fixed(cpuPerImage(s.run, 'cpu')),
          fixed(cpuPerImage(s.run, 'mainCpu'), 3),
        ]),
      ),
    );
  } else {
    console.log(table(['', 'fasttune', 'torchvision', 'ratio'], rows));
  }
  for (const [name, runs] of [
    ['fasttune', mains],
    ['torchvision', torches],
  ] as const) {
    console.log(`seconds per epoch, ${name}: ${runs.map((r) => r.seconds.map((x) => x.toFixed(2)).join(' ')).join(' | ')}`);
  }
  return {
    firstEpoch: { ours: best(mains, (r) => rate(r, 0, 1)), theirs: best(torches, (r) => rate(r, 0, 1)) },
    allEpochs: { ours: best(mains, (r) => rate(r)), theirs: best(torches, (r) => rate(r)) },
    mainCpuMs: { ours: mainCpu, theirs: torchMainCpu },
    mains,
    torches,
    ...extras,
  };
}
