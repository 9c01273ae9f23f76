// The parity suite of one architecture against test/reference/vision_archs.py: a model built
// from the reference seed, its body loaded from the torchvision .pth the generator saved, compared
// with PyTorch in eval (plain, folded, channels-last, bf16), in training (logits, gradients
// unfrozen and frozen) and over AdamW steps (frozen, then unfrozen).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVisionModel, type GroupHypers, type VisionModel, type VisionModelOptions } from '../../src/index.js';
import type { ArchName } from '../../src/model/arch-names.js';
import { expectClose } from './close.js';
import { fixture, fixturesDir } from './fixtures.js';
import { diffs, fixtureBatch, onReferenceThreads, report } from './model.js';

export interface ArchSuiteOptions {
  /** Also compare channels-last and bf16 eval (same code for every depth of a family). */
  layouts?: boolean;
}

const tight = { atol: 1e-5, rtol: 1e-5 };
const maxAbs = (x: ArrayLike<number>) => Array.from(x).reduce((m, v) => Math.max(m, Math.abs(v)), 0);

/** `actual` within `rel` of `expected`'s largest entry, plus `rtol` of each entry. */
function compareScaled(actual: ArrayLike<number>, expected: ArrayLike<number>, rel: number, rtol: number, what: string): number {
  const scale = maxAbs(expected) || 1;
  expectClose(actual, expected, { atol: rel * scale, rtol }, what);
  return diffs(actual, expected, 0).abs / scale;
}

function l2(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i] as number) ** 2;
  return Math.sqrt(s);
}

