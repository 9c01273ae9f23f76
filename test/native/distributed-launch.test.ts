// `fasttune launch` supervising two ranks on loopback: a rank killed mid-epoch is named and the
// other stopped; Ctrl-C stops every rank. Each wait is bounded and no rank outlives the test.
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.js';

const pids = new Set<number>();
afterAll(() => {
  for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts the launcher on the `hang` worker; resolves once both ranks step, with their pids. */
async function launch() {
  const port = await freePort();
  const args = ['--import', './test/helpers/ts-register.mjs', 'src/cli/main.ts', 'launch', '--nproc-per-node', '2', '--master-port', String(port)];
  const launcher = spawn(process.execPath, [...args, 'test/helpers/dist-worker.ts', 'hang', 'unused'], {
    env: { ...process.env, OMP_NUM_THREADS: '1', FASTTUNE_DIST_TIMEOUT: '10' },
    timeout: 150_000,
  });
  pids.add(launcher.pid as number);
  let stdout = '';
  let stderr = '';
  launcher.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  launcher.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const done = new Promise<number | null>((resolve) => launcher.on('close', resolve));
  const deadline = Date.now() + 120_000;
  let ranks: number[] = [];
  while (ranks.length < 2 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    const lines = [...stdout.matchAll(/stepping rank (\d) pid (\d+)/g)].sort((a, b) => Number(a[1]) - Number(b[1]));
    ranks = lines.map((m) => Number(m[2])); // pids by rank
  }
  for (const pid of ranks) pids.add(pid);
  expect(ranks, stderr).toHaveLength(2);
  return { launcher, done, ranks, stderr: () => stderr };
}

describe('fasttune launch', () => {
  it('names a rank killed mid-epoch, stops the other and exits non-zero', async () => {
    const { done, ranks, stderr } = await launch();
    const killedAt = Date.now();
    process.kill(ranks[1] as number, 'SIGKILL');
    expect(await done).toBe(1);
    expect(Date.now() - killedAt).toBeLessThan(40_000);
    expect(stderr()).toMatch(/fasttune launch: rank 1 was killed by SIGKILL/);
    for (const pid of ranks) expect(alive(pid)).toBe(false);
  }, 180_000);

  it('passes Ctrl-C to every rank and waits for them', async () => {
    const { launcher, done, ranks } = await launch();
    launcher.kill('SIGINT');
    expect(await done).toBe(130);
    for (const pid of ranks) expect(alive(pid)).toBe(false);
  }, 180_000);
});
