#!/usr/bin/env node
// Fuzzes readWeights with seeded mutations of real weight files (safetensors and torch.save zip
// checkpoints). Every case must either read or fail with a FasttuneError (E_IO) naming the file;
// a crash or hang of the reading process is caught here, recorded with its case file, and the
// run goes on from the next case.
//
//   node scripts/fuzz-weights.mjs [count=1000] [seed=1] [--json] [--timeout-ms=20000]
//                                 [--crash-dir=fuzz-crashes] [--corpus=a.pth,b.safetensors]
//
// FASTTUNE_ADDON selects another build of the addon (e.g. one with sanitizers).
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureFixtures } from './fixtures.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
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

// Runs cases [start, end) in one child; resolves with where it stopped and why.
function runChild({ corpus, seed, start, end, dir, timeoutMs, addon }, report) {
  return new Promise((resolve) => {
    const config = JSON.stringify({ corpus, seed, start, count: end - start, dir });
    const env = addon ? { ...process.env, FASTTUNE_ADDON: addon } : process.env;
    const child = spawn(process.execPath, [join(root, 'scripts', 'weights-fuzz', 'child.mjs'), config], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let current = null;
    let pending = '';
    let stderr = '';
    let hung = false;
    let timer;
    const arm = (ms) => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        hung = true;
        child.kill('SIGKILL');
      }, ms);
    };
    arm(timeoutMs + 60_000);  // starting up (loading LibTorch) is not a case
    child.stdout.on('data', (chunk) => {
      pending += chunk;
      let newline;
      while ((newline = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        const [verb, index, ...rest] = line.split(' ');
        if (verb === 'start') current = { index: Number(index), how: JSON.parse(rest.join(' ')) };
        if (verb === 'done') {
          report(current, rest.join(' '));
          current = null;
        }
        arm(timeoutMs);
      }
    });
    child.stderr.on('data', (chunk) => {
      stderr = (stderr + chunk).slice(-20_000);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ current, code, signal, hung, stderr });
    });
  });
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
    if (outcome === 'read') { result.read++; tally.read++; }
    else if (outcome === 'refused') { result.refused++; tally.refused++; }
    else { result.wrong.push({ index: current.index, how: current.how, error: JSON.parse(outcome.slice('wrong '.length)) }); tally.failed++; }
  };
  let next = 0;
  try {
    while (next < count) {
      const run = await runChild({ corpus, seed, start: next, end: count, dir, timeoutMs, addon }, report);
      if (run.current === null && run.code === 0) break;
      if (run.current === null) throw new Error(`fuzz child failed before its first case (exit ${run.code ?? run.signal}):\n${run.stderr}`);
      // The case that started without finishing killed or stalled the child: keep it.
      const { index, how } = run.current;
      mkdirSync(crashDir, { recursive: true });
      const saved = join(crashDir, `seed${seed}-case${index}.bin`);
      copyFileSync(join(dir, `case-${index}.bin`), saved);
      const entry = { index, how, file: saved, exit: run.signal ?? run.code, stderr: run.stderr.slice(-4000) };
      (run.hung ? result.hangs : result.crashes).push(entry);
      result.cases++;
      (result.byHow[how] ??= { read: 0, refused: 0, failed: 0 }).failed++;
      log(`fuzz-weights: case ${index} (${how}) ${run.hung ? 'hung' : `crashed (${entry.exit})`}; saved as ${saved}`);
      next = index + 1;
    }
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
    console.log(`fuzz-weights: ${result.cases} cases tried (seed ${result.seed}) in ${result.seconds.toFixed(1)} s: ` +
      `${result.read} read, ${result.refused} refused with a FasttuneError, ${result.wrong.length} wrong errors, ` +
      `${result.crashes.length} crashes, ${result.hangs.length} hangs`);
    for (const w of result.wrong.slice(0, 20)) console.log(`  wrong error in case ${w.index} (${w.how}): ${w.error}`);
    for (const c of [...result.crashes, ...result.hangs]) console.log(`  case ${c.index} (${c.how}): exit ${c.exit}, file ${c.file}\n${c.stderr}`);
  }
  process.exitCode = result.wrong.length + result.crashes.length + result.hangs.length > 0 ? 1 : 0;
}
