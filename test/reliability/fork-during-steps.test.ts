// A process that spawns children while the native step runs must not hang: OpenBLAS's pthread
// build tears its thread pool down at every fork(), and a BLAS call in flight then waited forever
// (the addon now loads OpenBLAS single-threaded; with OPENBLAS_NUM_THREADS=2 this hangs in seconds).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runNode } from '../helpers/spawn-child.js';

const root = join(import.meta.dirname, '..', '..');

describe('fork() during native steps', () => {
  it('200 eval steps finish while child processes are spawned without pause', async () => {
    const child = await runNode(['--import', './test/helpers/ts-register.mjs', 'test/helpers/fork-during-steps.ts', '200'], { cwd: root, timeout: 90_000 });
    expect(child.stderr).toBe('');
    expect(child.stdout).toMatch(/^done 200 \d+\n$/);
    const forks = Number(child.stdout.split(' ')[2]);
    console.info(`fork during steps: 200 eval steps with ${forks} child processes spawned meanwhile`);
    expect(forks).toBeGreaterThan(20);
  }, 120_000);
});
