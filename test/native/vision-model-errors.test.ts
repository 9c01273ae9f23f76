// Failures of the model API: every one is a FasttuneError with a code and a sentence that names
// the culprit; none takes Node down, and the model stays usable afterwards.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createVisionModel, FasttuneError, readWeights, versions, writeWeights } from '../../src/index.js';
import { hypers, N_OUT, referenceWeights, syntheticBatch, torchvisionWeights } from '../helpers/model.js';

const dir = mkdtempSync(join(tmpdir(), 'fasttune-model-'));

async function failure(promise: Promise<unknown> | (() => unknown)): Promise<FasttuneError> {
  const error = await (typeof promise === 'function' ? Promise.resolve().then(promise) : promise).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FasttuneError);
  return error as FasttuneError;
}

describe('VisionModel errors', () => {
  it('turns a LibTorch shape error into E_TORCH and keeps working', async () => {
    using model = await createVisionModel({ nOut: N_OUT, device: 'cpu' });
    // One image: BatchNorm cannot compute batch statistics in train mode.
    const error = await failure(model.trainStep(syntheticBatch(1, 32), hypers()));
    expect(error.code).toBe('E_TORCH');
    expect(error.message).toMatch(/Expected more than 1 value per channel when training/);
    expect(error.message).not.toMatch(/frame #|\.cpp:\d+/); // no C++ backtrace
    expect(error.stack).toContain('vision-model-errors.test.ts'); // the caller's stack
    // Nothing was left half-done: gradients are zero, and the next step works.
    const grads = await model.gradients();
    expect(grads.every((g) => g.data === null || g.data.every((x) => x === 0))).toBe(true);
    expect(Number.isFinite(await model.trainStep(syntheticBatch(2, 32), hypers()))).toBe(true);
  });

  it('names a corrupt or missing weights file (E_IO)', async () => {
    using model = await createVisionModel({ nOut: N_OUT, device: 'cpu' });
    const garbage = join(dir, 'garbage.safetensors');
    writeFileSync(garbage, Buffer.from('definitely not weights'));
    let error = await failure(model.loadWeights(garbage));
    expect(error.code).toBe('E_IO');
    expect(error.message).toContain(garbage);
    const truncated = join(dir, 'truncated.safetensors');
    const good = readFileSync(referenceWeights);
    writeFileSync(truncated, good.subarray(0, good.length >> 1));
    error = await failure(model.loadWeights(truncated));
    expect(error.code).toBe('E_IO');
    expect(error.message).toContain(truncated);
    error = await failure(model.loadWeights(join(dir, 'missing.safetensors')));
    expect(error.code).toBe('E_IO');
  });

  it('lists missing, unexpected and mis-shaped keys (E_WEIGHTS) and loads nothing', async () => {
    using model = await createVisionModel({ nOut: 3, device: 'cpu' });
    const before = await model.stateDict();
    let error = await failure(model.loadWeights(referenceWeights, { part: 'full' }));
    expect(error.code).toBe('E_WEIGHTS');
    expect(error.message).toContain(referenceWeights);
    expect(error.message).toContain('shape mismatches (1): 1.8.weight (file [5, 512], model [3, 512])');
    expect((await model.stateDict()).find((t) => t.name === '0.0.weight')?.data).toEqual(before.find((t) => t.name === '0.0.weight')?.data);

    const file = await readWeights(referenceWeights);
    const edited = file.tensors.filter((t) => t.name !== '0.4.0.conv1.weight').map((t) => (t.name === '1.2.bias' ? { ...t, name: '1.2.beta' } : t));
    const path = join(dir, 'edited.safetensors');
    await writeWeights(path, edited);
    error = await failure(model.loadWeights(path, { part: 'full' }));
    expect(error.message).toMatch(/missing keys \(2\): 0\.4\.0\.conv1\.weight, 1\.2\.bias/);
    expect(error.message).toMatch(/unexpected keys \(1\): 1\.2\.beta/);

    error = await failure(model.loadWeights(torchvisionWeights, { part: 'full' }));
    expect(error.message).toMatch(/missing keys \(\d+\): 1\.2\.weight/);
    expect(error.message).toContain("load it with part 'body'");
    await model.loadWeights(torchvisionWeights); // ... which 'auto' picks
  });

  it('refuses bad options and arguments with sentences naming them (E_ARG)', async () => {
    const bad = async (options: object, message: RegExp) => {
      const error = await failure(createVisionModel(options as never));
      expect(error.code).toBe('E_ARG');
      expect(error.message).toMatch(message);
    };
    await bad({ nOut: 0 }, /createVisionModel: expected an integer in \[1, 1000000\] for options\.nOut but received 0/);
    await bad({ nOut: 2, device: 'gpu' }, /createVisionModel: expected 'cpu', 'cuda', 'cuda:N' or 'auto' for options\.device but received 'gpu'/);
    await bad({ nOut: 2, optimizer: 'lamb' }, /createVisionModel: expected one of 'adam', 'sgd' for options\.optimizer but received 'lamb'/);
    await bad({ nOut: 2, normalize: { mean: [0, 0], std: [1, 1, 1] } }, /createVisionModel: expected an array of 3 numbers for options\.normalize\.mean/);
    await bad({ nOut: 2, device: 'cpu', precision: 'fp16' }, /fp16 mixed precision needs a CUDA device/);
    if (!versions().cuda) await bad({ nOut: 2, device: 'cuda' }, /device 'cuda' was requested, but/);

    using model = await createVisionModel({ nOut: N_OUT, device: 'cpu' });
    const batch = syntheticBatch(2, 32);
    const argError = async (p: Promise<unknown> | (() => unknown), message: RegExp) => {
      const error = await failure(p);
      expect(error.code).toBe('E_ARG');
      expect(error.message).toMatch(message);
    };
    await argError(model.trainStep(batch, hypers(1e-3, 2)), /trainStep: expected an array with one entry per parameter group \(3\) for hypers/);
    await argError(
      model.trainStep(batch, [...hypers(1e-3, 2), { lr: -1, mom: 0.9, sqrMom: 0.99, eps: 1e-5, wd: 0 }]),
      /trainStep: expected a finite number ≥ 0 for hypers\[2\]\.lr but received -1/,
    );
    await argError(model.trainStep({ ...batch, labels: Int32Array.from([0, 9]) }, hypers()), /batch\.labels\[1\] is 9, but the model has classes 0 to 4/);
    await argError(model.evalStep({ ...batch, images: batch.images.subarray(1) }), /evalStep: images has \d+ values, but shape \[2, 32, 32, 3\] needs 6144/);
    await argError(model.predict(batch.images, [2, 32, 32, 4] as never), /predict: expected 3 for shape\[3\] \(channels\) but received 4/);
    await argError(model.restore(), /restore\(\) needs a snapshot\(\)/);
    await argError(() => model.toFp16(), /fp16 mixed precision needs a CUDA device \(this model is on cpu\)/);
    await argError(() => model.freezeTo(1.5), /freezeTo: expected an integer for n but received 1.5/);
    await argError(
      model.loadWeights(referenceWeights, { part: 'head' as never }),
      /loadWeights: expected one of 'auto', 'full', 'body' for options\.part but received 'head'/,
    );
  });
});
