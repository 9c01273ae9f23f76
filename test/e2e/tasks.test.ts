// Multi-label and regression end to end on Fashion-MNIST at small size: data from a CSV or lists,
// visionLearner with the loss chosen from the targets, a short fit, export, loadLearner, predict.
// Multi-label: two garments side by side, labelled with both. Regression: an image's mean brightness
// after a random dimming, predicted through yRange.
import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { fashionMnistToFolder } from '../../src/data/fashion-mnist.js';
import { accuracyMulti, F1ScoreMulti, ImageDataLoaders, loadLearner, R2Score, Resize, resnet34, rmse, visionLearner, type Metric } from '../../src/index.js';
import { expectClose } from '../helpers/close.js';
import { tempDir } from '../helpers/images.js';
import { CapturedOutput } from '../helpers/learner-kit.js';
import { rng } from '../helpers/memory-data.js';

const CLASSES = [1, 7, 8]; // trouser, sneaker, bag
let source: string;
let byClass: Record<string, string[]>;

beforeAll(async () => {
  source = await tempDir('fasttune-fmnist-');
  const summary = await fashionMnistToFolder(source, { classes: CLASSES, trainPerClass: 24, validPerClass: 0 });
  byClass = {};
  for (const name of summary.classes) byClass[name] = (await readdir(join(source, 'train', name))).map((f) => join(source, 'train', name, f));
});

/** The epoch's metrics read the float targets: each equals the metric on the whole validation set's raw outputs. */
async function expectMetricsOnTargets(learn: Awaited<ReturnType<typeof visionLearner>>, metrics: Metric[], names: string[]): Promise<void> {
  const validated = await learn.validate();
  const { probs: outputs, targetValues, nOut } = await learn.getPreds({ act: 'none' });
  expect(targetValues).toBeInstanceOf(Float32Array);
  metrics.forEach((m, i) => {
    const whole = m.compute(outputs, targetValues as Float32Array, nOut);
    expect(Number.isFinite(whole)).toBe(true);
    expect(validated.metrics[names[i] as string]).toBeCloseTo(whole, 6);
  });
}

describe('multi-label end to end', () => {
  let dir: string;
  const names: string[] = [];
  const tags: string[] = [];

  beforeAll(async () => {
    dir = await tempDir('fasttune-multi-');
    const random = rng(5);
    const classes = Object.keys(byClass);
    for (let i = 0; i < 64; i++) {
      const [a, b] = [classes[Math.floor(random() * 3)] as string, classes[Math.floor(random() * 3)] as string];
      const left = (byClass[a] as string[])[i % 24] as string;
      const right = (byClass[b] as string[])[(i * 7) % 24] as string;
      const name = `pair${i}.png`;
      await sharp({ create: { width: 56, height: 28, channels: 3, background: 'black' } })
        .composite([
          { input: left, left: 0, top: 0 },
          { input: right, left: 28, top: 0 },
        ])
        .png()
        .toFile(join(dir, name));
      names.push(name);
      tags.push([...new Set([a, b])].join(' '));
    }
    const rows = names.map((n, i) => `${n},${tags[i]},${i >= 48}`);
    await writeFile(join(dir, 'labels.csv'), `fname,tags,is_valid\n${rows.join('\n')}\n`);
  });

  it('trains with BCE, exports, loads and predicts the labels above the threshold', async () => {
    const dls = await ImageDataLoaders.fromCsv(dir, {
      labelDelim: ' ',
      validCol: 'is_valid',
      itemTfms: Resize([28, 56], { method: 'squish' }),
      bs: 16,
      seed: 3,
    });
    expect(dls.vocab).toEqual(['bag', 'sneaker', 'trouser']);
    const metrics = [accuracyMulti(), F1ScoreMulti()];
    using learn = await visionLearner(dls, resnet34, { pretrained: false, device: 'cpu', seed: 3, metrics, output: new CapturedOutput(), progress: false });
    expect(learn.lossFunc).toMatchObject({ kind: 'bceWithLogits', thresh: 0.5 });
    const losses: number[] = [];
    await learn.fitOneCycle(4, 3e-3, { cbs: [{ name: 'KeepLosses', afterBatch: (l) => void (l.training && losses.push(l.loss)) }] });
    await expectMetricsOnTargets(learn, metrics, ['accuracy_multi', 'f1_score']);
    // Training brings the batch losses down (first epoch against the last); a fresh body's eval-mode
    // statistics make a few-step validation loss a poor judge, so it only has to be finite.
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const perEpoch = losses.length / 4;
    expect(mean(losses.slice(-perEpoch))).toBeLessThan(mean(losses.slice(0, perEpoch)));
    expect(Number.isFinite((await learn.validate()).validLoss)).toBe(true);

    const preds = await learn.getPreds({ withDecoded: true, withLoss: true });
    expect(preds.targetValues).toHaveLength(16 * 3);
    expect(Array.from(preds.targetValues as Float32Array).every((v) => v === 0 || v === 1)).toBe(true);
    expect(preds.probs.every((p) => p >= 0 && p <= 1)).toBe(true);
    expect(Array.from(preds.decoded as Int32Array)).toEqual(Array.from(preds.probs, (p) => (p > 0.5 ? 1 : 0)));
    expect(preds.losses).toHaveLength(16);
    expect(preds.losses?.every((l) => Number.isFinite(l) && l > 0)).toBe(true);

    const file = join(dir, 'multi.safetensors');
    await learn.export(file);
    using loaded = await loadLearner(file);
    expect(loaded.lossFunc).toMatchObject({ kind: 'bceWithLogits', thresh: 0.5 });
    const image = join(dir, names[50] as string);
    const here = await learn.predict(image);
    const there = await loaded.predict(image);
    expect(there.labels).toEqual(here.labels);
    expectClose(there.probs, here.probs, { atol: 1e-5, rtol: 1e-4 }, 'probs');
    expect(here.labels).toEqual(['bag', 'sneaker', 'trouser'].filter((_, j) => (here.probs[j] as number) > 0.5));
    expect(here.label).toBe((here.labels as string[]).join(';'));

    const grid = await learn.showResults(join(dir, 'results.png'), { maxN: 4 });
    expect(existsSync(grid)).toBe(true);
    await dls.showBatch({ path: join(dir, 'batch.png') });
    expect(existsSync(join(dir, 'batch.png'))).toBe(true);
    dls.close();
  });
});

