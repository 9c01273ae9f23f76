#!/usr/bin/env node
// clang-format over the C++ (native/ and the sanitizer harness under test/fuzz/) with
// native/.clang-format: checks by default, rewrites the files with --write.
//
//   node test/lint/clang-format.mjs [--write]
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const style = join(root, 'native', '.clang-format');

function sources(dir) {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(cc|h)$/.test(e.name))
    .map((e) => relative(root, join(e.parentPath ?? e.path, e.name)))
    .sort();
}

const files = [...sources('native'), ...sources(join('test', 'fuzz'))];
const write = process.argv.includes('--write');
const args = [`--style=file:${style}`, ...(write ? ['-i'] : ['--dry-run', '--Werror']), ...files];
const run = spawnSync(process.env.CLANG_FORMAT ?? 'clang-format', args, { cwd: root, stdio: 'inherit' });
if (run.error) {
  console.error(`clang-format: ${run.error.message} (Debian/Ubuntu: apt-get install clang-format; or set CLANG_FORMAT)`);
  process.exit(1);
}
if (run.status === 0) console.log(`clang-format: ${files.length} files ${write ? 'formatted' : 'as native/.clang-format lays them out'}`);
process.exit(run.status ?? 1);
