// getPreds and tta on in-memory loaders: dataset order, activations, arguments, and what needs
// loaders that can be re-made (ImageDataLoaders).
import { describe, expect, it } from 'vitest';
import { FasttuneError, Learner, type EvalResult } from '../../src/index.js';
import { blankDataLoaders, LabelledLoader } from '../helpers/memory-data.js';
import { ScriptedModel } from '../helpers/scripted-model.js';

function setup() {
  // Two validation batches (3 + 2 items) with fixed logits.
  const validOutputs: EvalResult[] = [
    { loss: 0.1, logits: Float32Array.from([2, 0, 0, 1, 0, 3]) },
    { loss: 0.2, logits: Float32Array.from([-1, -1, 5, 4]) },
  ];
  const dls = { ...blankDataLoaders(2, 1), valid: new LabelledLoader([Int32Array.from([0, 1, 1]), Int32Array.from([0, 0])]) };
  const model = new ScriptedModel({ nOut: 2, validOutputs });
  return { learn: new Learner(dls, model, { progress: false }), model };
}

describe('getPreds', () => {
  it('returns softmax probabilities, targets, argmax and losses in loader order', async () => {
    const { learn } = setup();
    const preds = await learn.getPreds({ withDecoded: true, withLoss: true });
    expect(preds.n).toBe(5);
    expect(Array.from(preds.targets)).toEqual([0, 1, 1, 0, 0]);
    expect(Array.from(preds.decoded as Int32Array)).toEqual([0, 1, 1, 0, 0]);
    const p0 = 1 / (1 + Math.exp(-2));
    expect(preds.probs[0]).toBeCloseTo(p0, 6);
    expect(preds.probs[1]).toBeCloseTo(1 - p0, 6);
    expect(preds.losses?.[1]).toBeCloseTo(Math.log(1 + Math.exp(-1)), 6);
  });

  it("act: 'none' or a function of each row", async () => {
    const { learn } = setup();
    expect(Array.from((await learn.getPreds({ act: 'none' })).probs)).toEqual([2, 0, 0, 1, 0, 3, -1, -1, 5, 4]);
    const doubled = await learn.getPreds({ act: (row) => row.map((v) => v * 2) });
    expect(doubled.probs[5]).toBe(6);
    await expect(learn.getPreds({ act: () => [1] })).rejects.toThrow(/act must return 2 values/);
  });

  it('checks its arguments before running', async () => {
    const { learn, model } = setup();
    const cases: [object, RegExp][] = [
      [{ act: 'relu' }, /getPreds: expected 'softmax', 'sigmoid', 'none' or a function .* for act/],
      [{ withLoss: 'yes' }, /getPreds: expected true or false for withLoss/],
      [{ ds: 'test' }, /getPreds: expected 'valid', 'train' or a DataLoader for ds/],
      [{ shuffle: true }, /getPreds: expected one of the keys .* for options but received 'shuffle'/],
    ];
    for (const [options, message] of cases) {
      const error = await learn.getPreds(options as never).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FasttuneError);
      expect((error as FasttuneError).code).toBe('E_ARG');
      expect((error as Error).message).toMatch(message);
    }
    expect(model.evalCalls).toBe(0);
  });

  it("refuses ds 'train' when the training loader cannot be re-made unshuffled", async () => {
    const { learn, model } = setup();
    const fixedOrder = new LabelledLoader([Int32Array.from([0, 1])]); // no derive(): its order is its own
    learn.dls = { ...learn.dls, train: fixedOrder };
    const error = await learn.getPreds({ ds: 'train' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FasttuneError);
    expect((error as FasttuneError).code).toBe('E_ARG');
    expect((error as Error).message).toMatch(/getPreds: ds 'train' needs loaders that can be re-made unshuffled/);
    expect(model.evalCalls).toBe(0);
  });

  it('takes any loader, and tta needs ImageDataLoaders', async () => {
    const { learn } = setup();
    const preds = await learn.getPreds({ ds: new LabelledLoader([Int32Array.from([1, 0, 1])]) });
    expect(Array.from(preds.targets)).toEqual([1, 0, 1]);
    await expect(learn.tta()).rejects.toThrow(/tta: needs an ImageDataLoader/);
    await expect(learn.tta({ n: 0 })).rejects.toThrow(/tta: expected an integer ≥ 1 for n/);
  });
});
