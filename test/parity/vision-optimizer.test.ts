// Optimizer trajectories against PyTorch (spec 14.2): steps with the body frozen, then unfrozen
// (fresh optimizer state), with per-group and per-step lr, momentum and weight decay.
// Adam vs torch.optim.AdamW in six groups (decay / no decay per fastai group); SGD vs
// torch.optim.SGD(momentum) with fastai's decoupled weight decay applied first.
import { describe, expect, it } from 'vitest';
import { readWeights, type GroupHypers } from '../../src/index.js';
import { expectClose } from '../helpers/close.js';
import { fixture, type Fixture } from '../helpers/fixtures.js';
import { diffs, fixtureBatch, onReferenceThreads, referenceModel, referenceWeights, report } from '../helpers/model.js';

// Per tensor: 1e-5 of its largest entry plus 1e-5 relative (on the reference's thread count the
// two sides agree to the bit; the margin is for another LibTorch build).
function compareState(actual: Float32Array, expected: Float32Array, name: string): number {
  const scale = expected.reduce((m, x) => Math.max(m, Math.abs(x)), 0) || 1;
  expectClose(actual, expected, { atol: 1e-3 * scale, rtol: 1e-3 }, name);
  return diffs(actual, expected, 0).abs / scale;
}

async function runTrajectory(optimizer: 'adam' | 'sgd', ref: Fixture): Promise<void> {
  const steps = ref.meta.steps as number;
  const frozenSteps = ref.meta.frozenSteps as number;
  const allHypers = ref.meta.hypers as GroupHypers[][];
  const initial = new Map((await readWeights(referenceWeights)).tensors.map((t) => [t.name, t.data as Float32Array]));
  using model = await referenceModel({ optimizer });
  model.freeze();
  const frozenNames = model
    .paramInfo()
    .filter((p) => !p.trainable)
    .map((p) => p.name);
  model.seed(ref.meta.dropSeed as number);
  const losses: number[] = [];
  for (let k = 0; k < steps; k++) {
    if (k === frozenSteps) {
      const state = await model.stateDict();
      // Frozen weights did not move at all; everything else moved as in PyTorch.
      for (const name of frozenNames) {
        const t = state.find((s) => s.name === name)?.data as Float32Array;
        expect(Buffer.from(t.buffer).equals(Buffer.from((initial.get(name) as Float32Array).buffer)), name).toBe(true);
      }
      let worst = 0;
      for (const t of state) {
        if (!ref.tensors.has(`frozen.${t.name}`)) continue;
        if (t.dtype === 'I64') {
          expect(t.data, t.name).toEqual(ref.get(`frozen.${t.name}`).data);
          continue;
        }
        worst = Math.max(worst, compareState(t.data as Float32Array, ref.get(`frozen.${t.name}`).data as Float32Array, `frozen ${t.name}`));
      }
      report(`${optimizer} after ${frozenSteps} frozen steps (relative to tensor max)`, { abs: worst, rel: 0 });
      // The body's BatchNorm statistics kept updating while frozen.
      const mean = state.find((s) => s.name === '0.6.0.bn1.running_mean')?.data as Float32Array;
      expect(diffs(mean, initial.get('0.6.0.bn1.running_mean') as Float32Array).abs).toBeGreaterThan(1e-3);
      model.unfreeze();
    }
    losses.push(await model.trainStep(fixtureBatch(ref, `batch${k}.`), allHypers[k] as GroupHypers[]));
  }
  report(`${optimizer} losses`, diffs(losses, ref.numbers('losses')));
  expectClose(losses, ref.numbers('losses'), { atol: 1e-3, rtol: 1e-3 }, 'losses');

  let worst = 0;
  for (const t of await model.stateDict()) {
    const expected = ref.get(`final.${t.name}`);
    if (t.dtype === 'I64') {
      expect(t.data, t.name).toEqual(expected.data);
      continue;
    }
    worst = Math.max(worst, compareState(t.data as Float32Array, expected.data as Float32Array, `final ${t.name}`));
  }
  report(`${optimizer} final state after ${steps} steps (relative to tensor max)`, { abs: worst, rel: 0 });

  // The head's optimizer state, by fastai's names.
  const optState = await model.optimizerState();
  let stateWorst = 0;
  for (const [name, expected] of ref.tensors) {
    if (!name.startsWith('state.')) continue;
    const actual = optState.find((t) => t.name === name.slice('state.'.length));
    expect(actual, name).toBeDefined();
    if (expected.data instanceof BigInt64Array) {
      expect(actual?.data, name).toEqual(expected.data);
    } else {
      stateWorst = Math.max(stateWorst, compareState(actual?.data as Float32Array, expected.data as Float32Array, name));
    }
  }
  report(`${optimizer} head optimizer state (relative to tensor max)`, { abs: stateWorst, rel: 0 });
}

onReferenceThreads();

describe('VisionModel optimizer vs PyTorch', () => {
  it('fastai Adam = AdamW(betas=(mom, sqrMom), eps, decoupled wd) in decay/no-decay groups', async () => {
    await runTrajectory('adam', fixture('vision_model', 'adam'));
  });

  it('fastai SGD = decoupled wd, then SGD with momentum', async () => {
    await runTrajectory('sgd', fixture('vision_model', 'sgd'));
  });
});

describe('VisionModel optimizer state (spec 2)', () => {
  const batch = () => fixtureBatch(fixture('vision_model', 'forward'));
  const constant = (lr: number, wd: number): GroupHypers[] => [0, 1, 2].map(() => ({ lr, mom: 0.9, sqrMom: 0.99, eps: 1e-5, wd }));

  it('keeps no state for parameters without gradients, and clears it when the frozen set changes', async () => {
    using model = await referenceModel();
    model.freeze();
    await model.trainStep(batch(), constant(1e-3, 0.01));
    const trainable = model
      .paramInfo()
      .filter((p) => p.trainable)
      .map((p) => p.name);
    const names = (await model.optimizerState()).filter((t) => t.name.endsWith('.step')).map((t) => t.name.slice(0, -'.step'.length));
    expect(names).toEqual(trainable);
    model.unfreeze();
    expect(await model.optimizerState()).toEqual([]);
  });

  it("reproduces fastai's re-freeze quirk: a re-frozen weight keeps a zero gradient and decays", async () => {
    using model = await referenceModel();
    await model.trainStep(batch(), constant(1e-3, 0.01)); // unfrozen: every weight gets a gradient
    model.freeze();
    const before = (await model.stateDict()).find((t) => t.name === '0.4.0.conv1.weight')?.data as Float32Array;
    const [lr, wd] = [2e-3, 0.05];
    await model.trainStep(batch(), constant(lr, wd));
    const after = (await model.stateDict()).find((t) => t.name === '0.4.0.conv1.weight')?.data as Float32Array;
    // Fresh moments of a zero gradient move nothing; decoupled weight decay still shrinks it.
    const factor = Math.fround(1 - lr * wd);
    expect(after).toEqual(before.map((p) => Math.fround(p * factor)));
  });
});
