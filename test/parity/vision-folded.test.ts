// Eval with BatchNorm folded into the convolutions and linear layers (the default in fp32) against
// the exact answer: the same model evaluated by PyTorch in float64 (test/reference/folded_eval.py).
// Folding only changes float32 rounding, so the folded logits must be as close to the float64 ones
// as PyTorch's own float32 forward is: within 1e-5 of the largest logit (PyTorch float32 itself
// stays within 3e-6 there, asserted below so the bound stays meaningful), on batches whose odd
// sizes clip the pooling windows at the borders, contiguous and channels-last.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createVisionModel, type VisionModelOptions } from '../../src/index.js';
import type { Batch } from '../../src/data/loader-contract.js';
import { expectClose } from '../helpers/close.js';
import { fixture, fixturesDir } from '../helpers/fixtures.js';
import { diffs, hypers, onReferenceThreads, report } from '../helpers/model.js';

const ref = fixture('folded_eval', 'logits');
const weights = join(fixturesDir, 'folded_eval', 'weights.safetensors');
const nOut = ref.meta.nOut as number;
const names = ref.meta.batches as string[];

function batch(name: string): Batch {
  const images = ref.get(`${name}.images`);
  return { images: images.data as Uint8Array, shape: images.shape as Batch['shape'], labels: ref.get(`${name}.labels`).data as Int32Array };
}

async function model(options: Partial<VisionModelOptions> = {}) {
  const m = await createVisionModel({ nOut, device: 'cpu', ...options });
  await m.loadWeights(weights, { part: 'full' });
  return m;
}

const maxAbs = (x: ArrayLike<number>) => Array.from(x).reduce((m, v) => Math.max(m, Math.abs(v)), 0);

/** Within `rel` of the largest exact logit, everywhere. */
function expectNear(actual: ArrayLike<number>, exact: Float64Array, rel: number, what: string): void {
  expectClose(actual, exact, { atol: rel * maxAbs(exact), rtol: 0 }, what);
}

onReferenceThreads();

describe('VisionModel eval with BatchNorm folded', () => {
  for (const channelsLast of [false, true]) {
    const layout = channelsLast ? 'channels-last' : 'contiguous';
    it(`gives the float64 logits to float32 rounding (${layout})`, async () => {
      using folded = await model({ channelsLast });
      using unfolded = await model({ channelsLast, foldBn: false });
      for (const name of names) {
        const exact = ref.get(`${name}.logits_f64`).data as Float64Array;
        const torch32 = ref.get(`${name}.logits_f32${channelsLast ? '_cl' : ''}`).data as Float32Array;
        expectNear(torch32, exact, 3e-6, `PyTorch float32 ${name}`);
        const f = await folded.evalStep(batch(name));
        const u = await unfolded.evalStep(batch(name));
        report(`folded ${layout} ${name} vs float64 (relative to the largest logit)`, { abs: diffs(f.logits, exact).abs / maxAbs(exact), rel: 0 });
        report(`unfolded ${layout} ${name} vs float64 (relative to the largest logit)`, { abs: diffs(u.logits, exact).abs / maxAbs(exact), rel: 0 });
        expectNear(f.logits, exact, 1e-5, `folded ${name}`);
        // The unfolded path is PyTorch's computation: the same float32 numbers.
        expectClose(u.logits, torch32, { atol: 1e-5, rtol: 1e-5 }, `unfolded ${name}`);
        expect(Math.abs(f.loss - u.loss)).toBeLessThan(1e-4 * Math.max(1, Math.abs(u.loss)));
        // predict takes the same path.
        expect(Array.from(await folded.predict(batch(name).images, batch(name).shape))).toEqual(Array.from(f.logits));
      }
    });
  }

  it('refolds after the weights change: training steps, loading, restoring', async () => {
    using folded = await model();
    using unfolded = await model({ foldBn: false });
    const a = batch('a');
    const before = (await folded.evalStep(a)).logits;
    const same = async (what: string) => {
      const exact = (await unfolded.evalStep(a)).logits;
      expectClose((await folded.evalStep(a)).logits, exact, { atol: 1e-5 * maxAbs(exact), rtol: 0 }, what);
    };
    await folded.snapshot();
    await unfolded.snapshot();
    for (const m of [folded, unfolded]) {
      m.seed(1);
      await m.trainStep(a, hypers(1e-2));
    }
    await same('after a training step');
    expect(diffs((await folded.evalStep(a)).logits, before).abs).toBeGreaterThan(1e-3);
    await folded.restore();
    await unfolded.restore();
    await same('after restore');
    expectClose((await folded.evalStep(a)).logits, before, { atol: 0, rtol: 0 }, 'restored logits');
    for (const m of [folded, unfolded]) {
      m.seed(2);
      await m.accumulateStep(a);
    }
    await same('after an accumulation step (train-mode BatchNorm statistics)');
    for (const m of [folded, unfolded]) await m.loadWeights(weights, { part: 'full' });
    await same('after loading weights');
    expectClose((await folded.evalStep(a)).logits, before, { atol: 0, rtol: 0 }, 'reloaded logits');
  });

  it('keeps the unfolded network under mixed precision', async () => {
    using bf16 = await model({ precision: 'bf16' });
    using plain = await model({ precision: 'bf16', foldBn: false });
    const a = batch('a');
    expect(Array.from((await bf16.evalStep(a)).logits)).toEqual(Array.from((await plain.evalStep(a)).logits));
  });
});