export function archSuite(arch: ArchName, { layouts = false }: ArchSuiteOptions = {}): void {
  const ref = fixture('vision_archs', arch);
  const pth = join(fixturesDir, 'vision_archs', `${arch}.pth`);
  const meta = ref.meta as {
    seed: number;
    dropSeed: number;
    nOut: number;
    params: string[];
    sample: string[];
    nGroups: number;
    groups: number[];
    norms: boolean[];
    bodyFeatures: number;
    frozenSteps: number;
    steps: number;
    hypers: GroupHypers[][];
  };
  const batch = fixtureBatch(ref);
  const lr0 = Array.from({ length: meta.nGroups }, () => ({ lr: 0, mom: 0.9, sqrMom: 0.99, eps: 1e-5, wd: 0 }));

  async function build(options: Partial<VisionModelOptions> = {}): Promise<VisionModel> {
    const model = await createVisionModel({ arch, nOut: meta.nOut, device: 'cpu', seed: meta.seed, ...options });
    await model.loadWeights(pth); // torchvision's keys: the body; the head is the seed's
    return model;
  }

  onReferenceThreads();

  describe(`${arch} vs torchvision + fastai's head`, () => {
    let model: VisionModel;
    beforeAll(async () => {
      model = await build({ foldBn: false });
      await model.snapshot();
    });
    afterAll(() => model?.dispose());
    /** Back to the loaded weights (restore frees the snapshot: take it again). */
    async function fresh(): Promise<void> {
      await model.restore();
      await model.snapshot();
    }

    it("has fastai's parameters, groups and norm flags, and the head's input width", () => {
      const info = model.paramInfo();
      expect(info.map((p) => p.name)).toEqual(meta.params);
      expect(info.map((p) => p.group)).toEqual(meta.groups);
      expect(info.map((p) => p.isNorm)).toEqual(meta.norms);
      expect(model.nGroups).toBe(meta.nGroups);
      expect(info.find((p) => p.name === '1.2.weight')?.shape).toEqual([2 * meta.bodyFeatures]);
    });

    it('gives PyTorch eval logits from the seed and the torchvision .pth', async () => {
      const { logits } = await model.evalStep(batch);
      const expected = ref.get('logits_eval').data as Float32Array;
      report(`${arch} eval logits`, diffs(logits, expected));
      expectClose(logits, expected, tight, 'eval logits');
    });

    it('evaluates by default (BatchNorm folded where the arch has it) within float32 rounding of float64', async () => {
      using folded = await build();
      const exact = ref.get('logits_eval_f64').data as Float64Array;
      const { logits } = await folded.evalStep(batch);
      report(`${arch} default eval vs float64 (relative to the largest logit)`, { abs: diffs(logits, exact).abs / maxAbs(exact), rel: 0 });
      expectClose(logits, exact, { atol: 1e-5 * maxAbs(exact), rtol: 0 }, 'default eval logits');
      expect(Array.from(await folded.predict(batch.images, batch.shape))).toEqual(Array.from(logits));
    });

    if (layouts) {
      it('matches PyTorch channels-last and bf16 eval', async () => {
        using cl = await build({ foldBn: false, channelsLast: true });
        const expected = ref.get('logits_eval_channels_last').data as Float32Array;
        expectClose((await cl.evalStep(batch)).logits, expected, tight, 'channels-last logits');
        model.toBf16();
        try {
          const { logits } = await model.evalStep(batch);
          const fp32 = ref.get('logits_eval').data as Float32Array;
          expect(diffs(logits, fp32).abs).toBeGreaterThan(1e-3); // bf16 really ran
          if (ref.tensors.has('logits_eval_bf16')) {
            const bf16 = ref.get('logits_eval_bf16').data as Float32Array;
            report(`${arch} bf16 eval logits`, diffs(logits, bf16));
            expectClose(logits, bf16, tight, 'bf16 logits');
          } else {
            // PyTorch 1.13 cannot run torchvision's LayerNorm2d under CPU autocast; ours
            // normalizes in float32 (as CUDA autocast does): bf16 rounding of the fp32 logits.
            report(`${arch} bf16 eval vs fp32 (relative to the largest logit)`, { abs: diffs(logits, fp32).abs / maxAbs(fp32), rel: 0 });
            expectClose(logits, fp32, { atol: 0.05 * maxAbs(fp32), rtol: 0 }, 'bf16 logits near fp32');
          }
        } finally {
          model.toFp32();
        }
      });
    }

    it('gives PyTorch train-mode logits with the same dropout and stochastic depth masks', async () => {
      await fresh();
      model.seed(meta.dropSeed);
      const { loss, logits } = await model.trainStepWithLogits(batch, lr0);
      const expected = ref.get('logits_train').data as Float32Array;
      report(`${arch} train logits`, diffs(logits, expected));
      expectClose(logits, expected, tight, 'train logits');
      expectClose([loss], ref.numbers('loss_train'), tight, 'train loss');
    });

    for (const frozen of [false, true]) {
      const key = frozen ? 'grads_frozen' : 'grads';
      it(`gives PyTorch's gradients (${frozen ? 'frozen body' : 'unfrozen'})`, async () => {
        await fresh();
        if (frozen) model.freeze();
        else model.unfreeze();
        model.seed(meta.dropSeed);
        expectClose([await model.accumulateStep(batch)], ref.numbers('loss_train'), tight, 'loss');
        const grads = new Map((await model.gradients()).map((g) => [g.name, g.data as Float32Array | null]));
        const expectedNorms = ref.numbers(`${key}.norms`);
        const norms = meta.params.map((n) => {
          const g = grads.get(n);
          return g ? l2(g) : 0;
        });
        const worstNorm = compareScaled(norms, expectedNorms, 1e-5, 1e-4, `${key} norms`);
        let worst = 0;
        for (const name of meta.sample) {
          if (!ref.tensors.has(`${key}.${name}`)) continue;
          worst = Math.max(worst, compareScaled(grads.get(name) as Float32Array, ref.get(`${key}.${name}`).data as Float32Array, 1e-5, 1e-4, name));
        }
        report(`${arch} ${key}: norms, sampled tensors (relative to each max)`, { abs: worstNorm, rel: worst });
        // Exactly the parameters PyTorch left without a gradient have none.
        const without = meta.params.filter((n) => grads.get(n) === null);
        expect(without).toEqual(meta.params.filter((_, i) => expectedNorms[i] === 0 && frozen));
        model.unfreeze();
      });
    }

    it(`takes PyTorch's AdamW steps, ${meta.frozenSteps} frozen then unfrozen`, async () => {
      await fresh();
      const initial = new Map((await model.stateDict()).map((t) => [t.name, t.data as Float32Array]));
      model.freeze();
      model.seed(meta.dropSeed);
      const losses: number[] = [];
      for (let k = 0; k < meta.steps; k++) {
        if (k === meta.frozenSteps) model.unfreeze();
        losses.push(await model.trainStep(fixtureBatch(ref, `batch${k}.`), meta.hypers[k] as GroupHypers[]));
      }
      report(`${arch} losses`, diffs(losses, ref.numbers('steps.losses')));
      expectClose(losses, ref.numbers('steps.losses'), { atol: 1e-3, rtol: 1e-3 }, 'losses');
      const final = new Map((await model.stateDict()).map((t) => [t.name, t.data as Float32Array]));
      const moved = meta.params.map((n) => {
        const a = final.get(n) as Float32Array;
        const b = initial.get(n) as Float32Array;
        return l2(a.map((x, i) => x - (b[i] as number)));
      });
      const worstMoved = compareScaled(moved, ref.numbers('steps.moved'), 1e-3, 1e-3, 'distance moved');
      let worst = 0;
      for (const name of meta.sample) {
        worst = Math.max(worst, compareScaled(final.get(name) as Float32Array, ref.get(`steps.final.${name}`).data as Float32Array, 1e-3, 1e-3, name));
      }
      report(`${arch} after the steps: distances moved, sampled tensors (relative to each max)`, { abs: worstMoved, rel: worst });
    });
  });
}
