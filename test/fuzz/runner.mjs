// Runs fuzz cases in child processes that report each case on stdout ("start <i> <json how>"
// before touching it, "done <i> <outcome>" after). A case that started without finishing killed
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
 * Runs `count` cases through children started with `args(start, end)`; `report(case, outcome)`
 * tallies each finished case. Crashes and hangs are returned with the case file copied into
 * `crashDir` (`caseFile(index)` is where the child wrote it, `savedName(index)` its name there).
 */
export async function runFuzzChildren({ args, env = process.env, count, timeoutMs, crashDir, caseFile, savedName, report, log = () => {}, name = 'fuzz' }) {
  const crashes = [];
  const hangs = [];
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
    (run.hung ? hangs : crashes).push(entry);
    log(`${name}: case ${index} (${how}) ${run.hung ? 'hung' : `crashed (${entry.exit})`}; saved as ${saved}`);
    next = index + 1;
  }
  return { crashes, hangs };
}
