#!/usr/bin/env node
// Regenerates the PyTorch reference fixtures whose generator changed since they were made.
// Each test/reference/<name>.py writes into test/fixtures/<name>/; a stamp file keeps the hash
// of the generator (and of the modules the generators share) that produced it.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

export function generators() {
  return readdirSync(refDir)
    .filter((f) => f.endsWith('.py') && !sharedModules.includes(f))
    .map((f) => f.slice(0, -3))
    .sort();
}

export function ensureFixtures(names = generators(), { log = console.log } = {}) {
  for (const name of names) {
    const out = join(fixturesDir, name);
    const stamp = join(out, '.stamp');
    const hash = hashOf(name);
    if (existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) continue;
    log(`fixtures: generating ${name} with ${python}`);
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    const started = Date.now();
    const result = spawnSync(python, [join(refDir, `${name}.py`), out], { stdio: 'inherit', cwd: root });
    if (result.status !== 0) {
      throw new Error(`reference generator test/reference/${name}.py failed (exit ${result.status ?? result.signal})`);
    }
    writeFileSync(stamp, hash);
    log(`fixtures: ${name} done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  ensureFixtures(process.argv.length > 2 ? process.argv.slice(2) : undefined);
}
