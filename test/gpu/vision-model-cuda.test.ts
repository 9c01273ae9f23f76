// The model on a CUDA device: the same numbers as on the CPU (to float32 kernel differences),
// fp16 autocast with loss scaling, bf16, channels-last. Skipped where LibTorch sees no GPU.
import { describe, expect, it } from 'vitest';
import { versions } from '../../src/index.js';
import { expectClose } from '../helpers/close.js';
import { fixture } from '../helpers/fixtures.js';
import { fixtureBatch, hypers, referenceModel } from '../helpers/model.js';

const cuda = versions().cuda;

describe.skipIf(!cuda)('VisionModel on CUDA', () => {
  const fwd = () => fixture('vision_model', 'forward');

  it('gives the CPU reference logits in eval and train mode', async () => {
    using model = await referenceModel({ device: 'cuda' });
    expect(model.device).toBe('cuda:0');
    const f = fwd();
    const { logits } = await model.evalStep(fixtureBatch(f));
    // cuDNN convolutions sum in other orders than the CPU: float32 rounding over 36 layers.
    expectClose(logits, f.get('logits_eval').data as Float32Array, { atol: 1e-3, rtol: 1e-3 }, 'eval logits');
    model.seed(f.meta.dropSeed as number); // dropout masks are drawn on the CPU: the same ones
    const train = await model.trainStepWithLogits(fixtureBatch(f), hypers(0));
    expectClose(train.logits, f.get('logits_train').data as Float32Array, { atol: 1e-3, rtol: 1e-3 }, 'train logits');
  });

  it('trains in fp16 with dynamic loss scaling, weights staying float32', async () => {
    using model = await referenceModel({ device: 'cuda', precision: 'fp16' });
    expect(model.scalerState()).toEqual({ scale: 65536, growthTracker: 0, skippedSteps: 0 });
    const f = fwd();
    const losses = [];
    for (let k = 0; k < 3; k++) losses.push(await model.trainStep(fixtureBatch(f), hypers(1e-3)));
    expect(losses.every(Number.isFinite)).toBe(true);
    const state = model.scalerState();
    expect((state?.growthTracker ?? 0) + (state?.skippedSteps ?? 0)).toBe(3);
    expect((await model.stateDict()).find((t) => t.name === '1.8.weight')?.dtype).toBe('F32');
    const { logits } = await model.evalStep(fixtureBatch(f));
    expect(logits.every(Number.isFinite)).toBe(true);
  });

  it('runs bf16 and channels-last', async () => {
    using model = await referenceModel({ device: 'cuda', precision: 'bf16', channelsLast: true });
    const f = fwd();
    expect(Number.isFinite(await model.trainStep(fixtureBatch(f), hypers(1e-3)))).toBe(true);
    const { logits } = await model.evalStep(fixtureBatch(f));
    expect(logits.every(Number.isFinite)).toBe(true);
  });

  it('names a CUDA device that does not exist', async () => {
    await expect(referenceModel({ device: `cuda:${versions().cudaDeviceCount}` })).rejects.toMatchObject({ code: 'E_ARG' });
  });
});
