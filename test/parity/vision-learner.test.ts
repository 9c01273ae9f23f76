// Whole training runs through the public API against the PyTorch replica of
// test/reference/vision_learner.py (spec 14): visionLearner with "pretrained" weights saved by
// torch.save, fitOneCycle frozen -> unfreeze -> fitOneCycle(slice(lo, hi)), and fineTune, on fixed
// batches. Per-step losses, the Recorder's smoothed losses, learning rates, momentums and epoch
// rows, and every weight and BatchNorm buffer at the end.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorRate, resnet34, slice, visionLearner, type Callback, type Learner, type VisionLearner } from '../../src/index.js';
import { expectClose } from '../helpers/close.js';
import { fixedDataLoaders } from '../helpers/fixed-loaders.js';
import { fixture, fixturesDir, type Fixture } from '../helpers/fixtures.js';
import { diffs, onReferenceThreads, report } from '../helpers/model.js';

// On one thread both sides run the same LibTorch kernels in the same order; the margins below
// cover another LibTorch build, not noise seen here (the measured figures are printed).
const LOSS_TOL = { atol: 1e-6, rtol: 1e-5 };
/** Final weights: per tensor, relative to the tensor's largest entry. */
const WEIGHT_TOL = 1e-5;

const data = fixture('vision_learner', 'data');
const weights = join(fixturesDir, 'vision_learner', 'pretrained.pth');

onReferenceThreads();

async function learner(): Promise<VisionLearner> {
  const learn = await visionLearner(fixedDataLoaders(data), resnet34, { weights, metrics: [errorRate], device: 'cpu', progress: false });
  learn.model.seed(data.meta.dropSeed as number);
  return learn;
}

/** Records the raw loss of every training batch. */
function rawLosses(): { cb: Callback; losses: number[] } {
  const losses: number[] = [];
  return { losses, cb: { name: 'RawLosses', afterBatch: (learn: Learner) => void (learn.training && losses.push(learn.loss)) } };
}

/** One fit's record against the reference's `prefix.*` (the Recorder holds the last fit only). */
function comparePhase(learn: Learner, losses: number[], ref: Fixture, prefix: string): void {
  report(`${prefix} losses`, diffs(losses, ref.numbers(`${prefix}.losses`)));
  expectClose(losses, ref.numbers(`${prefix}.losses`), LOSS_TOL, `${prefix} losses`);
  expectClose(learn.recorder.losses, ref.numbers(`${prefix}.smooth`), LOSS_TOL, `${prefix} smoothed losses`);
  expectClose(learn.recorder.lrs, ref.numbers(`${prefix}.lrs`), { atol: 0, rtol: 1e-6 }, `${prefix} lrs`);
  expectClose(learn.recorder.moms, ref.numbers(`${prefix}.moms`), { atol: 0, rtol: 1e-6 }, `${prefix} moms`);
  const rows = learn.recorder.values.flat();
  report(`${prefix} epoch rows`, diffs(rows, ref.numbers(`${prefix}.values`)));
  expectClose(rows, ref.numbers(`${prefix}.values`), LOSS_TOL, `${prefix} epoch rows (train_loss, valid_loss, error_rate)`);
}

async function compareFinalState(learn: VisionLearner, ref: Fixture, what: string): Promise<void> {
  let worst = 0;
  for (const t of await learn.model.stateDict()) {
    const expected = ref.get(`final.${t.name}`);
    if (t.dtype === 'I64') {
      expect(t.data, t.name).toEqual(expected.data);
      continue;
    }
    const e = expected.data as Float32Array;
    const scale = e.reduce((m, x) => Math.max(m, Math.abs(x)), 0) || 1;
    expectClose(t.data as Float32Array, e, { atol: WEIGHT_TOL * scale, rtol: 0 }, `${what}: ${t.name}`);
    worst = Math.max(worst, diffs(t.data as Float32Array, e, 0).abs / scale);
  }
  report(`${what} final weights and buffers (relative to tensor max)`, { abs: worst, rel: 0 });
}

describe('visionLearner training runs vs PyTorch', () => {
  it('fitOneCycle frozen, unfreeze, fitOneCycle with slice(lo, hi)', async () => {
    const ref = fixture('vision_learner', 'one_cycle');
    using learn = await learner();
    // Pretrained: only the head and BatchNorm layers train.
    expect(learn.frozenTo).toBe(2);
    const frozen = rawLosses();
    await learn.fitOneCycle(2, 3e-3, { cbs: [frozen.cb] });
    comparePhase(learn, frozen.losses, ref, 'frozen');
    learn.unfreeze();
    const unfrozen = rawLosses();
    await learn.fitOneCycle(2, { lrMax: slice(1e-5, 1e-3), cbs: [unfrozen.cb] });
    comparePhase(learn, unfrozen.losses, ref, 'unfrozen');
    await compareFinalState(learn, ref, 'fitOneCycle');
  });

  it('fineTune: the frozen epoch and the unfrozen phase', async () => {
    const ref = fixture('vision_learner', 'fine_tune');
    using learn = await learner();
    const phases: number[][] = [];
    const rows: number[][][] = [];
    const record: Callback = {
      name: 'PhaseRecorder',
      order: 70,
      beforeFit: () => void phases.push([]),
      afterBatch: (l: Learner) => void (l.training && phases.at(-1)?.push(l.loss)),
      afterFit: (l: Learner) => void rows.push(l.recorder.values.map((r) => [...r])),
    };
    await learn.fineTune(2, { cbs: [record] });
    expect(phases.map((p) => p.length)).toEqual([3, 6]);
    for (const [i, prefix] of ['frozen', 'unfrozen'].entries()) {
      report(`fineTune ${prefix} losses`, diffs(phases[i] as number[], ref.numbers(`${prefix}.losses`)));
      expectClose(phases[i] as number[], ref.numbers(`${prefix}.losses`), LOSS_TOL, `fineTune ${prefix} losses`);
      expectClose((rows[i] as number[][]).flat(), ref.numbers(`${prefix}.values`), LOSS_TOL, `fineTune ${prefix} epoch rows`);
    }
    // The Recorder holds the unfrozen phase.
    comparePhase(learn, phases[1] as number[], ref, 'unfrozen');
    await compareFinalState(learn, ref, 'fineTune');
  });
});
