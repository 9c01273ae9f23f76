// The losses of the native step against PyTorch (test/reference/vision_losses.py): the loss value
// and the head's gradients (which carry dL/d outputs) for cross-entropy with class weights and
// label smoothing, focal loss, BCE with logits, MSE, L1; a model with yRange; gradient clipping.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bceWithLogitsLossFlat, createVisionModel, crossEntropyLossFlat, focalLossFlat, l1LossFlat, mseLossFlat, type VisionModel } from '../../src/index.js';
import type { Batch } from '../../src/data/loader-contract.js';
import type { LossSpec } from '../../src/model/types.js';
import { expectClose } from '../helpers/close.js';
import { fixture, fixturesDir } from '../helpers/fixtures.js';
import { onReferenceThreads } from '../helpers/model.js';
import { itemLosses } from '../../src/learner/predictions.js';

const ref = fixture('vision_losses', 'losses');
const weightsFile = join(fixturesDir, 'vision_losses', 'weights.safetensors');
const meta = ref.meta as { dropSeed: number; nOut: number; weight: number[]; yRange: [number, number]; clip: number; lr: number; cases: string[] };
const images = ref.get('images');
const base: Batch = { images: images.data as Uint8Array, shape: images.shape as Batch['shape'], labels: ref.get('labels').data as Int32Array };
const floats = (name: string): Batch => ({ ...base, labels: new Int32Array(base.labels.length).fill(-1), targets: ref.get(name).data as Float32Array });

const CASES: Record<string, { loss: LossSpec; batch: Batch }> = {
  ce: { loss: crossEntropyLossFlat(), batch: base },
  ce_weight: { loss: crossEntropyLossFlat({ weight: meta.weight }), batch: base },
  ce_weight_smooth: { loss: crossEntropyLossFlat({ weight: meta.weight, labelSmoothing: 0.1 }), batch: base },
  focal: { loss: focalLossFlat(), batch: base },
  focal_weight: { loss: focalLossFlat({ gamma: 1.5, weight: meta.weight }), batch: base },
  bce: { loss: bceWithLogitsLossFlat(), batch: floats('multi_hot') },
  bce_weight: { loss: bceWithLogitsLossFlat({ weight: meta.weight }), batch: floats('multi_hot') },
  mse: { loss: mseLossFlat(), batch: floats('values') },
  l1: { loss: l1LossFlat(), batch: floats('values') },
};

async function model(loss: LossSpec, yRange?: [number, number]): Promise<VisionModel> {
  const m = await createVisionModel({ nOut: meta.nOut, device: 'cpu', ...(yRange && { yRange }) });
  await m.loadWeights(weightsFile, { part: 'full' });
  m.configure({ loss, optimizer: 'sgd', wdBnBias: false, trainBn: true });
  m.seed(meta.dropSeed);
  return m;
}

/** Each head gradient within 1e-5 of its largest entry, plus 1e-4 relative. */
async function expectHeadGrads(m: VisionModel, prefix: string): Promise<void> {
  for (const g of await m.gradients()) {
    if (!g.name.startsWith('1.') || !ref.tensors.has(`${prefix}.grad.${g.name}`)) continue;
    const expected = ref.get(`${prefix}.grad.${g.name}`).data as Float32Array;
    const scale = expected.reduce((s, x) => Math.max(s, Math.abs(x)), 0);
    expectClose(g.data as Float32Array, expected, { atol: 1e-5 * scale, rtol: 1e-4 }, `${prefix} ${g.name}`);
  }
}

onReferenceThreads();

