#!/usr/bin/env node
// `npm install` step: resolve LibTorch, record the choice for `fasttune doctor`, then build the
// addon with cmake-js against it.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeRecord } from './libtorch/record.mjs';
import { resolveLibtorch } from './libtorch/resolve.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

async function main() {
  if (process.env.FASTTUNE_SKIP_BUILD) {
    console.log('fasttune: FASTTUNE_SKIP_BUILD is set, not building the native addon');
    return;
  }
  const torch = await resolveLibtorch();
  console.log(`fasttune: LibTorch from ${torch.source}: ${torch.reason}`);
  console.log(`fasttune: Torch_DIR=${torch.torchDir}`);
  writeRecord(root, torch);
  // Resolved, not assumed under our own node_modules: npm may hoist it into the app's.
  const cmakeJs = join(dirname(createRequire(import.meta.url).resolve('cmake-js/package.json')), 'bin', 'cmake-js');
  const jobs = String(Math.max(1, cpus().length));
  const args = [cmakeJs, 'compile', '--log-level', 'warn', '--parallel', jobs, `--CDTorch_DIR=${torch.torchDir}`];
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    throw new Error(`building the native addon failed (cmake-js exit ${result.status ?? result.signal})`);
  }
}

main().catch((error) => {
  console.error(`fasttune: ${error.message}`);
  process.exit(1);
});
