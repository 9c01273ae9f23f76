// Data parallel on c10d with two processes on loopback: DDP's gradient averaging and its start-up
// and lost-rank faults, and a PyTorch DDP twin; each wait bounded and no process left behind.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.js';
import { createVisionModel } from '../../src/model/vision-model.js';
import { readWeights } from '../../src/io/weights.js';
import { expectClose } from '../helpers/close.js';
import { fixture } from '../helpers/fixtures.js';
import { diffs, syntheticBatch } from '../helpers/model.js';

const dir = mkdtempSync(join(tmpdir(), 'fasttune-dist-'));
/** Final weights against PyTorch DDP: per tensor, relative to the tensor's largest entry. */
const TWIN_TOL = 1e-5;
const children = new Set<ChildProcess>();
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

interface Rank {
  child: ChildProcess;
  done: Promise<{ code: number | null; stderr: string; ms: number }>;
  stdout: () => string;
}

function startRank(mode: string, env: Record<string, string>, out = join(dir, 'run')): Rank {
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', './test/helpers/ts-register.mjs', 'test/helpers/dist-worker.ts', mode, out], {
    env: { ...process.env, OMP_NUM_THREADS: '1', ...env },
    timeout: 120_000,
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const done = new Promise<{ code: number | null; stderr: string; ms: number }>((resolve) =>
    child.on('close', (code) => {
      children.delete(child);
      resolve({ code, stderr, ms: Date.now() - started });
    }),
  );
  return { child, done, stdout: () => stdout };
}

function env(rank: number, worldSize: number, port: number, timeoutS = 20): Record<string, string> {
  return { RANK: String(rank), WORLD_SIZE: String(worldSize), MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port), FASTTUNE_DIST_TIMEOUT: String(timeoutS) };
}