describe('regression end to end', () => {
  it('learns mean brightness through yRange, exports, loads and predicts numbers', async () => {
    const dir = await tempDir('fasttune-regress-');
    const random = rng(9);
    const files: string[] = [];
    const values: number[] = [];
    const all = Object.values(byClass).flat();
    for (let i = 0; i < 64; i++) {
      const dim = 0.2 + 0.8 * random();
      const { data, info } = await sharp(all[i % all.length] as string)
        .linear(dim, 0)
        .raw()
        .toBuffer({ resolveWithObject: true });
      const name = `img${i}.png`;
      await sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } })
        .png()
        .toFile(join(dir, name));
      files.push(name);
      values.push(data.reduce((s, v) => s + v, 0) / data.length / 255);
    }
    const splitter = () => ({ train: Array.from({ length: 48 }, (_, i) => i), valid: Array.from({ length: 16 }, (_, i) => 48 + i) });
    const dls = await ImageDataLoaders.fromLists(dir, files, values, { yBlock: 'regression', splitter, itemTfms: Resize(28), bs: 16, seed: 4 });
    const metrics = [rmse, R2Score()];
    using learn = await visionLearner(dls, resnet34, {
      pretrained: false,
      device: 'cpu',
      seed: 4,
      yRange: [0, 1],
      metrics,
      output: new CapturedOutput(),
      progress: false,
    });
    expect(learn.lossFunc.kind).toBe('mse');
    const losses: number[] = [];
    await learn.fitOneCycle(4, 3e-3, { cbs: [{ name: 'KeepLosses', afterBatch: (l) => void (l.training && losses.push(l.loss)) }] });
    await expectMetricsOnTargets(learn, metrics, ['_rmse', 'r2_score']);
    // Training brings the batch losses down (first epoch against the last); a fresh body's eval-mode
    // statistics make a few-step validation loss a poor judge, so it only has to be finite.
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const perEpoch = losses.length / 4;
    expect(mean(losses.slice(-perEpoch))).toBeLessThan(mean(losses.slice(0, perEpoch)));
    expect(Number.isFinite((await learn.validate()).validLoss)).toBe(true);

    const preds = await learn.getPreds();
    expect(preds.nOut).toBe(1);
    // Items are ordered by path; each target is its file's value.
    const byFile = new Map(files.map((f, i) => [join(dir, f), values[i] as number]));
    const expected = dls.valid.items.map((item) => byFile.get(item.path) as number);
    expectClose(preds.targetValues as Float32Array, Float32Array.from(expected), { atol: 0, rtol: 0 }, 'targets');
    expect(preds.probs.every((v) => v >= 0 && v <= 1)).toBe(true); // the sigmoid range

    const file = join(dir, 'regress.safetensors');
    await learn.export(file);
    using loaded = await loadLearner(file);
    const here = await learn.predict(join(dir, files[50] as string));
    const there = await loaded.predict(join(dir, files[50] as string));
    expect(here.index).toBe(-1);
    expect(here.values).toHaveLength(1);
    expectClose(there.values as Float32Array, here.values as Float32Array, { atol: 1e-6, rtol: 1e-5 }, 'values');
    dls.close();
  });
});

describe('progressive resizing', () => {
  it('trains on small images, then on larger ones with the same learner (weights kept)', async () => {
    const small = await ImageDataLoaders.fromFolder(join(source, 'train'), { validPct: 0.25, itemTfms: Resize(16), bs: 16, seed: 2 });
    using learn = await visionLearner(small, resnet34, { pretrained: false, device: 'cpu', seed: 2, output: new CapturedOutput(), progress: false });
    await learn.fitOneCycle(2, 1e-2);
    const large = await ImageDataLoaders.fromFolder(join(source, 'train'), { validPct: 0.25, itemTfms: Resize(28), bs: 16, seed: 2 });
    const weights = (await learn.model.stateDict()).find((t) => t.name === '1.8.weight')?.data as Float32Array;
    learn.dls = large;
    expect((await learn.dls.valid.oneBatch?.())?.shape.slice(1, 3)).toEqual([28, 28]);
    const kept = (await learn.model.stateDict()).find((t) => t.name === '1.8.weight')?.data as Float32Array;
    expect(Array.from(kept)).toEqual(Array.from(weights));
    const before = await learn.validate();
    await learn.fitOneCycle(1, 1e-3);
    expect(Number.isFinite((await learn.validate()).validLoss)).toBe(true);
    expect(Number.isFinite(before.validLoss)).toBe(true);
    const other = await ImageDataLoaders.fromLists(join(source, 'train'), (byClass.bag as string[]).slice(0, 8), Array(8).fill(0.5), {
      yBlock: 'regression',
      bs: 4,
      seed: 1,
      itemTfms: Resize(16),
    });
    expect(() => {
      learn.dls = other;
    }).toThrow(/learn\.dls: the data has 1 classes but the model has 3 outputs/);
    small.close();
    large.close();
    other.close();
  });
});
