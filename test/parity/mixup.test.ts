// MixUp and CutMix in the native step against fastai's MixHandler in PyTorch
// (test/reference/mixup.py): for the reference's draws, the loss and the head's gradients (which
// carry dL/d outputs) of cross-entropy (plain, label smoothing, class weights), BCE with logits on
// lerped multi-hot targets and MSE on lerped values; CutMix's box formula; and the native checks
// of draws that do not fit the batch.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  bceWithLogitsLossFlat,
  createVisionModel,
  crossEntropyLossFlat,
  FasttuneError,
  mseLossFlat,
  type MixParams,
  type VisionModel,
} from '../../src/index.js';
import type { Batch } from '../../src/data/loader-contract.js';
import { cutMixBox } from '../../src/learner/mix.js';
import type { LossSpec } from '../../src/model/types.js';
import { native } from '../../src/native.js';
import { expectClose } from '../helpers/close.js';
import { fixture, fixturesDir } from '../helpers/fixtures.js';
import { onReferenceThreads, rawModelOptions } from '../helpers/model.js';

const ref = fixture('mixup', 'mixup');
const weightsFile = join(fixturesDir, 'mixup', 'weights.safetensors');
const meta = ref.meta as { dropSeed: number; nOut: number; weight: number[]; smooth: number; cases: string[] };
const images = ref.get('images');
const base: Batch = { images: images.data as Uint8Array, shape: images.shape as Batch['shape'], labels: ref.get('labels').data as Int32Array };
const floats = (name: string): Batch => ({ ...base, labels: new Int32Array(base.labels.length).fill(-1), targets: ref.get(name).data as Float32Array });

const MIXES: Record<string, MixParams> = {
  mixup: { shuffle: ref.get('mixup.shuffle').data as Int32Array, lam: ref.get('mixup.lam').data as Float32Array },
  cutmix: {
    shuffle: ref.get('cutmix.shuffle').data as Int32Array,
    lam: ref.get('cutmix.lam').data as Float32Array,
    box: Array.from(ref.get('cutmix.box').data as Int32Array) as [number, number, number, number],
  },
};
const LOSSES: Record<string, { loss: LossSpec; batch: Batch }> = {
  ce: { loss: crossEntropyLossFlat(), batch: base },
  ce_smooth: { loss: crossEntropyLossFlat({ labelSmoothing: meta.smooth }), batch: base },
  ce_weight: { loss: crossEntropyLossFlat({ weight: meta.weight }), batch: base },
  bce: { loss: bceWithLogitsLossFlat(), batch: floats('multi_hot') },
  mse: { loss: mseLossFlat(), batch: floats('values') },
};
const CASES = Object.keys(MIXES).flatMap((mix) => Object.keys(LOSSES).map((loss) => `${mix}.${loss}`));

async function model(loss: LossSpec): Promise<VisionModel> {
  const m = await createVisionModel({ nOut: meta.nOut, device: 'cpu' });
  await m.loadWeights(weightsFile, { part: 'full' });
  m.configure({ loss, optimizer: 'sgd', wdBnBias: false, trainBn: true });
  m.seed(meta.dropSeed);
  return m;
}

onReferenceThreads();

