// Long runs don't grow: training steps, predict calls and learners made and disposed, in a fresh
// process, with RSS and the live native objects sampled after garbage collections. CI-sized here;
// `node scripts/soak.mjs` runs thousands of steps and tens of thousands of predict calls.
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM script without type declarations
import { soak as runSoak } from '../../scripts/soak.mjs';

interface Sample { phase: string; count: number; rssMiB: number; heapMiB: number; live: { models: number; jobs: number } }
interface SoakResult {
  samples: Sample[];
  baseline: Sample;
  end: Sample;
  trainGrowthMiB: number;
  predictGrowthMiB: number;
  seconds: number;
}
const soak = runSoak as (options: object) => Promise<SoakResult>;

// RSS moves by tens of MiB as the allocator keeps or returns arenas; a leak of one batch's
// activations per step (~1 MiB at 16 px) or of one image per predict call would pass these only
// at far larger counts, which the script runs. The native object counts are exact.
const MAX_GROWTH_MIB = 128;

describe('long runs', () => {
  it('keep one live model and no pending job while training and predicting, and free every model at the end', async () => {
    const result = await soak({ steps: 120, predicts: 64, learners: 4, samples: 8 });
    console.info(
      `soak: 120 steps, 64 predict calls, 4 learners in ${result.seconds.toFixed(0)} s; RSS growth after warm-up ` +
        `${result.trainGrowthMiB.toFixed(1)} MiB (training), ${result.predictGrowthMiB.toFixed(1)} MiB (predict)`,
    );
    expect(result.baseline.live).toEqual({ models: 0, jobs: 0 });
    for (const s of result.samples) expect(s.live, `${s.phase} ${s.count}`).toEqual({ models: 1, jobs: 0 });
    expect(result.samples.filter((s) => s.phase === 'train').length).toBeGreaterThanOrEqual(6);
    expect(result.samples.filter((s) => s.phase === 'predict').length).toBeGreaterThanOrEqual(6);
    expect(result.end.live).toEqual({ models: 0, jobs: 0 });
    expect(result.trainGrowthMiB).toBeLessThan(MAX_GROWTH_MIB);
    expect(result.predictGrowthMiB).toBeLessThan(MAX_GROWTH_MIB);
  });
});
