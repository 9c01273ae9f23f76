// Runs fuzz cases in child processes that report each case on stdout ("start <i> <json how>"
// before touching it, "done <i> <outcome>" after), tallies them, and reads a fuzzer's command line. A case that started without finishing killed
// or stalled its child: it is kept in the crash folder and a new child goes on from the next case.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

// Runs cases [start, end) in one child; resolves with where it stopped and why.
function runChild({ args, env, timeoutMs, start, end }, report) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args(start, end), { stdio: ['ignore', 'pipe', 'pipe'], env });
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
    arm(timeoutMs + 60_000); // starting up (loading LibTorch) is not a case
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
 * @typedef {{ index: number, how: string, file?: string, exit?: string | number | null, stderr?: string, error?: string }} FuzzCase
 * @typedef {{
 *   cases: number, seed: number, read: number, refused: number,
 *   wrong: FuzzCase[], crashes: FuzzCase[], hangs: FuzzCase[],
 *   byHow: Record<string, { read: number, refused: number, failed: number }>, seconds: number
 * }} FuzzResult
 */

/**
 * Runs `count` seeded cases through children started with `args(start, end)`, each reporting
 * `read`, `refused` or `wrong <json error>` per case, and tallies them, overall and by kind of
 * damage. Crashes and hangs are listed with the case file copied into `crashDir`
 * (`caseFile(index)` is where the child wrote it, `savedName(index)` its name there).
 * @returns {Promise<FuzzResult>}
 */
export async function runFuzzCampaign({ args, env = process.env, count, seed, timeoutMs, crashDir, caseFile, savedName, log = () => {}, name = 'fuzz' }) {
  /** @type {FuzzResult} */
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
  let next = 0;
  while (next < count) {
    const run = await runChild({ args, env, timeoutMs, start: next, end: count }, report);
    if (run.current === null && run.code === 0) break;
    if (run.current === null) throw new Error(`${name} child failed before its first case (exit ${run.code ?? run.signal}):\n${run.stderr}`);
    const { index, how } = run.current;
    mkdirSync(crashDir, { recursive: true });
    const saved = join(crashDir, savedName(index));
    try {
      copyFileSync(caseFile(index), saved);
    } catch {
      // the child died before writing the case file; the case can still be replayed from its seed
    }
    const entry = { index, how, file: saved, exit: run.signal ?? run.code, stderr: run.stderr.slice(-4000) };
    (run.hung ? result.hangs : result.crashes).push(entry);
    result.cases++;
    tally(how).failed++;
    log(`${name}: case ${index} (${how}) ${run.hung ? 'hung' : `crashed (${entry.exit})`}; saved as ${saved}`);
    next = index + 1;
  }
  result.seconds = (Date.now() - started) / 1000;
  return result;
}

/**
 * The command line of a fuzzer: `[count] [seed] [--json] [--timeout-ms=N] [--crash-dir=DIR]`,
 * and `--corpus=a,b` when the defaults have a corpus.
 */
export function parseFuzzArgs(argv, defaults) {
  const options = { count: 1000, seed: 1, json: false, ...defaults };
  const positional = [];
  for (const arg of argv) {
    if (arg === '--json') options.json = true;
    else if (arg.startsWith('--timeout-ms=')) options.timeoutMs = Number(arg.split('=')[1]);
    else if (arg.startsWith('--crash-dir=')) options.crashDir = arg.split('=')[1];
    else if ('corpus' in defaults && arg.startsWith('--corpus=')) options.corpus = arg.split('=')[1].split(',');
    else positional.push(arg);
  }
  if (positional[0] !== undefined) options.count = Number(positional[0]);
  if (positional[1] !== undefined) options.seed = Number(positional[1]);
  if (!Number.isInteger(options.count) || options.count < 1) throw new Error(`count must be a positive integer, got ${positional[0]}`);
  if (!Number.isInteger(options.seed) || options.seed < 0) throw new Error(`seed must be a non-negative integer, got ${positional[1]}`);
  return options;
}

/** Prints a campaign's result (or its JSON) and sets the exit code: 1 if any case failed. */
export function printFuzzResult(name, result, { json, readAs, refusedAs }) {
  if (json) {
    console.log(JSON.stringify(result));
  } else {
    console.log(
      `${name}: ${result.cases} cases tried (seed ${result.seed}) in ${result.seconds.toFixed(1)} s: ` +
        `${result.read} ${readAs}, ${result.refused} ${refusedAs}, ${result.wrong.length} wrong errors, ` +
        `${result.crashes.length} crashes, ${result.hangs.length} hangs`,
    );
    for (const [how, t] of Object.entries(result.byHow)) console.log(`  ${how}: ${t.read} ${readAs}, ${t.refused} refused, ${t.failed} failed`);
    for (const w of result.wrong.slice(0, 20)) console.log(`  wrong error in case ${w.index} (${w.how}): ${w.error}`);
    for (const c of [...result.crashes, ...result.hangs]) console.log(`  case ${c.index} (${c.how}): exit ${c.exit}, file ${c.file}\n${c.stderr}`);
  }
  process.exitCode = result.wrong.length + result.crashes.length + result.hangs.length > 0 ? 1 : 0;
}
