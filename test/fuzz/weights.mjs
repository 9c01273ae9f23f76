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
import { runFuzzChildren } from './runner.mjs';

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

function parseArgs(argv) {
  const options = { count: 1000, seed: 1, json: false, timeoutMs: 20_000, crashDir: join(root, 'fuzz-crashes'), corpus: null };
  const positional = [];
  for (const arg of argv) {
    if (arg === '--json') options.json = true;
    else if (arg.startsWith('--timeout-ms=')) options.timeoutMs = Number(arg.split('=')[1]);
    else if (arg.startsWith('--crash-dir=')) options.crashDir = arg.split('=')[1];
    else if (arg.startsWith('--corpus=')) options.corpus = arg.split('=')[1].split(',');
    else positional.push(arg);
  }
  if (positional[0] !== undefined) options.count = Number(positional[0]);
  if (positional[1] !== undefined) options.seed = Number(positional[1]);
  if (!Number.isInteger(options.count) || options.count < 1) throw new Error(`count must be a positive integer, got ${positional[0]}`);
  if (!Number.isInteger(options.seed) || options.seed < 0) throw new Error(`seed must be a non-negative integer, got ${positional[1]}`);
  return options;
}

/**
 * Runs `count` cases seeded by `seed` and resolves with the tallies; crashes and hangs are listed
 * with their saved case files. `addon` overrides the addon the cases run against.
 */
export async function fuzzWeights({ count, seed, timeoutMs = 20_000, crashDir = join(root, 'fuzz-crashes'), corpus = null, addon = null, log = () => {} }) {
  if (!corpus) {
    ensureFixtures(['safetensors_files', 'torch_checkpoints', 'crafted_checkpoints'], { log });
    corpus = DEFAULT_CORPUS;
  }
  for (const file of corpus) if (!existsSync(file)) throw new Error(`corpus file ${file} is missing`);
  const dir = mkdtempSync(join(tmpdir(), 'fasttune-fuzz-'));
  const result = { cases: 0, seed, read: 0, refused: 0, wrong: [], crashes: [], hangs: [], byHow: {}, seconds: 0 };
  const started = Date.now();
  const report = (current, outcome) => {
    result.cases++;
    const tally = (result.byHow[current.how] ??= { read: 0, refused: 0, failed: 0 });
    if (outcome === 'read') {
      result.read++;
      tally.read++;
    } else if (outcome === 'refused') {
      result.refused++;
      tally.refused++;
    } else {
      result.wrong.push({ index: current.index, how: current.how, error: JSON.parse(outcome.slice('wrong '.length)) });
      tally.failed++;
    }
  };
  try {
    const config = (start, end) => JSON.stringify({ corpus, seed, start, count: end - start, dir });
    const { crashes, hangs } = await runFuzzChildren({
      name: 'fuzz-weights',
      args: (start, end) => [join(root, 'test', 'fuzz', 'weights', 'child.mjs'), config(start, end)],
      env: addon ? { ...process.env, FASTTUNE_ADDON: addon } : process.env,
      count,
      timeoutMs,
      crashDir,
      caseFile: (index) => join(dir, `case-${index}.bin`),
      savedName: (index) => `seed${seed}-case${index}.bin`,
      report,
      log,
    });
    for (const entry of [...crashes, ...hangs]) {
      result.cases++;
      (result.byHow[entry.how] ??= { read: 0, refused: 0, failed: 0 }).failed++;
    }
    result.crashes = crashes;
    result.hangs = hangs;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  result.seconds = (Date.now() - started) / 1000;
  return result;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const options = parseArgs(process.argv.slice(2));
  const result = await fuzzWeights({ ...options, log: options.json ? () => {} : console.log });
  if (options.json) {
    console.log(JSON.stringify(result));
  } else {
    console.log(
      `fuzz-weights: ${result.cases} cases tried (seed ${result.seed}) in ${result.seconds.toFixed(1)} s: ` +
        `${result.read} read, ${result.refused} refused with a FasttuneError, ${result.wrong.length} wrong errors, ` +
        `${result.crashes.length} crashes, ${result.hangs.length} hangs`,
    );
    for (const w of result.wrong.slice(0, 20)) console.log(`  wrong error in case ${w.index} (${w.how}): ${w.error}`);
    for (const c of [...result.crashes, ...result.hangs]) console.log(`  case ${c.index} (${c.how}): exit ${c.exit}, file ${c.file}\n${c.stderr}`);
  }
  process.exitCode = result.wrong.length + result.crashes.length + result.hangs.length > 0 ? 1 : 0;
}
