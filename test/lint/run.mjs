#!/usr/bin/env node
// `npm run lint`: every check runs, whatever the ones before it found, and the exit code is 1 if
// any failed. Biome (format and lint rules, test/lint/biome.jsonc), clang-format over the C++
// (native/.clang-format), madge for import cycles in src/ (type imports included; package.json "madge"),
// and the layer order of src/ (test/lint/layers.mjs).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const steps = [
  ['biome', ['biome', 'check', '--config-path', 'test/lint/biome.jsonc', 'src', 'test', 'scripts']],
  ['clang-format', [process.execPath, 'test/lint/clang-format.mjs']],
  ['madge', ['madge', '--circular', 'src']],
  ['layers', [process.execPath, 'test/lint/layers.mjs']],
];

const failed = [];
for (const [name, [command, ...args]] of steps) {
  console.log(`\n== ${name}`);
  const run = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (run.error) console.error(`${name}: ${run.error.message} (run npm install for the devDependencies)`);
  if (run.status !== 0) failed.push(name);
}
console.log(failed.length === 0 ? '\nlint: all checks pass' : `\nlint: failed: ${failed.join(', ')}`);
process.exitCode = failed.length === 0 ? 0 : 1;
