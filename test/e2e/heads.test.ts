// Heads and bodies through the public API: a learner exported for 5 classes gives a 3-class
// learner its body (the head starts fresh, and the learner's output says why); a custom head on a
// cut body survives export and loadLearner; bad head and cut options are refused by name.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createBody,
  createHead,
  createVisionModel,
  FasttuneError,
  ImageDataLoaders,
  loadLearner,
  readWeights,
  Resize,
  resnet18,
  resnet34,
  visionLearner,
  type VisionLearnerOptions,
  type WeightsTensor,
} from '../../src/index.js';
import { CapturedOutput } from '../helpers/learner-kit.js';
import { writeTree } from '../helpers/images.js';

let dir: string;
let five: ImageDataLoaders;
let three: ImageDataLoaders;
let exported: string;

const quiet = (o: VisionLearnerOptions = {}): VisionLearnerOptions => ({ device: 'cpu', progress: false, output: new CapturedOutput(), ...o });
const values = (t: WeightsTensor) => Array.from(t.data as ArrayLike<number | bigint>, Number);
const byName = (tensors: WeightsTensor[]) => new Map(tensors.map((t) => [t.name, t]));

async function rejects(promise: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const error = await promise.then(
    () => expect.fail('expected a rejection'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FasttuneError);
  expect((error as FasttuneError).code).toBe(code);
  expect((error as Error).message).toMatch(message);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fasttune-heads-'));
  const load = (root: string) => ImageDataLoaders.fromFolder(root, { validPct: 0.25, seed: 1, bs: 4, itemTfms: Resize(32), decodeWorkers: 0 });
  await writeTree(join(dir, 'five'), { ant: 4, bee: 4, cat: 4, dog: 4, eel: 4 }, { width: 32, height: 32 });
  await writeTree(join(dir, 'three'), { fox: 4, gnu: 4, hen: 4 }, { width: 32, height: 32 });
  five = await load(join(dir, 'five'));
  three = await load(join(dir, 'three'));
  exported = join(dir, 'five.safetensors');
  using learn = await visionLearner(five, resnet18, quiet({ pretrained: false, seed: 3 }));
  await learn.export(exported);
});
afterAll(async () => {
  five?.close();
  three?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('weights from an exported learner', () => {
  it('whose head does not fit: the body loads, the head starts fresh, and the output says so', async () => {
    const output = new CapturedOutput();
    using learn = await visionLearner(three, resnet18, quiet({ weights: exported, seed: 9, output }));
    using fresh = await visionLearner(three, resnet18, quiet({ pretrained: false, seed: 9 }));
    const file = byName((await readWeights(exported)).tensors);
    const state = await learn.model.stateDict();
    const initial = byName(await fresh.model.stateDict());
    for (const t of state) {
      if (t.name.startsWith('0.')) expect(values(t), t.name).toEqual(values(file.get(t.name) as WeightsTensor));
      else expect(values(t), t.name).toEqual(values(initial.get(t.name) as WeightsTensor));
    }
    expect(output.text).toBe(
      `visionLearner: ${exported} is a learner exported with 5 outputs (ant, bee, cat, dog, eel) where this model has 3: its body is loaded, the head starts fresh\n`,
    );
    expect(learn.frozenTo).toBe(2);
  });

  it('whose head is another: the message names both heads', async () => {
    const output = new CapturedOutput();
    using learn = await visionLearner(five, resnet18, quiet({ weights: exported, linFtrs: [64], output }));
    expect(output.text).toContain(
      `visionLearner: ${exported} is a learner exported with a head of concat pool, flatten, BatchNorm1d(1024), Dropout(0.25), Linear(1024→512, no bias)`,
    );
    expect(output.text).toContain("where this model's is concat pool, flatten, BatchNorm1d(1024), Dropout(0.25), Linear(1024→64, no bias)");
    expect(learn.model.nOut).toBe(5);
  });

  it('whose head fits: body and head load, silently', async () => {
    const output = new CapturedOutput();
    using learn = await visionLearner(five, resnet18, quiet({ weights: exported, output }));
    const file = byName((await readWeights(exported)).tensors);
    for (const t of await learn.model.stateDict()) expect(values(t), t.name).toEqual(values(file.get(t.name) as WeightsTensor));
    expect(output.text).toBe('');
  });

  it('of another architecture or cut: refused, naming both bodies', async () => {
    await rejects(visionLearner(three, resnet34, quiet({ weights: exported })), 'E_WEIGHTS', /exported with a resnet18 body; this model's body is a resnet34/);
    await rejects(
      visionLearner(three, resnet18, quiet({ weights: exported, cut: -3 })),
      'E_WEIGHTS',
      /a resnet18 body; this model's body is a resnet18 cut at -3/,
    );
  });
});

describe('a custom head on a cut body', () => {
  it('round-trips through export and loadLearner with the same predictions', async () => {
    const body = createBody(resnet18, { cut: -3 });
    expect(body).toEqual({ kind: 'body', arch: 'resnet18', cut: -3, nf: 256 });
    const head = createHead(body.nf, three.c, { concatPool: false, linFtrs: [32], ps: [0.1, 0.2], bnFinal: true, linFirst: true });
    using learn = await visionLearner(three, body, quiet({ pretrained: false, head, seed: 4 }));
    expect(learn.model.settings.head).toEqual(head);
    await learn.fitOneCycle(1, 1e-3);
    const path = join(dir, 'custom.safetensors');
    await learn.export(path);
    using loaded = await loadLearner(path);
    expect(loaded.model.settings.head.layers).toEqual(head.layers);
    expect(loaded.model.settings.cut).toBe(-3);
    const files = three.valid.items.map((item) => item.path);
    for (const file of files) {
      const [a, b] = [await learn.predict(file), await loaded.predict(file)];
      expect(b.label).toBe(a.label);
      expect(Array.from(b.probs)).toEqual(Array.from(a.probs));
    }
  });
});

describe('bad heads and cuts', () => {
  it.each([
    [{ linFtrs: [0] }, 'visionLearner: expected an integer ≥ 1 for linFtrs[0] but received 0'],
    [
      { ps: [0.1, 0.2, 0.3] },
      'visionLearner: expected a probability or a list of 1 or 2 probabilities (one per linear layer) for ps but received [0.1, 0.2, 0.3]',
    ],
    [{ concatPool: 'yes' }, 'visionLearner: expected true or false for concatPool but received '],
    [{ cut: -1 }, "visionLearner: expected an integer that keeps part of resnet18's body before its pooling (1 to 8, or -9 to -2) for cut but received -1"],
    [{ head: createHead(512, 3), ps: 0.2 }, 'visionLearner: expected nothing beside a custom head (give the head its own options) for ps but received 0.2'],
    [{ head: createHead(256, 3) }, 'visionLearner: expected 1024 (the width the layers before it pass on) for head.layers[2].features but received 512'],
    [
      { head: createHead(512, 5) },
      'visionLearner: expected layers that end in 3 flat features (one per output) for head.layers but received layers that end in 5 features',
    ],
    [
      { head: { layers: [{ type: 'flatten' }] } },
      "visionLearner: expected a pooling layer ('adaptiveConcatPool' or 'adaptiveAvgPool') before 'flatten' for head.layers[0].type but received 'flatten'",
    ],
    [{ head: { layers: [{ type: 'conv2d' }] } }, "for head.layers[0].type but received 'conv2d'"],
    [
      { head: createHead(512, 3, { pool: false }) },
      "visionLearner: expected a pooling layer then 'flatten' first: the body gives feature maps for head.layers[0].type but received 'batchNorm1d'",
    ],
  ])('%j', async (options, message) => {
    await rejects(
      visionLearner(three, resnet18, quiet({ pretrained: false, ...(options as VisionLearnerOptions) })),
      'E_ARG',
      new RegExp(message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')),
    );
  });

  it('createVisionModel names its own options', async () => {
    await rejects(
      createVisionModel({ nOut: 2, cut: 0 }),
      'E_ARG',
      /^createVisionModel: expected an integer that keeps part of resnet34's body .* for options\.cut but received 0$/,
    );
    await rejects(
      createVisionModel({ nOut: 2, linFtrs: [-1] }),
      'E_ARG',
      /^createVisionModel: expected an integer ≥ 1 for options\.linFtrs\[0\] but received -1$/,
    );
    await rejects(
      createVisionModel({ nOut: 2, head: { layers: [] } }),
      'E_ARG',
      /^createVisionModel: expected a non-empty array of layers \(see createHead\) for options\.head\.layers but received \[\]$/,
    );
  });

  it('createHead and createBody check their arguments', () => {
    expect(() => createHead(0, 3)).toThrow('createHead: expected an integer ≥ 1 for nf but received 0');
    expect(() => createHead(512, 3, { linFtrs: [64], ps: [0.1, 0.2, 0.3] })).toThrow('createHead: expected a probability or a list of 1 or 2 probabilities');
    expect(() => createHead(512, 3, { lin_ftrs: [64] } as never)).toThrow(
      "createHead: expected one of the keys linFtrs, ps, pool, concatPool, firstBn, bnFinal, linFirst, yRange (did you mean 'linFtrs'?) for options but received 'lin_ftrs'",
    );
    expect(() => createBody(resnet18, { cut: 9 })).toThrow(
      "createBody: expected an integer that keeps part of resnet18's body before its pooling (1 to 8, or -9 to -2) for cut but received 9",
    );
    expect(() => createBody('convnext_tiny', { cut: -3 })).toThrow(
      "createBody: expected an integer that keeps part of convnext_tiny's body before its pooling (1 or -2) for cut but received -3",
    );
  });
});
