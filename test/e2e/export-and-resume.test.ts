// Train briefly on generated images, then: export and load in a fresh process (same predictions),
// save mid-fit and resume (same weights as an uninterrupted run), trackers that save and load the
// best model, and the interpretation plots.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CancelFitError,
  ClassificationInterpretation,
  EarlyStoppingCallback,
  SaveModelCallback,
  loadLearner,
  readWeights,
  type Callback,
  type Learner,
  type WeightsTensor,
} from '../../src/index.js';
import { CapturedOutput } from '../helpers/learner-kit.js';
import { smallLearner, writeClassFolders, type SmallLearner } from '../helpers/image-learner.js';
import { runNode } from '../helpers/spawn-child.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
let dir: string;
let images: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fasttune-after-'));
  images = join(dir, 'images');
  await writeClassFolders(images);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
  return worst;
}

/** Largest difference over every tensor of two state lists (names must match). */
function stateDiff(a: WeightsTensor[], b: WeightsTensor[]): number {
  expect(a.map((t) => t.name)).toEqual(b.map((t) => t.name));
  let worst = 0;
  a.forEach((t, i) => {
    const u = b[i] as WeightsTensor;
    worst = Math.max(worst, maxAbsDiff(Array.from(t.data as ArrayLike<number | bigint>, Number), Array.from(u.data as ArrayLike<number | bigint>, Number)));
  });
  return worst;
}

