// Forward passes of the native model against PyTorch on one fixed batch from the same weights.
import { describe, expect, it } from 'vitest';
import { expectClose } from '../helpers/close.js';
import { fixture } from '../helpers/fixtures.js';
import { diffs, fixtureBatch, hypers, onReferenceThreads, referenceModel, report } from '../helpers/model.js';

const fwd = fixture('vision_model', 'forward');
const batch = fixtureBatch(fwd);
const dropSeed = fwd.meta.dropSeed as number;
const tight = { atol: 1e-5, rtol: 1e-5 };

onReferenceThreads();

describe('VisionModel forward vs PyTorch', () => {
  // The unfolded network computes what PyTorch's modules compute; the default folded eval path
  // (BatchNorm folded into the layers) has its own test: vision-folded.test.ts.
  it('gives PyTorch eval logits and loss', async () => {
    using model = await referenceModel({ foldBn: false });
    const { loss, logits } = await model.evalStep(batch);
    const expected = fwd.get('logits_eval').data as Float32Array;
    report('eval logits', diffs(logits, expected));
    expectClose(logits, expected, tight, 'eval logits');
    expectClose([loss], fwd.numbers('loss_eval'), tight, 'eval loss');
    expectClose(await model.predict(batch.images, batch.shape), expected, tight, 'predict logits');
  });

  it('gives PyTorch train-mode logits and loss with the same dropout masks for the same seed', async () => {
    using model = await referenceModel();
    model.seed(dropSeed);
    const { loss, logits } = await model.trainStepWithLogits(batch, hypers(0));
    const expected = fwd.get('logits_train').data as Float32Array;
    report('train logits', diffs(logits, expected));
    expectClose(logits, expected, tight, 'train logits');
    expectClose([loss], fwd.numbers('loss_train'), tight, 'train loss');
    // Train mode updated the BatchNorm running statistics as PyTorch's did.
    const state = await model.stateDict();
    const runningMean = state.find((t) => t.name === '0.1.running_mean');
    expectClose(runningMean?.data as Float32Array, fwd.get('running_mean_after_train').data as Float32Array, tight, 'bn1.running_mean');
    expect(Number(state.find((t) => t.name === '0.1.num_batches_tracked')?.data[0])).toBe(8);
  });

  it('draws other dropout masks for another seed', async () => {
    using model = await referenceModel();
    model.seed(dropSeed + 1);
    const { logits } = await model.trainStepWithLogits(batch, hypers(0));
    expect(diffs(logits, fwd.get('logits_train').data as Float32Array).abs).toBeGreaterThan(1e-2);
  });

  it('computes the label-smoothed loss as nn.CrossEntropyLoss(label_smoothing=0.1)', async () => {
    using model = await referenceModel({ labelSmoothing: 0.1, foldBn: false });
    const { loss } = await model.evalStep(batch);
    expectClose([loss], fwd.numbers('loss_eval_smooth'), tight, 'smoothed loss');
    expect(Math.abs(loss - fwd.numbers('loss_eval')[0]!)).toBeGreaterThan(1e-3);
  });

  it('matches PyTorch with channels-last memory format', async () => {
    using model = await referenceModel({ channelsLast: true, foldBn: false });
    const { logits } = await model.evalStep(batch);
    const expected = fwd.get('logits_eval_channels_last').data as Float32Array;
    report('channels-last eval logits', diffs(logits, expected));
    expectClose(logits, expected, tight, 'channels-last logits');
    // Channels-last convolutions sum in another order than contiguous ones: same values to 1e-4.
    expectClose(logits, fwd.get('logits_eval').data as Float32Array, { atol: 1e-4, rtol: 1e-4 }, 'vs contiguous');
  });

  it('matches PyTorch CPU bf16 autocast', async () => {
    using model = await referenceModel({ precision: 'bf16' });
    const { logits } = await model.evalStep(batch);
    const expected = fwd.get('logits_eval_bf16').data as Float32Array;
    report('bf16 eval logits', diffs(logits, expected));
    expectClose(logits, expected, tight, 'bf16 logits');
    // ... and bf16 really ran: the logits are not the float32 ones.
    expect(diffs(logits, fwd.get('logits_eval').data as Float32Array).abs).toBeGreaterThan(1e-2);
  });

  it('trains under CPU bf16 autocast as PyTorch does', async () => {
    using model = await referenceModel({ precision: 'bf16' });
    model.seed(dropSeed);
    const { logits } = await model.trainStepWithLogits(batch, hypers(1e-3));
    const expected = fwd.get('logits_train_bf16').data as Float32Array;
    report('bf16 train logits', diffs(logits, expected));
    expectClose(logits, expected, tight, 'bf16 train logits');
    // Weights stay float32.
    const weight = (await model.stateDict()).find((t) => t.name === '1.8.weight');
    expect(weight?.dtype).toBe('F32');
  });
});
