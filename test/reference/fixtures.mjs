#!/usr/bin/env node
// Regenerates the PyTorch reference fixtures whose generator, or the BLAS under LibTorch, changed
// since they were made. Each test/reference/<name>.py writes into test/fixtures/<name>/; a stamp
// file keeps the hash of the generator (and of the modules the generators share), the BLAS
// libraries LibTorch loaded and the BLAS thread count. Matrix products differ in their last bits between BLAS builds (the
// netlib reference BLAS and OpenBLAS), so references made under one do not hold under the other.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const refDir = join(root, 'test', 'reference');
const fixturesDir = join(root, 'test', 'fixtures');
// Debian's interpreter carries python3-torch; a pyenv python3 earlier on PATH does not.
export const python = process.env.FASTTUNE_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

// Imported by generators, not run on their own.
const sharedModules = ['common.py', 'fastai_resnet.py'];

function hashOf(name) {
  const hash = createHash('sha256');
  for (const module of sharedModules) hash.update(readFileSync(join(refDir, module)));
  hash.update(readFileSync(join(refDir, `${name}.py`)));
  return hash.digest('hex');
}

/**
 * The BLAS and LAPACK libraries LibTorch loads, as real paths (alternatives and LD_LIBRARY_PATH
 * resolved), read by `ldd` from the addon, else from Python's torch (both link the same LibTorch).
 * Empty where `ldd` is missing or lists none (a LibTorch with MKL built in).
 */
export function blasLibraries() {
  const addon = join(root, 'build', 'Release', 'fasttune.node');
  const fromAddon = existsSync(addon) ? blasLinkedBy(addon) : [];
  if (fromAddon.length > 0) return fromAddon;
  const probe = spawnSync(python, ['-c', 'import torch._C; print(torch._C.__file__)'], { encoding: 'utf8' });
  return probe.status === 0 ? blasLinkedBy(probe.stdout.trim()) : [];
}

function blasLinkedBy(binary) {
  const ldd = spawnSync('ldd', [binary], { encoding: 'utf8' });
  if (ldd.status !== 0) return [];
  const libraries = new Set();
  for (const [, soname, path] of ldd.stdout.matchAll(/^\s*(\S+) => (\/\S+)/gm)) {
    if (/blas|lapack|mkl|blis|atlas/i.test(soname)) libraries.add(realpathSync(path));
  }
  return [...libraries].sort();
}

export function generators() {
  return readdirSync(refDir)
    .filter((f) => f.endsWith('.py') && !sharedModules.includes(f))
    .map((f) => f.slice(0, -3))
    .sort();
}

// The BLAS thread count the addon runs with (src/core/openmp.ts: 1 unless the user set it): OpenBLAS
// splits a product differently across threads, so references are made with the same count.
const blasThreads = process.env.OPENBLAS_NUM_THREADS ?? '1';

export function ensureFixtures(names = generators(), { log = console.log } = {}) {
  const blas = blasLibraries();
  for (const name of names) {
    const out = join(fixturesDir, name);
    const stamp = join(out, '.stamp');
    const expected = `${hashOf(name)}\nblas ${blas.join(' ') || 'none found'}, ${blasThreads} thread(s)\n`;
    if (existsSync(stamp) && readFileSync(stamp, 'utf8') === expected) continue;
    log(`fixtures: generating ${name} with ${python} (BLAS: ${blas.join(', ') || 'none found'})`);
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    const started = Date.now();
    const env = { ...process.env, OPENBLAS_NUM_THREADS: blasThreads };
    const result = spawnSync(python, [join(refDir, `${name}.py`), out], { stdio: 'inherit', cwd: root, env });
    if (result.status !== 0) {
      throw new Error(`reference generator test/reference/${name}.py failed (exit ${result.status ?? result.signal})`);
    }
    writeFileSync(stamp, expected);
    log(`fixtures: ${name} done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  ensureFixtures(process.argv.length > 2 ? process.argv.slice(2) : undefined);
}
