// Load: learners training at once in one process and in worker threads, and many concurrent
// predict calls on one learner, give exactly what the same work gives one at a time; a second
// fit on a busy learner is refused with E_BUSY and the first one finishes unharmed.
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getNumThreads, setNumThreads } from '../../src/index.js';
import { smallLearner, writeClassFolders, type SmallLearner } from '../helpers/image-learner.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
let dir: string;
let images: string;
let files: string[];
let threads: number;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fasttune-load-'));
  images = join(dir, 'images');
  files = await writeClassFolders(images, 4);
  // One LibTorch thread per job: the same sums in the same order whatever runs beside them.
  threads = getNumThreads();
  setNumThreads(1);
});
afterAll(async () => {
  setNumThreads(threads);
  await rm(dir, { recursive: true, force: true });
});

async function trained(run: SmallLearner): Promise<{ weights: string; probs: Float32Array }> {
  const { probs } = await run.learn.getPreds();
  const digest = createHash('sha256');
  for (const t of await run.model.stateDict())
    digest.update(Buffer.from((t.data as Uint8Array).buffer, (t.data as Uint8Array).byteOffset, (t.data as Uint8Array).byteLength));
  return { weights: digest.digest('hex'), probs };
}

/** Trains a learner seeded `seed` for one 1cycle epoch; what it ends with. */
async function trainAlone(seed: number) {
  const run = await smallLearner(images, { seed: 1, modelSeed: seed, path: dir });
  try {
    await run.learn.fitOneCycle(1, 2e-3);
    return await trained(run);
  } finally {
    run.dispose();
  }
}

describe('load', () => {
  let alone: Array<{ weights: string; probs: Float32Array }>;

  beforeAll(async () => {
    alone = [await trainAlone(1), await trainAlone(2)];
  });

  it('two learners training at once in one process end exactly as each alone', async () => {
    const runs = await Promise.all([1, 2].map((seed) => smallLearner(images, { seed: 1, modelSeed: seed, path: dir })));
    try {
      await Promise.all(runs.map((r) => r.learn.fitOneCycle(1, 2e-3)));
      const together = await Promise.all(runs.map(trained));
      expect(together.map((t) => t.weights)).toEqual(alone.map((a) => a.weights));
      expect(together[0]!.weights).not.toBe(together[1]!.weights);
    } finally {
      for (const r of runs) r.dispose();
    }
  });

  it('learners in two worker threads end exactly as each alone in the main thread', async () => {
    const register = new URL('../helpers/ts-register.mjs', import.meta.url).href;
    const script = join(root, 'test', 'helpers', 'learner-worker.ts');
    const results = await Promise.all(
      [1, 2].map(
        (seed) =>
          new Promise<{ weights: string; probs: Float32Array }>((resolve, reject) => {
            const worker = new Worker(script, {
              workerData: { images, path: dir, seed },
              execArgv: [...process.execArgv, '--import', register],
              env: { ...process.env, FASTTUNE_NUM_THREADS: '1' },
            });
            worker.once('message', resolve);
            worker.once('error', reject);
            worker.once('exit', (code) => code !== 0 && reject(new Error(`worker exited with ${code}`)));
          }),
      ),
    );
    expect(results.map((r) => r.weights)).toEqual(alone.map((a) => a.weights));
    results.forEach((r, i) => expect(Array.from(r.probs)).toEqual(Array.from(alone[i]!.probs)));
  });

  it('32 concurrent predict calls on one learner give what 32 calls in turn give', async () => {
    const run = await smallLearner(images, { seed: 1, modelSeed: 1, path: dir });
    try {
      const inputs = Array.from({ length: 32 }, (_, i) => files[i % files.length] as string);
      const inTurn: Awaited<ReturnType<typeof run.learn.predict>>[] = [];
      for (const f of inputs) inTurn.push(await run.learn.predict(f));
      const together = await Promise.all(inputs.map((f) => run.learn.predict(f)));
      together.forEach((p, i) => {
        expect(p.index).toBe(inTurn[i]!.index);
        expect(Array.from(p.probs)).toEqual(Array.from(inTurn[i]!.probs));
      });
    } finally {
      run.dispose();
    }
  });

  it('a fit on a learner already fitting is refused with E_BUSY; the first fit ends as it would alone', async () => {
    const run = await smallLearner(images, { seed: 1, modelSeed: 1, path: dir });
    try {
      const first = run.learn.fitOneCycle(1, 2e-3);
      await expect(run.learn.fitOneCycle(1, 2e-3)).rejects.toMatchObject({ code: 'E_BUSY' });
      await expect(run.learn.lrFind()).rejects.toMatchObject({ code: 'E_BUSY' });
      await first;
      expect((await trained(run)).weights).toBe(alone[0]!.weights);
    } finally {
      run.dispose();
    }
  });
});
