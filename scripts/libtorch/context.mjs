// The real machine, as the resolution steps see it. Tests pass their own functions instead.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { downloadFile } from '../lib/download.mjs';
import { createProgress } from '../lib/progress.mjs';

/** The absolute path of an executable on PATH, or null. */
export function which(name, env = process.env) {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return null;
}

/**
 * Runs a program to completion: `{ status, stdout, stderr, error }`. With `inherit`, its
 * output goes straight to ours (apt-get's progress).
 */
export function run(cmd, args, { timeoutMs = 600_000, env = process.env, inherit = false } = {}) {
  const result = spawnSync(cmd, args, {
    encoding: 'utf8',
    env,
    timeout: timeoutMs,
    stdio: inherit ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'pipe', 'pipe'],
    maxBuffer: 16 * 1024 * 1024,
  });
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '', error: result.error };
}

/** A context over this machine; `overrides` replace any member. */
export function systemContext(overrides = {}) {
  const env = overrides.env ?? process.env;
  const stream = overrides.stream ?? process.stderr;
  return {
    env,
    platform: process.platform,
    arch: process.arch,
    homedir: homedir(),
    exists: (path) => existsSync(path),
    readText: (path) => {
      try {
        return readFileSync(path, 'utf8');
      } catch {
        return null;
      }
    },
    which: (name) => which(name, env),
    run,
    isRoot: () => process.getuid?.() === 0,
    log: (line) => stream.write(`${line}\n`),
    progress: (label) => createProgress(label, { stream }),
    download: downloadFile,
    downloadOptions: {},
    ...overrides,
  };
}
