// visionLearner and augmented steps on a CUDA device: the PyTorch reference numbers (to cuDNN's
// float32 summation differences), and a short fp16 run. Skipped where LibTorch sees no GPU.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createVisionModel, errorRate, resnet34, versions, visionLearner, type AugmentParams, type Batch } from '../../src/index.js';
import { expectClose } from '../helpers/close.js';
import { fixedDataLoaders } from '../helpers/fixed-loaders.js';
import { fixture, fixturesDir } from '../helpers/fixtures.js';

const cuda = versions().cuda;
const weights = join(fixturesDir, 'vision_learner', 'pretrained.pth');

describe.skipIf(!cuda)('visionLearner on CUDA', () => {
  it('augments on the device: eval logits of an augmented batch as in PyTorch', async () => {
    const ref = fixture('vision_learner', 'augment');
    using model = await createVisionModel({ nOut: 3, device: 'cuda' });
    await model.loadWeights(weights);
    const images = ref.get('images');
    const augment: AugmentParams = {
      size: ref.meta.size as [number, number],
      affine: ref.get('affine').data as Float32Array,
      warp: ref.get('warp').data as Float32Array,
      brightness: ref.get('brightness').data as Float32Array,
      contrast: ref.get('contrast').data as Float32Array,
    };
    const batch: Batch = { images: images.data as Uint8Array, shape: images.shape as Batch['shape'], labels: ref.get('labels').data as Int32Array, augment };
    const { logits } = await model.evalStep(batch);
    expectClose(logits, ref.get('train.logits_eval').data as Float32Array, { atol: 1e-3, rtol: 1e-3 }, 'augmented eval logits');
  });

  it('fitOneCycle frozen then unfrozen, in fp32 and fp16, follows the reference losses', async () => {
    const data = fixture('vision_learner', 'data');
    const ref = fixture('vision_learner', 'one_cycle');
    using learn = await visionLearner(fixedDataLoaders(data), resnet34, { weights, metrics: [errorRate], device: 'cuda', progress: false });
    learn.model.seed(data.meta.dropSeed as number);
    await learn.fitOneCycle(2, 3e-3);
    // Chaotic over several steps on another device: only the first epoch's losses are close.
    expectClose(learn.recorder.losses.slice(0, 3), ref.numbers('frozen.smooth').slice(0, 3), { atol: 1e-2, rtol: 1e-2 }, 'frozen smoothed losses');
    learn.unfreeze();
    learn.toFp16();
    await learn.fitOneCycle(1, 1e-4);
    expect(learn.recorder.losses.every(Number.isFinite)).toBe(true);
    expect(learn.model.precision).toBe('fp16');
    expect(learn.toFp32().model.precision).toBe('fp32');
  });
});
