// saveWeights / loadWeights round trip through safetensors.
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createVisionModel, readWeights } from '../../src/index.js';
import { expectSameTensors, hypers, N_OUT, referenceModel, syntheticBatch } from '../helpers/model.js';

const dir = mkdtempSync(join(tmpdir(), 'fasttune-save-'));

describe('VisionModel weights', () => {
  it('saves every weight and buffer with metadata, atomically, and loads them back', async () => {
    using model = await referenceModel();
    await model.trainStep(syntheticBatch(4, 32), hypers(1e-3)); // moved weights, counted batches
    const path = join(dir, 'model.safetensors');
    await model.saveWeights(path, { arch: 'resnet34', vocab: JSON.stringify(['a', 'b']) });
    expect(readdirSync(dir)).toEqual(['model.safetensors']); // no temporary left behind
    const file = await readWeights(path);
    expect(file.metadata).toEqual({ arch: 'resnet34', vocab: '["a","b"]' });
    const state = await model.stateDict();
    expectSameTensors(file.tensors, state, 'file');

    using copy = await createVisionModel({ nOut: N_OUT, device: 'cpu', seed: 99 });
    await copy.loadWeights(path);
    expectSameTensors(await copy.stateDict(), state, 'reloaded');
    const batch = syntheticBatch(2, 32, 5);
    expect((await copy.evalStep(batch)).logits).toEqual((await model.evalStep(batch)).logits);
  });

  it('refuses metadata that is not text', async () => {
    using model = await createVisionModel({ nOut: N_OUT, device: 'cpu' });
    const path = join(dir, 'bad.safetensors');
    await expect(model.saveWeights(path, { epochs: 3 } as never)).rejects.toMatchObject({ code: 'E_ARG' });
    expect(existsSync(path)).toBe(false);
  });
});
