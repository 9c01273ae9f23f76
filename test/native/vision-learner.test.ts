// visionLearner's contract beyond the numbers: what it freezes, what it hands the model
// (configure), precision switches, and the errors for bad input (wrong DataLoaders, unknown
// architecture, weights that do not fit, no weights offline).
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  cnnLearner,
  createVisionModel,
  crossEntropyLossFlat,
  FasttuneError,
  readWeights,
  resnet34,
  sgd,
  visionLearner,
  type VisionLearnerOptions,
} from '../../src/index.js';
import type { Batch } from '../../src/data/loader-contract.js';
import { fixedDataLoaders, type FixedLoader } from '../helpers/fixed-loaders.js';
import { fixture, fixturesDir } from '../helpers/fixtures.js';
import { expectSameTensors } from '../helpers/model.js';

const data = fixture('vision_learner', 'data');
const dir = join(fixturesDir, 'vision_learner');
const weights = join(dir, 'pretrained.pth');
const dls = () => fixedDataLoaders(data);
const firstBatch = (split: 'train' | 'valid'): Batch => (dls()[split] as FixedLoader).batches[0] as Batch;
const quiet = (o: VisionLearnerOptions = {}): VisionLearnerOptions => ({ device: 'cpu', progress: false, ...o });

async function rejects(promise: Promise<unknown>, code: string, ...fragments: string[]): Promise<FasttuneError> {
  const error = await promise.then(
    () => expect.fail('expected a rejection'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FasttuneError);
  expect((error as FasttuneError).code).toBe(code);
  for (const f of fragments) expect((error as Error).message).toContain(f);
  return error as FasttuneError;
}

describe('visionLearner: construction', () => {
  it('pretrained: loads the weights and freezes the body (BatchNorm stays trainable)', async () => {
    using learn = await visionLearner(dls(), resnet34, quiet({ weights }));
    expect(learn.pretrained).toBe(true);
    expect(learn.frozenTo).toBe(2);
    const params = learn.model.paramInfo();
    expect(params.filter((p) => p.trainable).every((p) => p.group === 2 || p.isNorm)).toBe(true);
    expect(params.filter((p) => !p.trainable).length).toBeGreaterThan(0);
    // Every weight and buffer, head included, comes from the file (our keys, a whole model).
    const file = (await readWeights(weights)).tensors;
    expectSameTensors(
      await learn.model.stateDict(),
      file.map((t) => ({ ...t, shape: t.shape })),
      'state vs file',
    );
  });

  it('pretrained: false starts from random weights, unfrozen; cnnLearner is the same function', async () => {
    expect(cnnLearner).toBe(visionLearner);
    using learn = await cnnLearner(dls(), 'resnet34', quiet({ pretrained: false, seed: 3 }));
    expect(learn.pretrained).toBe(false);
    expect(learn.frozenTo).toBe(0);
    expect(learn.model.paramInfo().every((p) => p.trainable)).toBe(true);
    expect(learn.model.nOut).toBe(3);
  });

  it('hands loss, optimizer, wdBnBias and trainBn to the model', async () => {
    using learn = await visionLearner(
      dls(),
      resnet34,
      quiet({ weights, optimizer: sgd({ mom: 0.9 }), lossFunc: crossEntropyLossFlat({ labelSmoothing: 0.1 }), wdBnBias: true, trainBn: false }),
    );
    const params = learn.model.paramInfo();
    expect(params.every((p) => !p.noDecay)).toBe(true); // wdBnBias
    expect(params.filter((p) => p.trainable).every((p) => p.group === 2)).toBe(true); // trainBn: false
    // The loss is label-smoothed cross-entropy: recompute it from the logits.
    const batch = firstBatch('valid');
    const { loss, logits } = await learn.model.evalStep(batch);
    let expected = 0;
    for (let i = 0; i < batch.labels.length; i++) {
      const row = Array.from(logits.subarray(i * 3, i * 3 + 3));
      const max = Math.max(...row);
      const logZ = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
      const nll = logZ - (row[batch.labels[i] as number] as number);
      const uniform = row.reduce((s, v) => s + (logZ - v), 0) / 3;
      expected += (0.9 * nll + 0.1 * uniform) / batch.labels.length;
    }
    expect(loss).toBeCloseTo(expected, 5);
    // SGD keeps a momentum buffer only (no second moment).
    await learn.fit(1, 1e-3);
    const names = (await learn.model.optimizerState()).map((t) => t.name);
    expect(names.some((n) => n.endsWith('.grad_avg'))).toBe(true);
    expect(names.some((n) => n.endsWith('.sqr_avg'))).toBe(false);
  });

  it('foldBn: false reaches the model: evaluation computes what the unfolded network computes', async () => {
    using learn = await visionLearner(dls(), resnet34, quiet({ pretrained: false, seed: 5, foldBn: false }));
    using unfolded = await createVisionModel({ nOut: 3, device: 'cpu', seed: 5, foldBn: false, normalize: learn.model.architecture.normalize ?? false });
    const batch = firstBatch('valid');
    expect((await learn.model.evalStep(batch)).logits).toEqual((await unfolded.evalStep(batch)).logits);
  });

  it('toBf16 / toFp32 switch the precision; fp16 needs CUDA', async () => {
    using learn = await visionLearner(dls(), resnet34, quiet({ pretrained: false }));
    expect(learn.toBf16().model.precision).toBe('bf16');
    expect(learn.toFp32().model.precision).toBe('fp32');
    expect(() => learn.toFp16()).toThrow(/CUDA/);
  });
});

describe('visionLearner: the Learner keeps its semantics with the native model', () => {
  it('a diverging fit stops with E_NAN', async () => {
    using learn = await visionLearner(dls(), resnet34, quiet({ weights }));
    await rejects(learn.fit(1, 1e30), 'E_NAN', 'training loss is NaN', 'epoch 0');
    // The learner is free for the next call, which sees the ruined weights too.
    await rejects(learn.validate(), 'E_NAN', 'validation loss is NaN');
  });

  it('a disposed learner refuses every fit before printing anything', async () => {
    const written: string[] = [];
    const learn = await visionLearner(
      dls(),
      resnet34,
      quiet({ pretrained: false, progress: 'lines', output: { write: (text: string) => written.push(text) } }),
    );
    learn.dispose();
    await rejects(learn.fit(1, 1e-3), 'E_DISPOSED', 'disposed');
    await rejects(learn.fitOneCycle(1), 'E_DISPOSED', 'disposed');
    await rejects(learn.fineTune(1), 'E_DISPOSED', 'disposed');
    expect(written).toEqual([]);
  });

  it('configure while a step runs fails with E_BUSY; bad settings fail with E_ARG', async () => {
    using learn = await visionLearner(dls(), resnet34, quiet({ pretrained: false }));
    const settings = { loss: crossEntropyLossFlat(), optimizer: 'adam' as const, wdBnBias: false, trainBn: true };
    const batch = firstBatch('train');
    const step = learn.model.evalStep(batch);
    expect(() => learn.model.configure(settings)).toThrow(expect.objectContaining({ code: 'E_BUSY' }));
    await step;
    expect(() => learn.model.configure({ ...settings, loss: { kind: 'crossEntropy', labelSmoothing: Number.NaN } })).toThrow(
      expect.objectContaining({ code: 'E_ARG', message: expect.stringContaining('labelSmoothing') }),
    );
    expect(() => learn.model.configure({ ...settings, optimizer: 'lamb' as 'adam' })).toThrow(/settings.optimizer/);
    learn.model.configure(settings);
  });
});

describe('visionLearner: bad input', () => {
  const env = { ...process.env };
  afterEach(() => {
    process.env = { ...env };
  });

  it('wrong DataLoaders, unknown architecture, unknown or inconsistent options', async () => {
    await rejects(visionLearner({} as never, resnet34), 'E_ARG', 'visionLearner: expected a DataLoader', 'for dls.train');
    await rejects(visionLearner({ ...dls(), c: 0 }, resnet34), 'E_ARG', 'visionLearner: expected an integer ≥ 1 for dls.c but received 0');
    await rejects(
      visionLearner(dls(), 'vgg16' as never),
      'E_ARG',
      'visionLearner: expected one of resnet18, resnet34, resnet50, resnet101, resnet152, convnext_tiny',
      "for arch but received 'vgg16'",
    );
    await rejects(visionLearner(dls(), { name: 'vgg16' } as never), 'E_ARG', "for arch but received 'vgg16'");
    await rejects(visionLearner(dls(), resnet34, { pretrianed: false } as never), 'E_ARG', "did you mean 'pretrained'?) for options but received 'pretrianed'");
    await rejects(visionLearner(dls(), resnet34, quiet({ nOut: 5 })), 'E_ARG', 'nOut is 5', '3 classes');
    await rejects(visionLearner(dls(), resnet34, quiet({ pretrained: false, weights })), 'E_ARG', 'only used with pretrained: true');
    await rejects(visionLearner(dls(), resnet34, quiet({ pretrained: false, lr: -1 })), 'E_ARG', 'lr');
  });

  it('offline without the weights: says where to put them, or to pass pretrained: false', async () => {
    process.env.TORCH_HOME = await mkdtemp(join(tmpdir(), 'fasttune-hub-'));
    process.env.FASTTUNE_OFFLINE = '1';
    await rejects(visionLearner(dls(), resnet34, quiet()), 'E_IO', 'resnet34-b627a593.pth', process.env.TORCH_HOME, 'pretrained: false');
    await rejects(visionLearner(dls(), resnet34, quiet({ weights: join(dir, 'missing.pth') })), 'E_IO', 'missing.pth');
  });

  it('weights of another architecture or class count: E_WEIGHTS naming the keys', async () => {
    await rejects(
      visionLearner(dls(), resnet34, quiet({ weights: join(dir, 'resnet18.pth') })),
      'E_WEIGHTS',
      'resnet18.pth',
      'missing keys',
      'layer1.2.conv1.weight',
      'the file holds a ResNet-18',
    );
    const fiveClasses = join(fixturesDir, 'vision_model', 'weights.safetensors');
    await rejects(visionLearner(dls(), resnet34, quiet({ weights: fiveClasses })), 'E_WEIGHTS', 'shape mismatches', '1.8.weight', '[5, 512]', '[3, 512]');
  });
});
