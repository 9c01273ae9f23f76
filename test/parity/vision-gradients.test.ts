// Gradients after one backward pass in train mode, against PyTorch, unfrozen and frozen.
import { describe, expect, it } from 'vitest';
import { expectClose } from '../helpers/close.js';
import { fixture } from '../helpers/fixtures.js';
import { diffs, expectSameTensors, fixtureBatch, onReferenceThreads, referenceModel, report } from '../helpers/model.js';

const fwd = fixture('vision_model', 'forward');
const batch = fixtureBatch(fwd);
const dropSeed = fwd.meta.dropSeed as number;

// Each gradient against its tensor's scale: relative 1e-5 of the largest entry, plus 1e-4 of each
// entry (float32 sums over the batch in another thread split).
function compare(actual: Float32Array, expected: Float32Array, name: string): { abs: number; rel: number } {
  const scale = expected.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
  expectClose(actual, expected, { atol: 1e-5 * scale, rtol: 1e-4 }, name);
  const d = diffs(actual, expected, 0);
  return { abs: d.abs / scale, rel: d.rel };
}

onReferenceThreads();

describe('VisionModel gradients vs PyTorch', () => {
  for (const [file, frozen] of [
    ['grads', false],
    ['grads_frozen', true],
  ] as const) {
    it(`match after one backward (${frozen ? 'frozen body' : 'unfrozen'})`, async () => {
      const reference = fixture('vision_model', file);
      using model = await referenceModel();
      if (frozen) model.freeze();
      model.seed(dropSeed);
      const loss = await model.accumulateStep(batch);
      expectClose([loss], fwd.numbers('loss_train'), { atol: 1e-5, rtol: 1e-5 }, 'loss');
      const grads = await model.gradients();
      let worst = 0;
      for (const g of grads) {
        if (!reference.tensors.has(g.name)) continue;
        expect(g.data, g.name).not.toBeNull();
        worst = Math.max(worst, compare(g.data as Float32Array, reference.get(g.name).data as Float32Array, g.name).abs);
      }
      report(`${file} (|diff| relative to each tensor's max)`, { abs: worst, rel: 0 });
      // Exactly the parameters PyTorch gave no gradient have none.
      const without = grads.filter((g) => g.data === null).map((g) => g.name);
      expect(without).toEqual(reference.meta.withoutGrad);
      expect(without.length).toBe(frozen ? 114 - 78 : 0);
    });
  }

  it('accumulates gradients over accumulateStep calls until a trainStep uses and zeroes them', async () => {
    using model = await referenceModel();
    model.seed(dropSeed);
    await model.accumulateStep(batch);
    const once = await model.gradients();
    model.seed(dropSeed); // same masks; train mode normalizes with batch statistics: same pass
    await model.accumulateStep(batch);
    const twice = await model.gradients();
    expectSameTensors(
      twice,
      once.map((g) => ({ ...g, data: (g.data as Float32Array).map((x) => 2 * x) })),
      'doubled',
    );
    await model.trainStep(
      batch,
      Array.from({ length: 3 }, () => ({ lr: 1e-3, mom: 0.9, sqrMom: 0.99, eps: 1e-5, wd: 0 })),
    );
    expect((await model.gradients()).every((g) => g.data?.every((x) => x === 0))).toBe(true);
  });

  it('zeroes gradients in place after a step (never back to none)', async () => {
    using model = await referenceModel();
    model.freeze();
    const hypers = Array.from({ length: 3 }, () => ({ lr: 1e-3, mom: 0.9, sqrMom: 0.99, eps: 1e-5, wd: 0.01 }));
    await model.trainStep(batch, hypers);
    const grads = await model.gradients();
    const trainable = new Set(
      model
        .paramInfo()
        .filter((p) => p.trainable)
        .map((p) => p.name),
    );
    for (const g of grads) {
      if (trainable.has(g.name))
        expect(
          g.data?.every((x) => x === 0),
          g.name,
        ).toBe(true);
      else expect(g.data, g.name).toBeNull();
    }
  });
});
