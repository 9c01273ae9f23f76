// snapshot() / restore(): one in-memory slot with weights, buffers, optimizer state and step
// counts, restored to the bit (what the LR finder relies on).
import { describe, expect, it } from 'vitest';
import { expectSameTensors, hypers, referenceModel, syntheticBatch } from '../helpers/model.js';

describe('VisionModel snapshot', () => {
  it('restores weights, BatchNorm buffers and optimizer state bit for bit', async () => {
    using model = await referenceModel();
    model.freeze();
    model.seed(3);
    await model.trainStep(syntheticBatch(4, 32, 1), hypers(1e-3));
    await model.trainStep(syntheticBatch(4, 32, 2), hypers(1e-3));
    await model.snapshot();
    const state = await model.stateDict();
    const optimizer = await model.optimizerState();
    const gradients = await model.gradients();
    expect(optimizer.find((t) => t.name === '1.8.weight.step')?.data[0]).toBe(2n);

    // Train on: everything moves (and the unfrozen body gains gradients and state).
    model.unfreeze();
    for (let k = 0; k < 3; k++) await model.trainStep(syntheticBatch(4, 32, 10 + k), hypers(1e-2));
    expect((await model.stateDict()).find((t) => t.name === '1.8.weight')?.data).not.toEqual(state.find((t) => t.name === '1.8.weight')?.data);

    model.freeze(); // the frozen set is not part of the snapshot
    await model.restore();
    expectSameTensors(await model.stateDict(), state, 'state');
    expectSameTensors(await model.optimizerState(), optimizer, 'optimizer state');
    expectSameTensors(await model.gradients(), gradients, 'gradients');
    await expect(model.restore()).rejects.toMatchObject({ code: 'E_ARG' }); // the slot was used
  });

  it('replays identically after a restore', async () => {
    using model = await referenceModel();
    await model.trainStep(syntheticBatch(4, 32, 1), hypers(1e-3)); // some Adam state to keep
    await model.snapshot();
    const run = async () => {
      model.seed(9);
      const losses = [];
      for (let k = 0; k < 2; k++) losses.push(await model.trainStep(syntheticBatch(4, 32, 20 + k), hypers(1e-3)));
      return { losses, state: await model.stateDict() };
    };
    const first = await run();
    await model.restore();
    const second = await run();
    expect(second.losses).toEqual(first.losses);
    expectSameTensors(second.state, first.state, 'replayed state');
  });
});
