// Child processes for tests, awaited rather than run synchronously: a synchronous spawn blocks
// the test worker's event loop, and vitest drops a worker that stays silent for a minute.
import { spawn } from 'node:child_process';

export interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface ChildOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Milliseconds before the child is killed (its code is then null). */
  timeout?: number;
}

/** Runs `node <args>` to completion and collects its output. */
export function runNode(args: string[], options: ChildOptions = {}): Promise<ChildResult> {
  return runCommand(process.execPath, args, options);
}

/** Runs `command <args>` to completion and collects its output. */
export function runCommand(command: string, args: string[], options: ChildOptions = {}): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, timeout: options.timeout });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
