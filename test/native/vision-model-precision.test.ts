// Precision switches and dynamic loss scaling. fp16 autocast needs CUDA (test/gpu); the loss
// scaler itself is device-independent and is checked here on fp32, where scaling by a power of
// two is exact: scaled training equals unscaled training to the bit.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readWeights, writeWeights } from '../../src/index.js';
import { expectSameTensors, hypers, referenceModel, referenceWeights, syntheticBatch } from '../helpers/model.js';

const dir = mkdtempSync(join(tmpdir(), 'fasttune-precision-'));
const params = (state: Awaited<ReturnType<Awaited<ReturnType<typeof referenceModel>>['stateDict']>>) =>
  state.filter((t) => !/running_|num_batches/.test(t.name));

describe('VisionModel precision', () => {
  it('switches autocast with toBf16 / toFp32', async () => {
    using model = await referenceModel();
    expect(model.precision).toBe('fp32');
    expect(model.toBf16().precision).toBe('bf16');
    const batch = syntheticBatch(2, 32);
    const bf16 = (await model.evalStep(batch)).logits;
    expect(model.toFp32().precision).toBe('fp32');
    const fp32 = (await model.evalStep(batch)).logits;
    expect(bf16).not.toEqual(fp32);
    expect(model.scalerState()).toBeNull();
  });

  it('scales the loss without changing a clean step, and grows the scale on schedule', async () => {
    using plain = await referenceModel();
    using scaled = await referenceModel({ gradScaler: { initScale: 2 ** 10, growthInterval: 2 } });
    expect(scaled.scalerState()).toEqual({ scale: 1024, growthTracker: 0, skippedSteps: 0 });
    for (const model of [plain, scaled]) {
      model.seed(1);
      for (let k = 0; k < 3; k++) await model.trainStep(syntheticBatch(4, 32, k), hypers(1e-3));
    }
    expectSameTensors(await scaled.stateDict(), await plain.stateDict(), 'scaled vs plain');
    expect(scaled.scalerState()).toEqual({ scale: 2048, growthTracker: 1, skippedSteps: 0 });
  });

  it('skips the step on inf/NaN gradients and backs the scale off', async () => {
    const file = await readWeights(referenceWeights);
    const poisoned = file.tensors.map((t) => {
      if (t.name !== '1.8.weight') return t;
      const data = Float32Array.from(t.data as Float32Array);
      data[0] = Number.NaN;
      return { ...t, data };
    });
    const path = join(dir, 'nan.safetensors');
    await writeWeights(path, poisoned);
    using model = await referenceModel({ gradScaler: true });
    await model.loadWeights(path);
    const before = params(await model.stateDict());
    const loss = await model.trainStep(syntheticBatch(4, 32), hypers(1e-3));
    expect(Number.isNaN(loss)).toBe(true);
    expect(model.scalerState()).toEqual({ scale: 32768, growthTracker: 0, skippedSteps: 1 });
    expectSameTensors(params(await model.stateDict()), before, 'parameters after a skipped step');
    expect(await model.optimizerState()).toEqual([]);
    const grads = await model.gradients();
    expect(grads.every((g) => g.data === null || g.data.every((x) => x === 0))).toBe(true);
  });
});
