// Saving, resuming and exporting a model that lives on a CUDA device. Skipped where LibTorch sees
// no GPU.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVisionModel, loadLearner, versions, type WeightsTensor } from '../../src/index.js';
import { expectClose } from '../helpers/close.js';
import { fixture } from '../helpers/fixtures.js';
import { fixtureBatch, hypers } from '../helpers/model.js';

const cuda = versions().cuda;

function values(tensors: WeightsTensor[]): number[] {
  return tensors.flatMap((t) => Array.from(t.data as ArrayLike<number | bigint>, Number));
}

describe.skipIf(!cuda)('after training on CUDA', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fasttune-cuda-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('optimizer state and weights go from a CUDA model to another one exactly', async () => {
    const f = fixture('vision_model', 'forward');
    using a = await createVisionModel({ nOut: 5, device: 'cuda', seed: 3 });
    for (let k = 0; k < 2; k++) await a.trainStep(fixtureBatch(f), hypers(1e-3));
    using b = await createVisionModel({ nOut: 5, device: 'cuda', seed: 4 });
    await b.loadStateDict(await a.stateDict(), 'model a');
    await b.loadOptimizerState(await a.optimizerState());
    b.setRandomState(a.randomState());
    await a.trainStep(fixtureBatch(f), hypers(1e-3));
    await b.trainStep(fixtureBatch(f), hypers(1e-3));
    expect(values(await b.stateDict())).toEqual(values(await a.stateDict()));
    expect(values(await b.optimizerState())).toEqual(values(await a.optimizerState()));
  });

  it('a model exported from CUDA predicts on the CPU as on the GPU (to kernel rounding)', async () => {
    const f = fixture('vision_model', 'forward');
    using model = await createVisionModel({ nOut: 5, device: 'cuda', seed: 5 });
    const path = join(dir, 'cuda.safetensors');
    await model.saveWeights(path, {});
    using cpu = await createVisionModel({ nOut: 5, device: 'cpu', seed: 6 });
    await cpu.loadWeights(path, { part: 'full' });
    const onGpu = (await model.evalStep(fixtureBatch(f))).logits;
    const onCpu = (await cpu.evalStep(fixtureBatch(f))).logits;
    expectClose(onCpu, onGpu, { atol: 1e-3, rtol: 1e-3 }, 'logits');
    await expect(loadLearner(path, { device: 'cuda' })).rejects.toThrow(/not a model exported by fasttune/);
  });
});