describe('native losses vs PyTorch', () => {
  it('covers every case the reference made', () => {
    expect(Object.keys(CASES)).toEqual(meta.cases);
  });

  for (const [name, { loss, batch }] of Object.entries(CASES)) {
    it(`${name}: loss and gradients`, async () => {
      using m = await model(loss);
      const value = await m.accumulateStep(batch);
      expectClose([value], ref.numbers(`${name}.loss`), { atol: 1e-6, rtol: 1e-5 }, `${name} loss`);
      await expectHeadGrads(m, name);
    });
  }

  it('yRange: SigmoidRange on the outputs, then MSE', async () => {
    using m = await model(mseLossFlat(), meta.yRange);
    const batch = floats('in_range');
    const { logits } = await m.trainStepWithLogits(
      batch,
      Array.from({ length: 3 }, () => ({ lr: 0, mom: 0, sqrMom: 0.99, eps: 1e-5, wd: 0 })),
    );
    expectClose(logits, ref.get('yrange.outputs').data as Float32Array, { atol: 1e-5, rtol: 1e-5 }, 'outputs');
    m.seed(meta.dropSeed);
    await m.loadWeights(weightsFile, { part: 'full' }); // the step above moved BatchNorm statistics only (lr 0)
    const value = await m.accumulateStep(batch);
    expectClose([value], ref.numbers('yrange.loss'), { atol: 1e-6, rtol: 1e-5 }, 'loss');
    await expectHeadGrads(m, 'yrange');
  });

  it('clipNorm: clips the global gradient norm before the step', async () => {
    using m = await model(crossEntropyLossFlat());
    expect(ref.numbers('clip.norm')[0]).toBeGreaterThan(meta.clip); // the clip is active
    await m.trainStep(
      base,
      Array.from({ length: 3 }, () => ({ lr: meta.lr, mom: 0, sqrMom: 0.99, eps: 1e-5, wd: 0 })),
      { clipNorm: meta.clip },
    );
    const state = new Map((await m.stateDict()).map((t) => [t.name, t.data as Float32Array]));
    for (const name of ['0.0.weight', '1.6.weight', '1.8.weight']) {
      const expected = ref.get(`clip.after.${name}`).data as Float32Array;
      expectClose(state.get(name) as Float32Array, expected, { atol: 1e-6, rtol: 1e-5 }, name);
    }
  });

  it('lossFactor scales the accumulated gradients', async () => {
    using m = await model(crossEntropyLossFlat());
    await m.accumulateStep(base);
    const once = await m.gradients();
    await m.trainStep(
      base,
      Array.from({ length: 3 }, () => ({ lr: 0, mom: 0, sqrMom: 0.99, eps: 1e-5, wd: 0 })),
    );
    await m.loadWeights(weightsFile, { part: 'full' });
    m.seed(meta.dropSeed);
    await m.accumulateStep(base, 0.25);
    const scaled = await m.gradients();
    once.forEach((g, i) => {
      if (!g.data) return;
      expectClose(
        scaled[i]?.data as Float32Array,
        (g.data as Float32Array).map((x) => 0.25 * x),
        { atol: 1e-9, rtol: 1e-5 },
        g.name,
      );
    });
  });
});

describe('per-item losses (getPreds withLoss) vs PyTorch', () => {
  const logits = ref.get('items.logits').data as Float32Array;
  const labels = ref.get('items.labels').data as Int32Array;
  const cases: Array<[string, LossSpec, Float32Array | undefined]> = [
    ['ce_weight_smooth', crossEntropyLossFlat({ weight: meta.weight, labelSmoothing: 0.1 }), undefined],
    ['focal_weight', focalLossFlat({ gamma: 1.5, weight: meta.weight }), undefined],
    ['bce_weight', bceWithLogitsLossFlat({ weight: meta.weight }), ref.get('items.multi_hot').data as Float32Array],
    ['mse', mseLossFlat(), ref.get('items.values').data as Float32Array],
    ['l1', l1LossFlat(), ref.get('items.values').data as Float32Array],
  ];
  for (const [name, loss, values] of cases) {
    it(name, () => {
      const actual = itemLosses(loss, logits, meta.nOut, values ? new Int32Array(labels.length).fill(-1) : labels, values);
      expectClose(actual, ref.get(`items.${name}`).data as Float32Array, { atol: 1e-6, rtol: 1e-5 }, name);
    });
  }
});
