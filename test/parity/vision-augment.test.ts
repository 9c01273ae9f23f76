// Batch augmentation inside the model's steps (DESIGN 2: uint8 -> device -> float -> augment ->
// normalize -> forward).
// 1. Against PyTorch (test/reference/vision_learner.py): a batch resampled with flip, rotation,
//    zoom and warp, then lit, and a resize-only validation batch; eval logits, and a training step's
//    loss, weights and BatchNorm statistics.
// 2. The same path as applyAugment: with nearest sampling the augmented floats are exact 8-bit
//    values, so a step on (pixels + params) must equal, bit for bit, a step on applyAugment's output.
// 3. The data loaders' seed fixes the augmentation, and with it the training steps.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  applyAugment,
  augTransforms,
  createVisionModel,
  ImageDataLoaders,
  Resize,
  type AugmentParams,
  type Batch,
  type GroupHypers,
  type VisionModel,
} from '../../src/index.js';
import { expectClose } from '../helpers/close.js';
import { fixture, fixturesDir } from '../helpers/fixtures.js';
import { tempDir, writeTree } from '../helpers/images.js';
import { diffs, expectSameTensors, onReferenceThreads, report } from '../helpers/model.js';

const weights = join(fixturesDir, 'vision_learner', 'pretrained.pth');
const ref = fixture('vision_learner', 'augment');
const N_OUT = 3;

onReferenceThreads();

async function model(): Promise<VisionModel> {
  const m = await createVisionModel({ nOut: N_OUT, device: 'cpu' });
  await m.loadWeights(weights);
  return m;
}

function hypers(): GroupHypers[] {
  const h = ref.meta.hypers as GroupHypers;
  return [0, 1, 2].map(() => ({ ...h }));
}

function referenceBatch(augment: AugmentParams): Batch {
  const images = ref.get('images');
  return { images: images.data as Uint8Array, shape: images.shape as Batch['shape'], labels: ref.get('labels').data as Int32Array, augment };
}

const size = ref.meta.size as [number, number];
const trainAugment = (): AugmentParams => ({
  size,
  affine: ref.get('affine').data as Float32Array,
  warp: ref.get('warp').data as Float32Array,
  brightness: ref.get('brightness').data as Float32Array,
  contrast: ref.get('contrast').data as Float32Array,
});

describe('augmented steps vs PyTorch', () => {
  it('eval: logits after affine + warp + lighting, and after a validation resize', async () => {
    using m = await model();
    for (const [name, augment] of [
      ['train', trainAugment()],
      ['valid', { size }],
    ] as const) {
      const { loss, logits } = await m.evalStep(referenceBatch(augment));
      report(`augmented eval logits (${name})`, diffs(logits, ref.get(`${name}.logits_eval`).data as Float32Array));
      // Eval runs with BatchNorm folded into the convolutions, which rounds otherwise than
      // PyTorch's unfolded network: logits agree to ~2e-6 relative (the figures printed). The loss
      // can move by as much as the largest logit, hence its relative 1e-4.
      expectClose(logits, ref.get(`${name}.logits_eval`).data as Float32Array, { atol: 1e-5, rtol: 1e-5 }, `${name} logits`);
      expectClose([loss], ref.numbers(`${name}.loss_eval`), { atol: 1e-5, rtol: 1e-4 }, `${name} loss`);
    }
  });

  it('train: loss, updated weights and BatchNorm statistics after one step', async () => {
    using m = await model();
    m.seed(ref.meta.dropSeed as number);
    const loss = await m.trainStep(referenceBatch(trainAugment()), hypers());
    report('augmented train loss', diffs([loss], ref.numbers('train.loss_train')));
    expectClose([loss], ref.numbers('train.loss_train'), { atol: 1e-5, rtol: 1e-5 }, 'train loss');
    const state = await m.stateDict();
    for (const [name, expected] of ref.tensors) {
      if (!name.startsWith('train.after.')) continue;
      const key = name.slice('train.after.'.length);
      const actual = state.find((t) => t.name === key)?.data as Float32Array;
      const e = expected.data as Float32Array;
      const scale = e.reduce((mx, x) => Math.max(mx, Math.abs(x)), 0);
      report(`augmented step ${key} (relative to tensor max)`, { abs: diffs(actual, e, 0).abs / scale, rel: 0 });
      expectClose(actual, e, { atol: 1e-5 * scale, rtol: 0 }, key);
    }
  });
});

