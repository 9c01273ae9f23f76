// Runs test/helpers/fit-child.ts in its own process and follows its stdout line by line, so a test
// can signal it at a chosen point (SIGINT mid-fit, SIGKILL mid-write).
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const child = join(root, 'test', 'helpers', 'fit-child.ts');

export interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  lines: string[];
  stderr: string;
  /** The last `result {...}` line the child printed, parsed. */
  result: Record<string, unknown> | undefined;
}

export interface FitChildOptions {
  /** Sees each stdout line, and the process to signal. */
  onLine?: (line: string, proc: ChildProcess) => void;
  /** A file-size limit (`ulimit -f`, KiB) standing in for a full disk. */
  limitKiB?: number;
  /** 'fineTune' trains with fineTune(1) instead of fitOneCycle(2). */
  fitKind?: 'fitOneCycle' | 'fineTune';
}

export function runFitChild(
  images: string,
  workdir: string,
  mode: string,
  { onLine, limitKiB, fitKind = 'fitOneCycle' }: FitChildOptions = {},
): Promise<ChildRun> {
  const args = ['--import', join(root, 'test', 'helpers', 'ts-register.mjs'), child, images, workdir, mode, fitKind];
  const env = { ...process.env, FASTTUNE_NUM_THREADS: '1' };
  const options = { stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'], env };
  // `exec` keeps the pid, so a signal reaches node rather than the shell.
  const quoted = [process.execPath, ...args].map((a) => `'${a}'`).join(' ');
  const proc = limitKiB === undefined ? spawn(process.execPath, args, options) : spawn('bash', ['-c', `ulimit -f ${limitKiB}; exec ${quoted}`], options);
  return new Promise((resolve, reject) => {
    const lines: string[] = [];
    let pending = '';
    let stderr = '';
    proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        lines.push(line);
        onLine?.(line, proc);
      }
    });
    proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    proc.on('error', reject);
    proc.on('close', (code, signal) => {
      const last = lines.filter((l) => l.startsWith('result ')).at(-1);
      resolve({ code, signal, lines, stderr, result: last ? JSON.parse(last.slice('result '.length)) : undefined });
    });
  });
}