describe('export, then loadLearner in a fresh process', () => {
  let run: SmallLearner;
  let model: string;
  let validFiles: string[];

  beforeAll(async () => {
    run = await smallLearner(images, { path: dir });
    await run.learn.fitOneCycle(1, 1e-3);
    model = join(dir, 'out', 'model.safetensors');
    expect(await run.learn.export(model)).toBe(model);
    validFiles = run.dls.valid.items.map((it) => it.path);
  });
  afterAll(() => run.dispose());

  it('writes the weights and metadata that describe the model and its transforms', async () => {
    const file = await readWeights(model);
    expect(file.tensors).toHaveLength(228);
    expect(file.metadata.format).toBe('fasttune-export');
    const meta = JSON.parse(file.metadata['fasttune.export'] as string);
    expect(meta).toMatchObject({
      formatVersion: 3,
      arch: 'resnet34',
      nOut: 3,
      vocab: ['cat', 'dog', 'fox'],
      normalize: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
      itemTfm: { name: 'Resize', size: [32, 32], method: 'crop', padMode: 'reflection' },
      validResize: { inputSize: [32, 32], size: [32, 32], affine: null, mode: 'bilinear', padMode: 'reflection', alignCorners: true },
      loss: { kind: 'crossEntropy', labelSmoothing: 0 },
      activation: 'softmax',
    });
    expect(meta.libraryVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(existsSync(`${model}.tmp`)).toBe(false);
  });

  it('a child process predicts exactly what the training process predicts', async () => {
    // Concurrent predictions queue their native steps.
    const here = await Promise.all(validFiles.map((f) => run.learn.predict(f)));
    const valid = await run.learn.getPreds();
    const child = await runNode(['--import', 'tsx', join(root, 'test', 'helpers', 'load-and-predict.ts'), model, ...validFiles], {
      cwd: root,
      timeout: 120_000,
    });
    expect(child.stderr).toBe('');
    expect(child.code).toBe(0);
    const out = JSON.parse(child.stdout) as { predicted: { label: string; index: number; probs: number[] }[]; testProbs: number[]; vocab: string[] };
    expect(out.vocab).toEqual(run.dls.vocab);
    let worst = 0;
    here.forEach((p, i) => {
      const theirs = out.predicted[i] as { label: string; index: number; probs: number[] };
      expect(theirs.label).toBe(p.label);
      worst = Math.max(worst, maxAbsDiff(theirs.probs, p.probs));
    });
    worst = Math.max(worst, maxAbsDiff(out.testProbs, valid.probs));
    console.info(`export round trip: max |diff| of probabilities across processes ${worst}`);
    expect(worst).toBe(0);
  });

  it('in this process too: predict and getPreds on testDl without the training data', async () => {
    const loaded = await loadLearner(model);
    try {
      expect(loaded.dls.train.length).toBe(0);
      const preds = await loaded.getPreds({ ds: loaded.dls.testDl(validFiles), withDecoded: true });
      expect(maxAbsDiff(preds.probs, (await run.learn.getPreds()).probs)).toBe(0);
      const p = await loaded.predict(validFiles[0] as string);
      expect(p.label).toBe(loaded.dls.vocab[preds.decoded?.[0] as number]);
      await expect(loaded.tta({ ds: loaded.dls.testDl(validFiles) })).rejects.toThrow(/keeps only the validation transforms/);
    } finally {
      loaded.model.dispose();
    }
  });

  it('TTA: n passes with training transforms blended with the plain one', async () => {
    const plain = await run.learn.getPreds();
    const result = await run.learn.tta({ n: 2 });
    expect(maxAbsDiff(result.plainProbs, plain.probs)).toBe(0);
    expect(Array.from(result.targets)).toEqual(Array.from(plain.targets));
    // The augmented passes differ from the plain one, and the blend is 0.75·A + 0.25·P.
    expect(maxAbsDiff(result.augProbs, plain.probs)).toBeGreaterThan(0);
    result.probs.forEach((v, i) => expect(v).toBeCloseTo(0.75 * (result.augProbs[i] as number) + 0.25 * (result.plainProbs[i] as number), 6));
    const again = await run.learn.tta({ n: 2 });
    expect(maxAbsDiff(again.probs, result.probs)).toBe(0);
  });

  it('interpretation and result grids', async () => {
    const interp = await ClassificationInterpretation.fromLearner(run.learn);
    const cm = interp.confusionMatrix();
    expect(cm.flat().reduce((s, v) => s + v, 0)).toBe(run.dls.valid.n);
    const { losses } = await run.learn.getPreds({ withLoss: true });
    expect(interp.topLosses(1).losses[0]).toBe(Math.max(...losses!));
    for (const [file, write] of [
      ['cm.png', () => interp.plotConfusionMatrix(join(dir, 'cm.png'), { normalize: true })],
      ['top.png', () => interp.plotTopLosses(join(dir, 'top.png'), 4)],
      ['results.png', () => run.learn.showResults(join(dir, 'results.png'), { maxN: 4 })],
    ] as const) {
      expect(await write()).toBe(join(dir, file));
      const info = await sharp(join(dir, file)).metadata();
      expect(info.format).toBe('png');
      expect(info.width).toBeGreaterThan(100);
    }
  });
});

describe('save mid-fit, load into a fresh Learner, resume', () => {
  const saveAndStopAfter = (epoch: number): Callback => ({
    name: 'SaveAndStop',
    order: 70,
    async afterEpoch(learn: Learner) {
      if (learn.epoch !== epoch) return;
      await learn.save('mid');
      throw new CancelFitError('stop here');
    },
  });

  it('gives the same weights and optimizer state as the uninterrupted fit', async () => {
    const uninterrupted = await smallLearner(images, { path: dir });
    uninterrupted.learn.freeze();
    await uninterrupted.learn.fitOneCycle(3, 2e-3);
    const expectedState = await uninterrupted.model.stateDict();
    const expectedOpt = await uninterrupted.model.optimizerState();
    uninterrupted.dispose();

    const first = await smallLearner(images, { path: dir });
    first.learn.freeze();
    await first.learn.fitOneCycle(3, 2e-3, { cbs: [saveAndStopAfter(0)] });
    expect(first.learn.recorder.values).toHaveLength(1);
    first.dispose();

    // A model from another seed: everything that matters comes from the file.
    const resumed = await smallLearner(images, { path: dir, modelSeed: 9 });
    expect(await resumed.learn.load('mid')).toBe(join(dir, 'models', 'mid.safetensors'));
    expect(resumed.learn.frozenTo).toBe(2);
    expect(resumed.dls.train.epoch).toBe(1);
    await resumed.learn.fitOneCycle(3, 2e-3, { startEpoch: 1 });
    const weights = stateDiff(await resumed.model.stateDict(), expectedState);
    const opt = stateDiff(await resumed.model.optimizerState(), expectedOpt);
    console.info(`resume: max |diff| weights ${weights}, optimizer state ${opt}`);
    expect(weights).toBe(0);
    expect(opt).toBe(0);
    resumed.dispose();

    // Without the optimizer state the same resume ends elsewhere: the comparison can fail.
    const weightsOnly = await smallLearner(images, { path: dir });
    weightsOnly.learn.freeze();
    await weightsOnly.learn.load('mid', { withOpt: false });
    await weightsOnly.learn.fitOneCycle(3, 2e-3, { startEpoch: 1 });
    expect(stateDiff(await weightsOnly.model.stateDict(), expectedState)).toBeGreaterThan(1e-6);
    weightsOnly.dispose();
  });
});

describe('SaveModelCallback and EarlyStoppingCallback on a real fit', () => {
  it('saves each improvement, says so, and ends with the best model loaded', async () => {
    const run = await smallLearner(images, { path: dir });
    const output = new CapturedOutput();
    run.learn.output = output;
    try {
      await run.learn.fit(3, 1e-2, { cbs: [new SaveModelCallback({ fname: 'best' })] });
      const valid = run.learn.recorder.values.map((r) => r[1] as number);
      const best = Math.min(...valid);
      const bestEpoch = valid.indexOf(best);
      expect(output.text).toContain(`Better model found at epoch 0 with valid_loss value: ${valid[0]}.`);
      expect(output.text).toContain(`Better model found at epoch ${bestEpoch} with valid_loss value: ${best}.`);
      expect(existsSync(join(dir, 'models', 'best.safetensors'))).toBe(true);
      expect((await run.learn.validate()).validLoss).toBe(best);
    } finally {
      run.dispose();
    }
  });

  it('everyEpoch writes one file per epoch; early stopping cuts the fit short', async () => {
    const run = await smallLearner(images, { path: join(dir, 'every') });
    const output = new CapturedOutput();
    run.learn.output = output;
    try {
      // minDelta so large that nothing after the first epoch counts as an improvement.
      await run.learn.fit(5, 1e-3, { cbs: [new SaveModelCallback({ everyEpoch: true }), new EarlyStoppingCallback({ minDelta: 100, patience: 2 })] });
      expect(run.learn.recorder.values).toHaveLength(3);
      expect(output.text).toContain('No improvement since epoch 0: early stopping');
      // SaveModel (61) runs before EarlyStopping (63): the last epoch is saved too.
      for (const e of [0, 1, 2]) expect(existsSync(join(dir, 'every', 'models', `model_${e}.safetensors`))).toBe(true);
      expect(existsSync(join(dir, 'every', 'models', 'model_3.safetensors'))).toBe(false);
    } finally {
      run.dispose();
    }
  });
});
