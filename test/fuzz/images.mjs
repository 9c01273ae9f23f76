#!/usr/bin/env node
// Fuzzes the image path with seeded corruptions of small JPEG, PNG and WebP files (truncations,
// flipped and zeroed bytes, empty files, text named .jpg, huge declared dimensions, bad segment
// lengths). Each case goes through learn.predict and through a test loader; every one must either
// predict or fail with a FasttuneError naming the file. A crash or hang is caught here, recorded
// with its case file, and the run goes on from the next case.
//
//   node test/fuzz/images.mjs [count=1000] [seed=1] [--json] [--timeout-ms=60000] [--crash-dir=fuzz-crashes]
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runFuzzChildren } from './runner.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function parseArgs(argv) {
  const options = { count: 1000, seed: 1, json: false, timeoutMs: 60_000, crashDir: join(root, 'fuzz-crashes') };
  const positional = [];
  for (const arg of argv) {
    if (arg === '--json') options.json = true;
    else if (arg.startsWith('--timeout-ms=')) options.timeoutMs = Number(arg.split('=')[1]);
    else if (arg.startsWith('--crash-dir=')) options.crashDir = arg.split('=')[1];
    else positional.push(arg);
  }
  if (positional[0] !== undefined) options.count = Number(positional[0]);
  if (positional[1] !== undefined) options.seed = Number(positional[1]);
  if (!Number.isInteger(options.count) || options.count < 1) throw new Error(`count must be a positive integer, got ${positional[0]}`);
  if (!Number.isInteger(options.seed) || options.seed < 0) throw new Error(`seed must be a non-negative integer, got ${positional[1]}`);
  return options;
}

/**
 * Runs `count` image cases seeded by `seed`; resolves with the tallies (`read`: predicted,
 * `refused`: a FasttuneError naming the file) and any wrong errors, crashes and hangs.
 */
export async function fuzzImages({ count, seed, timeoutMs = 60_000, crashDir = join(root, 'fuzz-crashes'), log = () => {} }) {
  const dir = mkdtempSync(join(tmpdir(), 'fasttune-image-fuzz-'));
  const result = { cases: 0, seed, read: 0, refused: 0, wrong: [], crashes: [], hangs: [], byHow: {}, seconds: 0 };
  const started = Date.now();
  const tally = (how) => (result.byHow[how] ??= { read: 0, refused: 0, failed: 0 });
  const report = (current, outcome) => {
    result.cases++;
    if (outcome === 'read') {
      result.read++;
      tally(current.how).read++;
    } else if (outcome === 'refused') {
      result.refused++;
      tally(current.how).refused++;
    } else {
      result.wrong.push({ index: current.index, how: current.how, error: JSON.parse(outcome.slice('wrong '.length)) });
      tally(current.how).failed++;
    }
  };
  const caseFile = (index) => {
    for (const ext of ['jpg', 'png', 'webp']) {
      const file = join(dir, `case-${index}.${ext}`);
      if (existsSync(file)) return file;
    }
    return join(dir, `case-${index}.bin`);
  };
  try {
    const { crashes, hangs } = await runFuzzChildren({
      name: 'fuzz-images',
      args: (start, end) => [
        '--import',
        pathToFileURL(join(root, 'test', 'helpers', 'ts-register.mjs')).href,
        join(root, 'test', 'fuzz', 'images', 'child.mjs'),
        JSON.stringify({ seed, start, count: end - start, dir }),
      ],
      count,
      timeoutMs,
      crashDir,
      caseFile,
      savedName: (index) => `images-seed${seed}-${basename(caseFile(index))}`,
      report,
      log,
    });
    for (const entry of [...crashes, ...hangs]) {
      result.cases++;
      tally(entry.how).failed++;
    }
    Object.assign(result, { crashes, hangs });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  result.seconds = (Date.now() - started) / 1000;
  return result;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const options = parseArgs(process.argv.slice(2));
  const result = await fuzzImages({ ...options, log: options.json ? () => {} : console.log });
  if (options.json) {
    console.log(JSON.stringify(result));
  } else {
    console.log(
      `fuzz-images: ${result.cases} cases tried (seed ${result.seed}) in ${result.seconds.toFixed(1)} s: ` +
        `${result.read} predicted, ${result.refused} refused with a FasttuneError naming the file, ${result.wrong.length} wrong errors, ` +
        `${result.crashes.length} crashes, ${result.hangs.length} hangs`,
    );
    for (const [how, t] of Object.entries(result.byHow)) console.log(`  ${how}: ${t.read} predicted, ${t.refused} refused, ${t.failed} failed`);
    for (const w of result.wrong.slice(0, 20)) console.log(`  wrong error in case ${w.index} (${w.how}): ${w.error}`);
    for (const c of [...result.crashes, ...result.hangs]) console.log(`  case ${c.index} (${c.how}): exit ${c.exit}, file ${c.file}\n${c.stderr}`);
  }
  process.exitCode = result.wrong.length + result.crashes.length + result.hangs.length > 0 ? 1 : 0;
}