describe('MixUp and CutMix in the native step vs fastai in PyTorch', () => {
  it('covers every case the reference made', () => {
    expect(CASES).toEqual(meta.cases);
  });

  for (const name of CASES) {
    const [mixName, lossName] = name.split('.') as [string, string];
    it(`${name}: loss and head gradients (loss 1e-6 + 1e-5 rel; gradients 1e-5 of the largest + 1e-4 rel)`, async () => {
      const { loss, batch } = LOSSES[lossName] as { loss: LossSpec; batch: Batch };
      using m = await model(loss);
      const value = await m.accumulateStep({ ...batch, mix: MIXES[mixName] as MixParams });
      expectClose([value], ref.numbers(`${name}.loss`), { atol: 1e-6, rtol: 1e-5 }, `${name} loss`);
      let compared = 0;
      for (const g of await m.gradients()) {
        if (!g.name.startsWith('1.') || !ref.tensors.has(`${name}.grad.${g.name}`)) continue;
        const expected = ref.get(`${name}.grad.${g.name}`).data as Float32Array;
        const scale = expected.reduce((s, x) => Math.max(s, Math.abs(x)), 0);
        expectClose(g.data as Float32Array, expected, { atol: 1e-5 * scale, rtol: 1e-4 }, `${name} ${g.name}`);
        compared++;
      }
      expect(compared).toBeGreaterThanOrEqual(4);
    });
  }

  it('the mix changes the loss (the draws are not a no-op)', async () => {
    using m = await model(crossEntropyLossFlat());
    const plain = await m.accumulateStep(base);
    expect(Math.abs(plain - ref.numbers('mixup.ce.loss')[0]!)).toBeGreaterThan(1e-3);
  });

  it("CutMix's box and λ match fastai's rand_bbox (exactly)", () => {
    const rows = ref.get('boxes');
    const data = rows.data as Float64Array;
    const width = rows.shape[1] as number;
    for (let r = 0; r < (rows.shape[0] as number); r++) {
      const [w, h, lam, cx, cy, x1, y1, x2, y2, after] = Array.from(data.subarray(r * width, (r + 1) * width));
      const got = cutMixBox(w as number, h as number, lam as number, cx as number, cy as number);
      expect({ box: got.box, lam: got.lam }, `row ${r}: ${w}x${h} λ ${lam} at (${cx}, ${cy})`).toEqual({ box: [x1, y1, x2, y2], lam: after });
    }
  });
});

describe('native checks of the mix draws', () => {
  const failure = async (p: Promise<unknown>): Promise<FasttuneError> => {
    const error = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FasttuneError);
    expect((error as FasttuneError).code).toBe('E_ARG');
    return error as FasttuneError;
  };
  const lam = new Float32Array(4).fill(0.7);
  const shuffle = Int32Array.from([1, 0, 3, 2]);

  it('refuses draws that do not fit the batch, past the TypeScript checks, and keeps working', async () => {
    const m = await native().createVisionModel(rawModelOptions);
    // The binding throws argument errors synchronously; async turns them into rejections.
    const bad = async (mix: object) => m.accumulateStep({ ...base, mix: mix as MixParams });
    expect((await failure(bad({ shuffle: shuffle.subarray(1), lam }))).message).toMatch(/mix\.shuffle must hold one index per image \(4\)/);
    expect((await failure(bad({ shuffle: Int32Array.from([0, 0, 1, 2]), lam }))).message).toMatch(/mix\.shuffle must be a permutation of 0 … 3/);
    expect((await failure(bad({ shuffle: Int32Array.from([0, 1, 2, 4]), lam }))).message).toMatch(/permutation/);
    expect((await failure(bad({ shuffle, lam: lam.subarray(2) }))).message).toMatch(/mix\.lam must hold one weight per image \(4\)/);
    expect((await failure(bad({ shuffle, lam: new Float32Array(4).fill(Number.NaN) }))).message).toMatch(/mix\.lam must be finite/);
    expect((await failure(bad({ shuffle, lam: [0.5, 0.5, 0.5, 0.5] }))).message).toMatch(/batch\.mix\.lam must be a Float32Array/);
    expect((await failure(bad({ shuffle, lam, box: [4, 0, 2, 8] }))).message).toMatch(/mix\.box must be \[x1, y1, x2, y2\] with 0 ≤ x1 ≤ x2/);
    expect((await failure(bad({ shuffle, lam, box: [0, 0, 33, 8] }))).message).toMatch(/mix\.box \[0, 0, 33, 8\] does not fit the 32 x 32 input/);
    expect((await failure((async () => m.evalStep({ ...base, mix: { shuffle, lam } }))())).message).toMatch(/apply to training steps only/);
    expect(Number.isFinite(await m.accumulateStep({ ...base, mix: { shuffle, lam, box: [0, 0, 32, 32] } }))).toBe(true);
    m.dispose();
  });

  it('the public step checks them first, in the one message shape', async () => {
    using m = await createVisionModel({ nOut: 5, device: 'cpu' });
    const error = await failure(m.trainStep({ ...base, mix: { shuffle: Int32Array.from([0, 0, 1, 2]), lam } }, []));
    expect(error.message).toMatch(/^trainStep: expected an Int32Array permutation of 0 … 3 for batch\.mix\.shuffle but received/);
  });
});
