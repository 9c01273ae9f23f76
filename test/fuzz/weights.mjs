#!/usr/bin/env node
// Fuzzes readWeights with seeded mutations of real weight files (safetensors and torch.save zip
// checkpoints). Every case must either read or fail with a FasttuneError (E_IO) naming the file;
// a crash or hang of the reading process is caught here, recorded with its case file, and the
// run goes on from the next case.
//
//   node test/fuzz/weights.mjs [count=1000] [seed=1] [--json] [--timeout-ms=20000]
//                                 [--crash-dir=fuzz-crashes] [--corpus=a.pth,b.safetensors]
//
// FASTTUNE_ADDON selects another build of the addon (e.g. one with sanitizers).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureFixtures } from '../reference/fixtures.mjs';
import { parseFuzzArgs, printFuzzResult, runFuzzCampaign } from './runner.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const fixtures = join(root, 'test', 'fixtures');
const DEFAULT_CORPUS = [
  'torch_checkpoints/dtypes.pth',
  'torch_checkpoints/small.pth',
  'torch_checkpoints/small_fastai.pth',
  'torch_checkpoints/small_protocol4.pth',
  'torch_checkpoints/small_state_dict.pth',
  'crafted_checkpoints/pytorch2.pth',
  'crafted_checkpoints/libtorch.pth',
  'torch_checkpoints/dtypes.safetensors',
  'safetensors_files/mixed.safetensors',
].map((f) => join(fixtures, f));

/**
 * Runs `count` cases seeded by `seed` and resolves with the tallies; crashes and hangs are listed
 * with their saved case files. `addon` overrides the addon the cases run against.
 * @param {{ count: number, seed: number, timeoutMs?: number, crashDir?: string, corpus?: string[] | null, addon?: string | null, log?: (line: string) => void }} options
 * @returns {Promise<import('./runner.mjs').FuzzResult>}
 */
export async function fuzzWeights({ count, seed, timeoutMs = 20_000, crashDir = join(root, 'fuzz-crashes'), corpus = null, addon = null, log = () => {} }) {
  if (!corpus) {
    ensureFixtures(['safetensors_files', 'torch_checkpoints', 'crafted_checkpoints'], { log });
    corpus = DEFAULT_CORPUS;
  }
  for (const file of corpus) if (!existsSync(file)) throw new Error(`corpus file ${file} is missing`);
  const dir = mkdtempSync(join(tmpdir(), 'fasttune-fuzz-'));
  try {
    const config = (start, end) => JSON.stringify({ corpus, seed, start, count: end - start, dir });
    return await runFuzzCampaign({
      name: 'fuzz-weights',
      args: (start, end) => [join(root, 'test', 'fuzz', 'weights', 'child.mjs'), config(start, end)],
      env: addon ? { ...process.env, FASTTUNE_ADDON: addon } : process.env,
      count,
      seed,
      timeoutMs,
      crashDir,
      caseFile: (index) => join(dir, `case-${index}.bin`),
      savedName: (index) => `seed${seed}-case${index}.bin`,
      log,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const options = parseFuzzArgs(process.argv.slice(2), { timeoutMs: 20_000, crashDir: join(root, 'fuzz-crashes'), corpus: null });
  const result = await fuzzWeights({ ...options, log: options.json ? () => {} : console.log });
  printFuzzResult('fuzz-weights', result, { json: options.json, readAs: 'read', refusedAs: 'refused with a FasttuneError' });
}
