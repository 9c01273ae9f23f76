// Long runs don't grow: training steps, predict calls and learners made and disposed, in a fresh
// process, with RSS and the live native objects sampled after garbage collections. CI-sized here;
// `node test/soak/soak.mjs` runs thousands of steps and tens of thousands of predict calls.
import { describe, expect, it } from 'vitest';
import { createVisionModel, liveNativeObjects } from '../../src/index.js';
import { soak as runSoak } from '../soak/soak.mjs';

interface Sample {
  phase: string;
  count: number;
  rssMiB: number;
  heapMiB: number;
  live: { models: number; jobs: number };
}
interface SoakResult {
  samples: Sample[];
  baseline: Sample;
  end: Sample;
  trainGrowthMiB: number;
  predictGrowthMiB: number;
  seconds: number;
}
const soak = runSoak as (options: object) => Promise<SoakResult>;

// At this size RSS still moves by up to ~100 MiB while the allocator warms up (arenas kept or
// returned), so the bound here catches gross leaks only (a model's weights, 85 MiB, per run); the
// native object counts are exact. `node test/soak/soak.mjs 1500 1000` measured RSS flat within
// 709–720 MiB over 1,500 steps and 713.7–715.2 MiB over 1,000 predict calls.
const MAX_GROWTH_MIB = 256;

describe('live native objects', () => {
  it('count a model from its creation to its dispose, and a job until it settles', async () => {
    const before = liveNativeObjects();
    const pending = createVisionModel({ nOut: 2, seed: 1 });
    expect(liveNativeObjects().jobs).toBe(before.jobs + 1);
    const model = await pending;
    await new Promise(setImmediate);
    expect(liveNativeObjects()).toEqual({ models: before.models + 1, jobs: before.jobs });
    model.dispose();
    expect(liveNativeObjects()).toEqual(before);
  });
});

describe('long runs', () => {
  it('keep one live model and no pending job while training and predicting, and free every model at the end', async () => {
    const result = await soak({ steps: 80, predicts: 32, learners: 3, samples: 8, threads: 1 });
    console.info(
      `soak: 80 steps, 32 predict calls, 3 learners in ${result.seconds.toFixed(0)} s; RSS growth after warm-up ` +
        `${result.trainGrowthMiB.toFixed(1)} MiB (training), ${result.predictGrowthMiB.toFixed(1)} MiB (predict)`,
    );
    expect(result.baseline.live).toEqual({ models: 0, jobs: 0 });
    for (const s of result.samples) expect(s.live, `${s.phase} ${s.count}`).toEqual({ models: 1, jobs: 0 });
    expect(result.samples.filter((s) => s.phase === 'train').length).toBeGreaterThanOrEqual(4);
    expect(result.samples.filter((s) => s.phase === 'predict').length).toBeGreaterThanOrEqual(4);
    expect(result.end.live).toEqual({ models: 0, jobs: 0 });
    expect(result.trainGrowthMiB).toBeLessThan(MAX_GROWTH_MIB);
    expect(result.predictGrowthMiB).toBeLessThan(MAX_GROWTH_MIB);
  }, 600_000);
});
