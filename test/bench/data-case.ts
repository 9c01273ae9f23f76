// Data-loading benchmark: fasttune's loader vs a torchvision DataLoader doing the same work
// (decode a ~500×375 JPEG, resize its short side to 224, random 224×224 crop, uint8 batches of
// 64, training order shuffled, last partial batch dropped) on the same machine in the same run
// with the same number of cores.
//
//   npx vite-node test/bench/data.bench.ts [--images 1000] [--epochs 5] [--cores N]
//
// fasttune runs from dist/ (rebuilt here when older than src/). Reported: images/s of the first,
// decode-bound epoch and of the whole run, side by side with ratios; CPU time per image of each
// side (what one core sustains, and so what 16 cores would); fasttune's main-thread CPU per
// image (its scaling limit); and fasttune's first epoch under other threadpool / libvips thread /
// worker settings. Results also go to bench-results-data.json. Not a test.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { StreamRng } from '../../src/data/rng.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values } = parseArgs({ options: { images: { type: 'string' }, epochs: { type: 'string' }, cores: { type: 'string' } } });
const N = Number(values.images ?? 1000);
const EPOCHS = Number(values.epochs ?? 5);
const CORES = Number(values.cores ?? availableParallelism());
const BS = 64;
const SIZE = 224;
const python = process.env.FASTTUNE_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
const data = join(root, '.cache', 'bench', `photos-${N}`);
// Larger photos (long side 1400–1800), where shrink-on-load lets libjpeg decode at a fraction of the size.
const LARGE = 300;
const large = join(root, '.cache', 'bench', `large-${LARGE}`);

function ensureBuilt(): void {
  const newest = (dir: string): number =>
    Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs)));
  const built = join(root, 'dist', 'data', 'index.js');
  if (existsSync(built) && statSync(built).mtimeMs >= newest(join(root, 'src'))) return;
  console.log('building dist/ (tsc)');
  const r = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('tsc failed');
}

/** Photo-like JPEGs: a smooth random colour field with grain, 3 in 4 landscape, long side in [lo, hi]. */
async function makeImages(data: string, N: number, [lo, hi]: [number, number]): Promise<void> {
  if (existsSync(join(data, 'done'))) return;
  const rng = new StreamRng(2024);
  const write = async (path: string) => {
    const long = lo + Math.floor(rng.next() * (hi - lo + 1));
    const [w, h] = rng.next() < 0.75 ? [long, Math.round(long * 0.75)] : [Math.round(long * 0.75), long];
    const coarse = Buffer.from(Array.from({ length: 12 * 9 * 3 }, () => Math.floor(rng.next() * 256)));
    const field = await sharp(coarse, { raw: { width: 12, height: 9, channels: 3 } }).resize(w, h, { kernel: 'cubic', fit: 'fill' }).raw().toBuffer();
    for (let k = 0; k < field.length; k++) field[k] = Math.max(0, Math.min(255, (field[k] as number) + Math.floor((rng.next() - 0.5) * 50)));
    await sharp(field, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 85 }).toFile(path);
  };
  console.log(`generating ${N} photo-like JPEGs in ${data}`);
  for (const split of ['train', 'valid']) for (const c of ['a', 'b']) mkdirSync(join(data, split, c), { recursive: true });
  for (let i = 0; i < N; i++) await write(join(data, 'train', i % 2 ? 'a' : 'b', `${String(i).padStart(5, '0')}.jpg`));
  for (let i = 0; i < 4; i++) await write(join(data, 'valid', i % 2 ? 'a' : 'b', `${i}.jpg`));
  writeFileSync(join(data, 'done'), '');
}

interface Run {
  seconds: number[];
  images: number[];
  cpu: number[];
  mainCpu: number[];
  workers?: number;
  sharpConcurrency?: number;
}

