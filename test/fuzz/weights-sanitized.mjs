#!/usr/bin/env node
// Opt-in: builds the addon with AddressSanitizer and UndefinedBehaviorSanitizer into
// build/sanitize (gcc or clang on Linux), then runs test/fuzz/weights.mjs against it. Any
// sanitizer report aborts the reading process, which the fuzzer records as a crash with the
// report attached.
//
//   node test/fuzz/weights-sanitized.mjs [count=2000] [seed=1] [other fuzz-weights options]
import { execFileSync, spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveLibtorch } from '../../scripts/libtorch/resolve.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = join('build', 'sanitize');
const flags = '-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g';

const torch = await resolveLibtorch();
const build = spawnSync(
  process.execPath,
  [
    join(root, 'node_modules', 'cmake-js', 'bin', 'cmake-js'),
    'compile',
    '--log-level',
    'warn',
    '--parallel',
    String(cpus().length),
    '--out',
    out,
    `--CDTorch_DIR=${torch.torchDir}`,
    `--CDCMAKE_CXX_FLAGS=${flags}`,
    `--CDCMAKE_SHARED_LINKER_FLAGS=-fsanitize=address,undefined`,
  ],
  { cwd: root, stdio: 'inherit' },
);
if (build.status !== 0) throw new Error(`sanitizer build failed (cmake-js exit ${build.status ?? build.signal})`);

// Node itself is not instrumented, so the ASan runtime has to be loaded first.
const compiler = process.env.CXX ?? 'c++';
const asan = execFileSync(compiler, ['-print-file-name=libasan.so'], { encoding: 'utf8' }).trim();
const env = {
  ...process.env,
  FASTTUNE_ADDON: join(root, out, 'Release', 'fasttune.node'),
  LD_PRELOAD: asan,
  // A declared size that reached an allocator unchecked shows up as an allocation over 1 GiB.
  ASAN_OPTIONS: 'detect_leaks=0:abort_on_error=1:allocator_may_return_null=0:max_allocation_size_mb=1024',
  UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1',
};
const args = process.argv.slice(2);
if (args.filter((a) => !a.startsWith('--')).length === 0) args.unshift('2000');
const run = spawnSync(process.execPath, [join(root, 'test', 'fuzz', 'weights.mjs'), ...args], { cwd: root, env, stdio: 'inherit' });
process.exitCode = run.status ?? 1;
