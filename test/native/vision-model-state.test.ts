// Moving a model's whole training state into another model: weights from tensors, optimizer state
// (including parameters that are frozen but still stepped, fastai's re-freeze behaviour) and the
// dropout generator. The next steps of both must then agree bit for bit.
import { describe, expect, it } from 'vitest';
import { createVisionModel, FasttuneError, type VisionModel } from '../../src/index.js';
import { expectSameTensors, hypers, syntheticBatch } from '../helpers/model.js';

const batch = syntheticBatch(4, 32, 7);

async function model(seed: number): Promise<VisionModel> {
  return createVisionModel({ nOut: 5, device: 'cpu', seed });
}

/** Copies everything resuming needs from `a` into `b`. */
async function transfer(a: VisionModel, b: VisionModel): Promise<void> {
  await b.loadStateDict(await a.stateDict(), 'model a');
  await b.loadOptimizerState(await a.optimizerState());
  b.setRandomState(a.randomState());
}

describe('loading a training state into another model', () => {
  it('evaluates with the loaded weights, whatever it evaluated before', async () => {
    using a = await model(1);
    using b = await model(2);
    await b.evalStep(batch); // anything b keeps for evaluation must not survive the load
    await b.loadStateDict(await a.stateDict(), 'model a');
    expect((await b.evalStep(batch)).logits).toEqual((await a.evalStep(batch)).logits);
  });

  it('then trains exactly as the original, dropout included', async () => {
    using a = await model(1);
    for (let k = 0; k < 2; k++) await a.trainStep(batch, hypers(1e-3));
    using b = await model(2);
    await transfer(a, b);
    for (let k = 0; k < 2; k++) {
      expect(await b.trainStep(batch, hypers(1e-3))).toBe(await a.trainStep(batch, hypers(1e-3)));
    }
    expectSameTensors(await b.stateDict(), await a.stateDict(), 'weights');
    expectSameTensors(await b.optimizerState(), await a.optimizerState(), 'optimizer state');
  });

  it('keeps stepping parameters that were trained and then frozen (their weights decay)', async () => {
    using a = await model(1);
    await a.trainStep(batch, hypers(1e-3)); // every parameter gets state
    a.freeze(); // state cleared; the body's zeroed gradients remain, so a step still visits it
    await a.trainStep(batch, hypers(1e-3));
    using b = await model(2);
    b.freeze();
    await transfer(a, b);
    await a.trainStep(batch, hypers(1e-2));
    await b.trainStep(batch, hypers(1e-2));
    expectSameTensors(await b.stateDict(), await a.stateDict(), 'weights');
    const frozenStepped = (await a.optimizerState()).filter((t) => t.name === '0.0.weight.step');
    expect(frozenStepped).toHaveLength(1);
  });

  it('a parameter without state is not stepped after the load', async () => {
    using a = await model(1);
    a.freeze(); // the body never trains
    await a.trainStep(batch, hypers(1e-3));
    using b = await model(2);
    await b.trainStep(batch, hypers(1e-3)); // b's body has gradients and state...
    b.freeze();
    await transfer(a, b); // ...which the load replaces by a's (none)
    await a.trainStep(batch, hypers(1e-2));
    await b.trainStep(batch, hypers(1e-2));
    expectSameTensors(await b.stateDict(), await a.stateDict(), 'weights');
    expect((await b.optimizerState()).some((t) => t.name.startsWith('0.0.'))).toBe(false);
  });

  it('refuses optimizer state and random state that do not fit, changing nothing', async () => {
    using a = await model(1);
    await a.trainStep(batch, hypers(1e-3));
    const before = await a.optimizerState();
    const state = before.map((t) => (t.name === '1.8.weight.sqr_avg' ? { ...t, shape: [t.data.length] } : t));
    const error = await a
      .loadOptimizerState([...state.filter((t) => t.name !== '1.4.weight.step'), { name: 'fc.weight.grad_avg', shape: [1], data: new Float32Array(1) }])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FasttuneError);
    expect((error as FasttuneError).code).toBe('E_WEIGHTS');
    expect((error as Error).message).toMatch(/unexpected tensor 'fc\.weight\.grad_avg'/);
    expect((error as Error).message).toMatch(/incomplete state for '1\.4\.weight'/);
    expect((error as Error).message).toMatch(/state of '1\.8\.weight' is not a float tensor shaped like the parameter/);
    expectSameTensors(await a.optimizerState(), before, 'unchanged');
    expect(() => a.setRandomState(new Uint8Array(3))).toThrow(/random state must be \d+ bytes, got 3/);
    await expect(a.loadStateDict([{ name: 'x', shape: [1], data: new Float32Array(1) }], 'a file')).rejects.toThrow(/a file/);
  });
});
