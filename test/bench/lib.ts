// What the benchmark cases share: building dist/, spawning one measurement per process (fasttune
// under Node, its twin under Debian's Python with torch 1.13), statistics and tables.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { blasCheck } from '../../src/cli/doctor.js';
import { StreamRng } from '../../src/core/rng.js';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const python = process.env.FASTTUNE_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
export const benchCache = join(root, '.cache', 'bench');

/** Rebuilds dist/ when a source file is newer than it: the workers run the built library. */
export function ensureBuilt(): void {
  const newest = (dir: string): number =>
    Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs)));
  const built = join(root, 'dist', 'index.js');
  if (existsSync(built) && statSync(built).mtimeMs >= newest(join(root, 'src'))) return;
  console.log('building dist/ (tsc)');
  const r = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('tsc failed');
}

/** Runs a command that prints one JSON line last; throws with its output when it fails. */
export function runJson<T>(command: string, args: string[], env: Record<string, string> = {}): T {
  const result = spawnSync(command, args, { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 26 });
  const line = result.stdout?.trim().split('\n').pop() ?? '';
  if (result.status !== 0 || !line.startsWith('{')) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.status ?? result.signal}):\n${result.stderr}\n${result.stdout}`);
  }
  return JSON.parse(line) as T;
}

/** A fasttune worker (TypeScript, importing dist/) with its configuration as one JSON argument. */
export function ours<T>(script: string, config: object, env: Record<string, string> = {}): T {
  return runJson<T>(process.execPath, ['--import', './test/helpers/ts-register.mjs', join('test', 'bench', script), JSON.stringify(config)], env);
}

/**
 * A PyTorch twin with the same configuration. Its OpenMP threads wait passively: with libgomp's
 * default spinning, PyTorch on a shared 2-core machine loses several times its speed whenever
 * another process holds the second core (its spinning master thread keeps its own worker off the
 * CPU: 5-7 s per training step instead of 1.6 s, measured); fasttune under Node is not affected.
 */
export function theirs<T>(script: string, config: object): T {
  return runJson<T>(python, [join('test', 'bench', script), JSON.stringify(config)], { OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE' });
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? Number.NaN : s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/** Medians of both sides over repetitions, and the median and range of the per-repetition ratios. */
export interface Paired {
  ours: number;
  theirs: number;
  ratio: number;
  ratioMin: number;
  ratioMax: number;
}

export function paired(ours: readonly number[], theirs: readonly number[]): Paired {
  const ratios = ours.map((o, i) => o / (theirs[i] as number));
  return { ours: median(ours), theirs: median(theirs), ratio: median(ratios), ratioMin: Math.min(...ratios), ratioMax: Math.max(...ratios) };
}

/** A plain text table, columns aligned (first column left, the rest right). */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export const fixed = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : '—');
export const ratioCell = (p: Paired) => `${fixed(p.ratio)} (${fixed(p.ratioMin)}–${fixed(p.ratioMax)})`;

// The shared libraries a Python process has loaded once torch is imported, as /proc/self/maps lists them.
const TORCH_LIBRARIES = [
  'import json, torch',
  'with open("/proc/self/maps") as f:',
  '    paths = {line.split()[5] for line in f if len(line.split()) > 5 and line.split()[5].startswith("/")}',
  'print(json.dumps({"libraries": sorted(paths)}))',
].join('\n');

/** The machine and how busy it is: figures on a shared machine need this beside them. */
export function machine() {
  // With the addon loaded, the BLAS it brought; Debian's LibTorch takes whichever libblas.so.3 the
  // system provides, and the reference BLAS would slow the linear layers of both sides alike.
  const versions = runJson<{ libtorch: string; threads: number; blas: string }>(process.execPath, [
    '--input-type=module',
    '-e',
    "import { versions } from './dist/index.js'; import { blasCheck, systemProbes } from './dist/cli/doctor.js'; " +
      'console.log(JSON.stringify({ ...versions(), blas: blasCheck(systemProbes().loadedLibraries()).value }))',
  ]);
  const torch = runJson<{ libraries: string[] }>(python, ['-c', TORCH_LIBRARIES]);
  return {
    cpu: cpus()[0]?.model ?? 'cpu',
    cores: availableParallelism(),
    memGiB: Math.round(Number(/MemTotal:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0) / 2 ** 20),
    node: process.version,
    libtorch: versions.libtorch,
    threads: versions.threads,
    blas: { fasttune: versions.blas, pytorch: blasCheck(torch.libraries).value },
    loadavg: loadavg(),
  };
}

/** Photo-like JPEGs: a smooth random colour field with grain, 3 in 4 landscape, long side in [lo, hi]. */
export async function makeImages(dir: string, counts: Record<string, number>, [lo, hi]: [number, number], classes = ['a', 'b']): Promise<void> {
  if (existsSync(join(dir, 'done'))) return;
  const rng = new StreamRng(2024);
  const write = async (path: string) => {
    const long = lo + Math.floor(rng.next() * (hi - lo + 1));
    const [w, h] = rng.next() < 0.75 ? [long, Math.round(long * 0.75)] : [Math.round(long * 0.75), long];
    const coarse = Buffer.from(Array.from({ length: 12 * 9 * 3 }, () => Math.floor(rng.next() * 256)));
    const field = await sharp(coarse, { raw: { width: 12, height: 9, channels: 3 } })
      .resize(w, h, { kernel: 'cubic', fit: 'fill' })
      .raw()
      .toBuffer();
    for (let k = 0; k < field.length; k++) field[k] = Math.max(0, Math.min(255, (field[k] as number) + Math.floor((rng.next() - 0.5) * 50)));
    await sharp(field, { raw: { width: w, height: h, channels: 3 } })
      .jpeg({ quality: 85 })
      .toFile(path);
  };
  console.log(`generating ${Object.values(counts).reduce((a, b) => a + b, 0)} photo-like JPEGs in ${dir}`);
  for (const [split, n] of Object.entries(counts)) {
    for (const c of classes) mkdirSync(join(dir, split, c), { recursive: true });
    for (let i = 0; i < n; i++) await write(join(dir, split, classes[i % classes.length] as string, `${String(i).padStart(5, '0')}.jpg`));
  }
  writeFileSync(join(dir, 'done'), '');
}
