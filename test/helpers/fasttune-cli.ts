// Running the `fasttune` executable as a user does: a separate process on real files.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { type ChildResult, runNode } from './spawn-child.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** node and its arguments that start the CLI from the sources. */
export function fasttuneArgs(args: readonly string[]): string[] {
  return ['--import', 'tsx', join(root, 'src', 'cli', 'main.ts'), ...args];
}

/** Runs `fasttune <args>` to completion; torch's cache is `torchHome`, so nothing is downloaded into the user's. */
export function fasttune(torchHome: string, ...args: string[]): Promise<ChildResult> {
  // Every path given is absolute; the repository is the working folder so that tsx resolves.
  return runNode(fasttuneArgs(args), { cwd: root, env: { ...process.env, TORCH_HOME: torchHome }, timeout: 300_000 });
}

/** Starts `fasttune <args>` and hands back the process, for tests that signal it or close its pipes. */
export function startFasttune(torchHome: string, ...args: string[]) {
  return spawn(process.execPath, fasttuneArgs(args), { cwd: root, env: { ...process.env, TORCH_HOME: torchHome } });
}

/** A failure as scripts see it: the exit code and a message, no stack trace. */
export function expectFailure(result: ChildResult, code: number, message: RegExp): void {
  expect(result.code).toBe(code);
  expect(result.stderr).toMatch(message);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

/** Tiny images, small batches, a fixed seed: each run takes seconds on a CPU. */
export const TINY = ['--size', '16', '--bs', '2', '--seed', '1', '--no-pretrained'] as const;
