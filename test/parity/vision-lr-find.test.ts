// The LR finder on a real (small) problem against the PyTorch replica of
// test/reference/vision_learner.py (spec 6, 14.5): the frozen ResNet-34 learner sweeping the
// learning rate over fixed batches. Then: lrFind leaves weights, BatchNorm buffers, optimizer state
// and hyper-parameters exactly as it found them.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorRate, resnet34, visionLearner, type VisionLearner } from '../../src/index.js';
import { expectClose } from '../helpers/close.js';
import { fixedDataLoaders } from '../helpers/fixed-loaders.js';
import { fixture, fixturesDir } from '../helpers/fixtures.js';
import { diffs, expectSameTensors, onReferenceThreads, report } from '../helpers/model.js';

const data = fixture('vision_learner', 'data');
const weights = join(fixturesDir, 'vision_learner', 'pretrained.pth');

onReferenceThreads();

async function learner(): Promise<VisionLearner> {
  const learn = await visionLearner(fixedDataLoaders(data), resnet34, { weights, metrics: [errorRate], device: 'cpu', progress: false });
  learn.model.seed(data.meta.dropSeed as number);
  return learn;
}

describe('lrFind with visionLearner vs PyTorch', () => {
  it('learning rates, smoothed losses, stop point and suggestions', async () => {
    const ref = fixture('vision_learner', 'lr_find');
    using learn = await learner();
    const names = ref.meta.suggestions as Array<'valley' | 'slide' | 'minimum' | 'steep'>;
    const found = await learn.lrFind({ numIt: ref.meta.numIt as number, suggestFuncs: names });
    const expectedSmooth = ref.numbers('sweep.smooth');
    // The sweep stopped at the same batch: the smoothed loss passed 4x its minimum there.
    expect(learn.recorder.losses.length).toBe(expectedSmooth.length);
    expect(expectedSmooth.length).toBeLessThan(ref.meta.numIt as number);
    expectClose(learn.recorder.lrs, ref.numbers('sweep.lrs'), { atol: 0, rtol: 1e-12 }, 'lrs');
    report('lrFind smoothed losses', diffs(learn.recorder.losses, expectedSmooth));
    expectClose(learn.recorder.losses, expectedSmooth, { atol: 1e-6, rtol: 1e-5 }, 'smoothed losses');
    // Suggestions are learning rates picked from the (float32) curve: the same points.
    expectClose(
      names.map((n) => found[n]),
      ref.numbers('suggestions'),
      { atol: 0, rtol: 1e-7 },
      'suggestions',
    );
  });

  it('restores weights, BatchNorm buffers, optimizer state and hyper-parameters', async () => {
    using learn = await learner();
    await learn.fitOneCycle(1, 1e-3); // optimizer state and BatchNorm statistics worth keeping
    const state = await learn.model.stateDict();
    const optState = await learn.model.optimizerState();
    const hypers = structuredClone(learn.hypers);
    expect(optState.length).toBeGreaterThan(0);
    await learn.lrFind({ numIt: 12, stopDiv: false });
    expect(learn.recorder.lrs).toHaveLength(12);
    expectSameTensors(await learn.model.stateDict(), state, 'state dict');
    expectSameTensors(await learn.model.optimizerState(), optState, 'optimizer state');
    expect(learn.hypers).toEqual(hypers);
  });
});