/** Random affine maps (rotation, zoom, shift, flip) for n images. */
function affines(n: number, seed: number): Float32Array {
  const out = new Float32Array(n * 9);
  let s = seed;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  for (let i = 0; i < n; i++) {
    const t = (rnd() - 0.5) * 0.8;
    const z = 0.7 + 0.5 * rnd();
    const flip = rnd() < 0.5 ? -1 : 1;
    out.set([flip * z * Math.cos(t), z * Math.sin(t), rnd() - 0.5, -flip * z * Math.sin(t), z * Math.cos(t), rnd() - 0.5, 0, 0, 1], i * 9);
  }
  return out;
}

describe('augmented steps take the path applyAugment shows', () => {
  const images = ref.get('images');
  const base: Batch = { images: images.data as Uint8Array, shape: images.shape as Batch['shape'], labels: ref.get('labels').data as Int32Array };
  const cases: Array<[string, AugmentParams]> = [
    ['training draw (nearest, zeros)', { size: [56, 60], affine: affines(4, 3), mode: 'nearest', padMode: 'zeros' }],
    ['validation resize (nearest)', { size: [64, 64], mode: 'nearest' }],
  ];

  for (const [name, augment] of cases) {
    it(`${name}: steps on pixels + params equal steps on the augmented pixels`, async () => {
      const shown = await applyAugment({ ...base, augment }, { float: true });
      // Nearest sampling copies pixels: every float is an exact 8-bit value, so the uint8
      // pixels carry the augmented batch without loss.
      const float = shown.float as Float32Array;
      expect(float.every((v, i) => v === Math.fround((shown.images[nhwcIndex(i, shown.shape)] as number) / 255))).toBe(true);
      const augmented: Batch = { images: shown.images, shape: shown.shape, labels: base.labels };

      using a = await model();
      using b = await model();
      const evalA = await a.evalStep({ ...base, augment });
      const evalB = await b.evalStep(augmented);
      expect(Buffer.from(evalA.logits.buffer).equals(Buffer.from(evalB.logits.buffer))).toBe(true);
      expect(evalA.loss).toBe(evalB.loss);
      // Not the unaugmented batch.
      expect((await a.evalStep(base)).loss).not.toBe(evalA.loss);

      a.seed(5);
      b.seed(5);
      expect(await a.trainStep({ ...base, augment }, hypers())).toBe(await b.trainStep(augmented, hypers()));
      expectSameTensors(await a.stateDict(), await b.stateDict(), 'weights after the step');
      expect(await a.predict(base.images, base.shape, augment)).toEqual(await b.predict(augmented.images, augmented.shape));
    });
  }
});

/** The NHWC index of the value at NCHW index i. */
function nhwcIndex(i: number, [, h, w, c]: readonly number[]): number {
  const x = i % (w as number);
  const y = Math.floor(i / (w as number)) % (h as number);
  const ch = Math.floor(i / ((w as number) * (h as number))) % (c as number);
  const n = Math.floor(i / ((w as number) * (h as number) * (c as number)));
  return ((n * (h as number) + y) * (w as number) + x) * (c as number) + ch;
}

describe("augmentation follows the loaders' seed", () => {
  it('same seed: the same parameters and the same training steps; another seed: other parameters', async () => {
    const dir = await tempDir('fasttune-augment-');
    await writeTree(dir, { 'train/a': 6, 'train/b': 6, 'valid/a': 2, 'valid/b': 2 }, { width: 40, height: 36 });
    const load = (seed: number) =>
      ImageDataLoaders.fromFolder(dir, { bs: 4, seed, itemTfms: Resize(36), batchTfms: augTransforms({ size: 32 }), decodeWorkers: 0 });
    const [one, two, other] = await Promise.all([load(1), load(1), load(2)]);
    try {
      const batches = async (dls: ImageDataLoaders) => {
        const out: Batch[] = [];
        for await (const b of dls.train) out.push(b);
        return out;
      };
      const [b1, b2, b3] = await Promise.all([batches(one), batches(two), batches(other)]);
      expect(b1.every((b) => b.augment?.affine instanceof Float32Array && b.augment.brightness instanceof Float32Array)).toBe(true);
      expect(b2).toEqual(b1);
      expect(b3.map((b) => b.augment)).not.toEqual(b1.map((b) => b.augment));

      const losses = async (batches: Batch[]) => {
        using m = await createVisionModel({ nOut: 2, device: 'cpu', seed: 3 });
        const out: number[] = [];
        for (const b of batches) out.push(await m.trainStep(b, hypers()));
        return out;
      };
      expect(await losses(b2)).toEqual(await losses(b1));
      // Validation batches carry the resize only.
      const valid = await one.valid.oneBatch();
      expect(valid.augment).toMatchObject({ size: [32, 32] });
      expect(valid.augment?.brightness).toBeUndefined();
    } finally {
      for (const dls of [one, two, other]) dls.close();
    }
  });
});
