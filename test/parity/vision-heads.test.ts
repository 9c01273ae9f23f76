// createHead's options against fastai's create_head in PyTorch on a resnet18 body
// (test/reference/vision_heads.py): the layers, the initialisation from the seed, eval and
// train-mode logits, the head's gradients and one AdamW step with the body frozen.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHead, createVisionModel, type GroupHypers, type HeadOptions, type VisionModel, type WeightsTensor } from '../../src/index.js';
import { expectClose } from '../helpers/close.js';
import { fixture } from '../helpers/fixtures.js';
import { diffs, fixtureBatch, onReferenceThreads, report } from '../helpers/model.js';

const ref = fixture('vision_heads', 'heads');
const meta = ref.meta as {
  arch: 'resnet18';
  seed: number;
  dropSeed: number;
  nOut: number;
  hypers: GroupHypers[];
  cases: Record<string, { options: HeadOptions; layers: unknown[]; headState: string[] }>;
};
const tight = { atol: 1e-5, rtol: 1e-5 };
const BODY_FEATURES = 512;

onReferenceThreads();

for (const [name, spec] of Object.entries(meta.cases)) {
  describe(`createHead(${JSON.stringify(spec.options)}) vs fastai's create_head`, () => {
    let model: VisionModel;
    let start: WeightsTensor[];
    beforeAll(async () => {
      model = await createVisionModel({ arch: meta.arch, nOut: meta.nOut, device: 'cpu', seed: meta.seed, foldBn: false, ...spec.options });
      start = await model.stateDict();
      // The model as the reference holds it: the seed's weights, the head's BatchNorms moved.
      const moved = new Map(spec.headState.map((n) => [n, ref.get(`${name}.head.${n}`)]));
      await model.loadStateDict(start.map((t) => (moved.has(t.name) ? { ...t, data: moved.get(t.name)?.data as WeightsTensor['data'] } : t)));
      await model.snapshot();
    });
    afterAll(() => model?.dispose());

    /** Back to the reference state, gradients zero (restore frees the snapshot: take it again). */
    async function referenceState(): Promise<void> {
      await model.restore();
      await model.snapshot();
    }

    it("describes fastai's layers, and the model holds them under fastai's names", () => {
      expect(createHead(BODY_FEATURES, meta.nOut, spec.options).layers).toEqual(spec.layers);
      expect(model.settings.head.layers).toEqual(spec.layers);
      const head = start.filter((t) => t.name.startsWith('1.')).map((t) => t.name);
      expect(head).toEqual(spec.headState);
    });

    it('initialises the head from the seed as the reference draws it', () => {
      for (const t of start.filter((s) => s.name.startsWith('1.'))) {
        const expected = ref.get(`${name}.init.${t.name}`);
        expect(t.shape, t.name).toEqual(expected.shape);
        expectClose(Array.from(t.data as ArrayLike<number | bigint>, Number), Array.from(expected.data as ArrayLike<number | bigint>, Number), tight, t.name);
      }
    });

    it('gives PyTorch eval logits (folded or not)', async () => {
      await referenceState();
      const batch = fixtureBatch(ref, `${name}.`);
      const { logits } = await model.evalStep(batch);
      const expected = ref.get(`${name}.logits_eval`).data as Float32Array;
      report(`${name} eval logits`, diffs(logits, expected));
      expectClose(logits, expected, tight, 'eval logits');
      using folded = await createVisionModel({ arch: meta.arch, nOut: meta.nOut, device: 'cpu', seed: meta.seed, ...spec.options });
      await folded.loadStateDict(await model.stateDict());
      expectClose((await folded.evalStep(batch)).logits, expected, { atol: 1e-4, rtol: 1e-4 }, 'folded eval logits');
    });

    it("gives PyTorch's train logits and the head's gradients with the body frozen", async () => {
      await referenceState();
      model.freeze();
      model.seed(meta.dropSeed);
      const batch = fixtureBatch(ref, `${name}.`);
      const loss = await model.accumulateStep(batch);
      expectClose([loss], ref.numbers(`${name}.loss_train`), tight, 'train loss');
      const grads = (await model.gradients()).filter((g) => g.name.startsWith('1.'));
      expect(grads.length).toBeGreaterThan(0);
      for (const g of grads) {
        const expected = ref.get(`${name}.grads.${g.name}`).data as Float32Array;
        report(`${name} gradient of ${g.name}`, diffs(g.data as Float32Array, expected));
        expectClose(g.data as Float32Array, expected, { atol: 1e-5, rtol: 1e-4 }, g.name);
      }
      model.unfreeze();
    });

    it("takes PyTorch's AdamW step with the body frozen", async () => {
      await referenceState();
      model.freeze();
      model.seed(meta.dropSeed);
      const loss = await model.trainStep(fixtureBatch(ref, `${name}.step.`), meta.hypers);
      expectClose([loss], ref.numbers(`${name}.step.loss`), tight, 'step loss');
      for (const t of (await model.stateDict()).filter((s) => s.name.startsWith('1.'))) {
        const expected = ref.get(`${name}.step.final.${t.name}`);
        expectClose(
          Array.from(t.data as ArrayLike<number | bigint>, Number),
          Array.from(expected.data as ArrayLike<number | bigint>, Number),
          { atol: 1e-5, rtol: 1e-4 },
          t.name,
        );
      }
      model.unfreeze();
    });
  });
}