/** How many elements differ (a count: printing two 40M-element arrays would not fit a string). */
function differing(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Math.max(a.length, b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

function floats(path: string): Float32Array {
  const bytes = readFileSync(path);
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}

describe('data parallel with two processes (Gloo on 127.0.0.1)', () => {
  it('starts from rank 0 weights and averages the gradients as DDP does', async () => {
    const port = await freePort();
    const ranks = [0, 1].map((r) => startRank('grad', env(r, 2, port)));
    const results = await Promise.all(ranks.map((r) => r.done));
    for (const r of results) expect(r.code, r.stderr).toBe(0);

    // One process: rank 0's model, both batches' gradients summed by accumulation.
    using model = await createVisionModel({ nOut: 5, device: 'cpu', seed: 10, ps: 0 });
    const params = new Set(model.paramInfo().map((p) => p.name));
    const initial = (await model.stateDict()).filter((t) => params.has(t.name)).map((t) => t.data as Float32Array);
    await model.accumulateStep(syntheticBatch(4, 32, 100));
    await model.accumulateStep(syntheticBatch(4, 32, 101));
    const sums = (await model.gradients()).map((g) => g.data ?? new Float32Array());

    const rank0 = floats(join(dir, 'run.rank0.bin'));
    const rank1 = floats(join(dir, 'run.rank1.bin'));
    expect(differing(rank1, rank0)).toBe(0); // the same weights (rank 0's) and the same averaged gradients
    let offset = 0;
    for (const w of initial) {
      expect(differing(rank0.subarray(offset, offset + w.length), w)).toBe(0);
      offset += w.length;
    }
    let worst = 0;
    for (const g of sums) {
      const mean = rank0.subarray(offset, offset + g.length);
      let scale = 0;
      for (const v of g) scale = Math.max(scale, Math.abs(v));
      for (let i = 0; i < g.length; i++) worst = Math.max(worst, Math.abs(2 * (mean[i] as number) - (g[i] as number)) / (scale || 1));
      offset += g.length;
    }
    expect(offset).toBe(rank0.length);
    expect(worst).toBeLessThan(1e-5);
  }, 180_000);

  it('learn.distributed keeps the replicas equal, validates on the whole set and lets rank 0 alone print', async () => {
    const port = await freePort();
    const out = join(dir, 'learner');
    const ranks = [0, 1].map((r) => startRank('learner', env(r, 2, port), out));
    for (const r of await Promise.all(ranks.map((x) => x.done))) expect(r.code, r.stderr).toBe(0);
    expect(differing(floats(`${out}.rank1.bin`), floats(`${out}.rank0.bin`))).toBe(0);
    const [zero, one] = [0, 1].map((r) => JSON.parse(readFileSync(`${out}.rank${r}.json`, 'utf8')) as { printed: string; values: number[][] });
    expect(zero?.printed).toMatch(/valid_loss/);
    expect(one?.printed).toBe('');
    // Validation losses and metrics agree; the training loss is each rank's own (rank 0's is shown).
    expect(one?.values.map((row) => row.slice(1))).toEqual(zero?.values.map((row) => row.slice(1)));
  }, 180_000);

  it('ends three Adam steps with the weights and buffers of PyTorch DDP (Gloo, two processes, same model and batches)', async () => {
    const port = await freePort();
    const out = join(dir, 'twin');
    const threads = { FASTTUNE_NUM_THREADS: '1', OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' }; // as the reference's ranks
    const ranks = [0, 1].map((r) => startRank('twin', { ...env(r, 2, port), ...threads }, out));
    for (const r of await Promise.all(ranks.map((x) => x.done))) expect(r.code, r.stderr).toBe(0);
    const [zero, one] = await Promise.all([0, 1].map((r) => readWeights(`${out}.rank${r}.safetensors`)));
    const ref = fixture('ddp_twin', 'final');
    // Every rank holds the same weights; the buffers are each rank's own (rank 0's are DDP's).
    for (const [i, t] of (one?.tensors ?? []).entries()) {
      if (!t.name.endsWith('weight') && !t.name.endsWith('bias')) continue;
      expect(differing(t.data as Float32Array, zero?.tensors[i]?.data as Float32Array), t.name).toBe(0);
    }
    let worst = 0;
    for (const t of zero?.tensors ?? []) {
      const expected = ref.get(t.name).data;
      if (t.dtype === 'I64') {
        expect(t.data, t.name).toEqual(expected);
        continue;
      }
      const e = expected as Float32Array;
      const scale = e.reduce((m, x) => Math.max(m, Math.abs(x)), 0) || 1;
      expectClose(t.data as Float32Array, e, { atol: TWIN_TOL * scale, rtol: 0 }, t.name);
      worst = Math.max(worst, diffs(t.data as Float32Array, e, 0).abs / scale);
    }
    expect(zero?.tensors.length).toBe(ref.tensors.size);
    console.info(`ddp twin: ${zero?.tensors.length} tensors after 3 steps on 2 ranks; worst |diff| / tensor max ${worst.toExponential(2)}`);
  }, 180_000);

  it('a rank killed mid-epoch stops the other within the timeout, naming the failure', async () => {
    const port = await freePort();
    const ranks = [0, 1].map((r) => startRank('hang', env(r, 2, port, 10)));
    const deadline = Date.now() + 120_000;
    while (!ranks.every((r) => r.stdout().includes('stepping rank')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const killedAt = Date.now();
    ranks[1]?.child.kill('SIGKILL');
    const survivor = await ranks[0]!.done;
    expect(survivor.code).not.toBe(0);
    expect(survivor.stderr).toMatch(/E_DIST .*(another rank stopped|lost)/);
    expect(Date.now() - killedAt).toBeLessThan(15_000);
  }, 180_000);

  it('a port in use is a clear start-up error', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, resolve)); // every address, as the store binds
    const { port } = server.address() as { port: number };
    try {
      const r = await startRank('join', env(0, 1, port)).done;
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`E_DIST rank 0 could not serve the rendezvous on 127.0.0.1:${port}`));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  }, 60_000);

  it('an unreachable master is a clear start-up error within the timeout', async () => {
    const port = await freePort();
    const r = await startRank('join', env(1, 2, port, 3)).done;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`E_DIST rank 1 could not reach the master at 127.0.0.1:${port}`));
    expect(r.ms).toBeLessThan(30_000);
  }, 60_000);

  it('ranks that disagree on the world size both stop at start-up', async () => {
    const port = await freePort();
    const ranks = [startRank('join', env(0, 2, port)), startRank('join', env(1, 3, port))];
    for (const r of await Promise.all(ranks.map((x) => x.done))) {
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/E_DIST world size mismatch: rank 0 has WORLD_SIZE=2, rank 1 has WORLD_SIZE=3/);
    }
  }, 60_000);

  it('a different model on one rank is a clear start-up error', async () => {
    const port = await freePort();
    const ranks = [0, 1].map((r) => startRank('other-model', env(r, 2, port)));
    for (const r of await Promise.all(ranks.map((x) => x.done))) {
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/E_DIST the ranks hold different models/);
    }
  }, 120_000);
});