function run(command: string, args: string[], env: Record<string, string> = {}): Run {
  const result = spawnSync(command, args, { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 24 });
  const line = result.stdout.trim().split('\n').pop() ?? '';
  if (result.status !== 0 || !line.startsWith('{')) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stderr}\n${result.stdout}`);
  return JSON.parse(line) as Run;
}

interface OursSettings {
  pool?: number;
  vips?: number;
  workers?: number;
}
const ours = (epochs: number, s: OursSettings = {}, dir = data) =>
  run(process.execPath, ['test/bench/data-worker.mjs', dir, String(epochs), String(BS), String(SIZE)], {
    UV_THREADPOOL_SIZE: String(s.pool ?? 2 * CORES),
    ...(s.vips ? { FASTTUNE_SHARP_CONCURRENCY: String(s.vips) } : {}),
    ...(s.workers !== undefined ? { FASTTUNE_DECODE_WORKERS: String(s.workers) } : {}),
  });
const torchvision = (epochs: number, workers: number, dir = data) =>
  run(python, ['test/bench/data_torchvision.py', join(dir, 'train'), String(epochs), String(BS), String(SIZE), String(workers)]);

const sum = (xs: number[], from = 0, to = xs.length) => xs.slice(from, to).reduce((a, b) => a + b, 0);
const rate = (r: Run, from = 0, to = r.seconds.length) => sum(r.images, from, to) / sum(r.seconds, from, to);
const cpuPerImage = (r: Run, key: 'cpu' | 'mainCpu', from = 0, to = r.seconds.length) => (1000 * sum(r[key], from, to)) / sum(r.images, from, to);
const f0 = (x: number) => x.toFixed(0).padStart(7);
const f2 = (x: number) => x.toFixed(2).padStart(7);
const row = (label: string, a: number, b: number, unit = 'img/s') => console.log(`${label.padEnd(30)}${f0(a)} ${unit}${f0(b)} ${unit}   ${(a / b).toFixed(2)}×`);

ensureBuilt();
await makeImages(data, N, [400, 520]);
await makeImages(large, LARGE, [1400, 1800]);
console.log(`\n${cpus()[0]?.model ?? 'cpu'}, ${CORES} cores for each side; ${N} JPEGs ~500×375; bs ${BS}; short side to ${SIZE}, random ${SIZE}² crop; ${EPOCHS} epochs`);
console.log(`fasttune: UV_THREADPOOL_SIZE=${2 * CORES}, default decode workers; torchvision: DataLoader(num_workers=${CORES}, persistent_workers=True)`);

// The two sides alternate, REPS times; each figure keeps the side's best repetition, which damps
// the noise of a shared machine (other work only ever slows a run down).
const REPS = 3;
const mains: Run[] = [];
const torches: Run[] = [];
const ones: Run[] = [];
const oneTorches: Run[] = [];
for (let rep = 0; rep < REPS; rep++) {
  mains.push(ours(EPOCHS));
  torches.push(torchvision(EPOCHS, CORES));
  // One core each: one threadpool thread, one libvips thread, no worker thread; torchvision in its main process.
  ones.push(ours(1, { pool: 1, vips: 1, workers: 0 }));
  oneTorches.push(torchvision(1, 0));
}
const best = (runs: Run[], f: (r: Run) => number) => Math.max(...runs.map(f));
const least = (runs: Run[], f: (r: Run) => number) => Math.min(...runs.map(f));
console.log(`\n${''.padEnd(30)}   fasttune    torchvision   ratio   (best of ${REPS})`);
row('first epoch (decode-bound)', best(mains, (r) => rate(r, 0, 1)), best(torches, (r) => rate(r, 0, 1)));
row(`all ${EPOCHS} epochs`, best(mains, (r) => rate(r)), best(torches, (r) => rate(r)));
for (const [name, runs] of [['fasttune', mains], ['torchvision', torches]] as const) {
  console.log(`seconds per epoch, ${name}: ${runs.map((r) => r.seconds.map((x) => x.toFixed(2)).join(' ')).join(' | ')}`);
}

const onePerCore = { ours: best(ones, (r) => rate(r)), torch: best(oneTorches, (r) => rate(r)) };
const mainCpu = least(mains, (r) => cpuPerImage(r, 'mainCpu', 0, 1));
const torchMainCpu = least(torches, (r) => cpuPerImage(r, 'mainCpu', 0, 1));
// n cores do n times one core's work until the main thread, which hands out batches, is saturated.
const ceiling = { ours: 1000 / Math.max(1e-3, mainCpu), torch: 1000 / Math.max(1e-3, torchMainCpu) };
console.log('\none core each, first epoch');
row('  one core', onePerCore.ours, onePerCore.torch);
row('  16 cores (estimate)', Math.min(16 * onePerCore.ours, ceiling.ours), Math.min(16 * onePerCore.torch, ceiling.torch));
console.log(`  main-thread CPU per image: fasttune ${mainCpu.toFixed(3)} ms, torchvision ${torchMainCpu.toFixed(3)} ms (ceilings ${ceiling.ours.toFixed(0)} and ${ceiling.torch.toFixed(0)} img/s)`);
if (EPOCHS > 1) {
  const later = least(mains, (r) => cpuPerImage(r, 'cpu', 1));
  const laterMain = least(mains, (r) => cpuPerImage(r, 'mainCpu', 1));
  console.log(`  later epochs (cached): fasttune ${later.toFixed(2)} ms CPU per image, ${laterMain.toFixed(3)} ms of it on the main thread`);
}

const largeRuns = [0, 1].map(() => [ours(1, {}, large), torchvision(1, CORES, large)] as const);
console.log(`\n${LARGE} larger photos (long side 1400–1800), first epoch, best of two`);
row('  first epoch', best(largeRuns.map((r) => r[0]), (r) => rate(r)), best(largeRuns.map((r) => r[1]), (r) => rate(r)));

console.log('\nCPU time per image, all threads and processes (least of the repetitions), ms');
const cpuRow = (label: string, a: number, b: number) => console.log(`${label.padEnd(30)}${f2(a)} ms  ${f2(b)} ms`);
cpuRow('first epoch', least(mains, (r) => cpuPerImage(r, 'cpu', 0, 1)), least(torches, (r) => cpuPerImage(r, 'cpu', 0, 1)));
if (EPOCHS > 1) cpuRow('later epochs', least(mains, (r) => cpuPerImage(r, 'cpu', 1)), least(torches, (r) => cpuPerImage(r, 'cpu', 1)));

console.log('\nfasttune first epoch by setting, best of two (UV_THREADPOOL_SIZE, libvips threads per image, decode workers)');
const settings: Array<[OursSettings, string]> = [
  [{ pool: 4 }, 'Node default pool'],
  [{ pool: CORES }, 'pool = cores'],
  [{ pool: 2 * CORES }, 'pool = 2 × cores (used above)'],
  [{ pool: 2 * CORES, vips: CORES }, 'libvips threads = cores'],
  [{ pool: 2 * CORES, workers: 0 }, 'no worker threads (main thread decodes)'],
];
const settingRuns = settings.map(([s, label]) => {
  const runs = [ours(1, s), ours(1, s)];
  const r = runs.reduce((a, b) => (rate(a) >= rate(b) ? a : b));
  const what = `pool ${String(s.pool).padStart(2)}, vips ${String(r.sharpConcurrency).padStart(2)}, workers ${r.workers}`;
  console.log(`  ${what.padEnd(30)}${f0(rate(r))} img/s ${f2(cpuPerImage(r, 'cpu'))} ms CPU/img, main ${f2(cpuPerImage(r, 'mainCpu'))} ms  ${label}`);
  return { ...s, label, run: r };
});

writeFileSync(
  join(root, 'bench-results-data.json'),
  JSON.stringify({ date: new Date().toISOString(), cpu: cpus()[0]?.model, cores: CORES, images: N, epochs: EPOCHS, mains, torches, ones, oneTorches, largeRuns, settingRuns }, null, 2),
);
