// LibTorch's intra-op threads: the machine's cores by default, FASTTUNE_NUM_THREADS overrides.
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const addon = fileURLToPath(new URL('../../build/Release/fasttune.node', import.meta.url));

function threadsIn(env: Record<string, string>): number {
  const script = `process.stdout.write(String(require(${JSON.stringify(addon)}).getNumThreads()))`;
  const { FASTTUNE_NUM_THREADS: _, ...base } = process.env;
  const result = spawnSync(process.execPath, ['-e', script], { env: { ...base, ...env }, encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  return Number(result.stdout);
}

describe('threads', () => {
  it('uses every core by default (Debian LibTorch would use one)', () => {
    expect(threadsIn({})).toBe(availableParallelism());
  });

  it('follows FASTTUNE_NUM_THREADS and ignores nonsense in it', () => {
    expect(threadsIn({ FASTTUNE_NUM_THREADS: '3' })).toBe(3);
    expect(threadsIn({ FASTTUNE_NUM_THREADS: 'many' })).toBe(availableParallelism());
  });
});

describe('thread count in jobs', () => {
  it('reaches pool threads that already ran LibTorch with another count', async () => {
    const { getNumThreads, setNumThreads } = await import('../../src/index.js');
    const { fixture } = await import('../helpers/fixtures.js');
    const { fixtureBatch, hypers, referenceModel } = await import('../helpers/model.js');
    const fwd = fixture('vision_model', 'forward');
    const before = getNumThreads();
    try {
      // Warm every libuv pool thread on two LibTorch threads.
      setNumThreads(2);
      const models = await Promise.all([0, 1, 2, 3].map(() => referenceModel()));
      await Promise.all(models.map((m) => m.evalStep(fixtureBatch(fwd))));
      // One thread: train-mode logits now sum in the reference's order, to the bit (two threads
      // differ by ~1e-6).
      setNumThreads(1);
      const results = await Promise.all(
        models.map((m) => {
          m.seed(fwd.meta.dropSeed as number);
          return m.trainStepWithLogits(fixtureBatch(fwd), hypers(0));
        }),
      );
      for (const { logits } of results) expect(logits).toEqual(fwd.get('logits_train').data);
      for (const m of models) m.dispose();
    } finally {
      setNumThreads(before);
    }
  });
});
