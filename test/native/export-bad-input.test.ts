// Files and images that are not what they should be: each gives a FasttuneError with a code that
// names the file (and the field or tensor), never a crash.
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FasttuneError, loadLearner, readWeights, writeWeights, type WeightsContents } from '../../src/index.js';
import { smallLearner, writeClassFolders, type SmallLearner } from '../helpers/image-learner.js';

let dir: string;
let run: SmallLearner;
let good: string;
let original: WeightsContents;
let meta: Record<string, unknown>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fasttune-bad-'));
  await writeClassFolders(join(dir, 'images'), 4);
  run = await smallLearner(join(dir, 'images'), { path: dir, augment: false });
  good = await run.learn.export(join(dir, 'good.safetensors'));
  original = await readWeights(good);
  meta = JSON.parse(original.metadata['fasttune.export'] as string) as Record<string, unknown>;
});

afterAll(async () => {
  run?.dispose();
  await rm(dir, { recursive: true, force: true });
});

/** Rejects with a FasttuneError of `code` whose message matches every pattern. */
async function rejects(promise: Promise<unknown>, code: string, ...patterns: RegExp[]): Promise<void> {
  const error = await promise.then(
    () => expect.fail('expected a rejection'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FasttuneError);
  expect((error as FasttuneError).code).toBe(code);
  for (const p of patterns) expect((error as Error).message).toMatch(p);
}

/** The good export with its metadata JSON changed by `edit` (or the metadata replaced). */
async function withMetadata(name: string, edit: (m: Record<string, unknown>) => void, raw?: Record<string, string>): Promise<string> {
  const path = join(dir, name);
  const copy = structuredClone(meta);
  edit(copy);
  await writeWeights(path, original.tensors, raw ?? { format: 'fasttune-export', 'fasttune.export': JSON.stringify(copy) });
  return path;
}

const quote = (s: string) => new RegExp(s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));

describe('loadLearner refuses', () => {
  it('a missing file', async () => {
    await rejects(loadLearner(join(dir, 'nope.safetensors')), 'E_IO', quote(join(dir, 'nope.safetensors')));
  });

  it('a truncated file', async () => {
    const bytes = await readFile(good);
    const path = join(dir, 'truncated.safetensors');
    await writeFile(path, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await rejects(loadLearner(path), 'E_IO', quote(path));
  });

  it('a file whose header bytes were altered', async () => {
    const bytes = Buffer.from(await readFile(good));
    const headerLength = Number(bytes.readBigUInt64LE(0));
    const at = bytes.indexOf('"dtype"', 8);
    bytes.write('"dtypX"', at);
    expect(at).toBeLessThan(8 + headerLength);
    const path = join(dir, 'altered.safetensors');
    await writeFile(path, bytes);
    await rejects(loadLearner(path), 'E_IO', quote(path));
  });

  it('weights without our metadata, and a training state', async () => {
    const plain = join(dir, 'plain.safetensors');
    await run.model.saveWeights(plain);
    await rejects(loadLearner(plain), 'E_IO', quote(plain), /not a model exported by fasttune/, /learn\.export/);
    const state = await run.learn.save(join(dir, 'state'));
    await rejects(loadLearner(state), 'E_IO', /training state saved by learn\.save/);
  });

  it.each([
    [
      'metadata that is not JSON',
      (m: Record<string, unknown>) => m,
      { format: 'fasttune-export', 'fasttune.export': '{"arch": resnet34' },
      /'fasttune\.export' is not valid JSON/,
    ],
    ['a field we never write', (m: Record<string, unknown>) => void (m.run = 'rm -rf /'), undefined, /'fasttune\.export\.run' is not one fasttune writes/],
    ['a newer format', (m: Record<string, unknown>) => void (m.formatVersion = 4), undefined, /format 4 by a newer fasttune/],
    [
      'an architecture it does not know',
      (m: Record<string, unknown>) => void (m.arch = 'vgg16'),
      undefined,
      /architecture 'vgg16' is not supported by this fasttune \(resnet18, resnet34, resnet50, resnet101, resnet152, convnext_tiny\)/,
    ],
    [
      'a vocab that does not match nOut',
      (m: Record<string, unknown>) => void (m.vocab = ['cat', 'dog']),
      undefined,
      /'fasttune\.export\.vocab' must be 3 class names/,
    ],
    ['a mistyped field', (m: Record<string, unknown>) => void (m.nOut = '3'), undefined, /'fasttune\.export\.nOut' must be an integer/],
    [
      'a bad item transform',
      (m: Record<string, unknown>) => void ((m.itemTfm as Record<string, unknown>).size = [0, 32]),
      undefined,
      /'fasttune\.export\.itemTfm\.size' must be \[height, width\]/,
    ],
    [
      'bad normalization',
      (m: Record<string, unknown>) => void (m.normalize = { mean: [0, 0, 0], std: [1, 0, 1] }),
      undefined,
      /'fasttune\.export\.normalize\.std'/,
    ],
  ])('%s', async (_what, edit, raw, pattern) => {
    const path = await withMetadata('meta.safetensors', edit, raw as Record<string, string> | undefined);
    await rejects(loadLearner(path), 'E_IO', quote(path), pattern as RegExp);
  });

  it('a class count that does not fit the weights', async () => {
    const path = await withMetadata('classes.safetensors', (m) => {
      m.nOut = 4;
      m.vocab = ['a', 'b', 'c', 'd'];
      // The head the metadata describes ends in 4 outputs too: only the weights disagree.
      const head = m.head as Record<string, unknown>[];
      head[head.length - 1] = { ...head[head.length - 1], outFeatures: 4 };
    });
    await rejects(loadLearner(path), 'E_WEIGHTS', quote(path), /1\.8\.weight/);
  });

  it('a head or cut the metadata gets wrong for its architecture and class count', async () => {
    const classes = await withMetadata('head.safetensors', (m) => {
      m.nOut = 4;
      m.vocab = ['a', 'b', 'c', 'd'];
    });
    await rejects(
      loadLearner(classes),
      'E_IO',
      quote(classes),
      /metadata field 'fasttune\.export\.head' must be the layers of a head for resnet34: .*end in 4 flat features/,
    );
    const cut = await withMetadata('cut.safetensors', (m) => void (m.cut = -1));
    await rejects(loadLearner(cut), 'E_IO', quote(cut), /metadata field 'fasttune\.export\.cut' must be a cut of resnet34/);
  });

  it('weights of another architecture (a tensor missing, one renamed)', async () => {
    const path = join(dir, 'arch.safetensors');
    const tensors = original.tensors.filter((t) => t.name !== '0.7.2.bn2.weight').map((t) => (t.name === '1.4.weight' ? { ...t, name: 'fc.weight' } : t));
    await writeWeights(path, tensors, original.metadata);
    await rejects(loadLearner(path), 'E_WEIGHTS', quote(path), /missing keys/, /0\.7\.2\.bn2\.weight/, /fc\.weight/);
  });
});

describe('predict refuses', () => {
  it('a missing image, naming it', async () => {
    const missing = join(dir, 'images', 'missing.png');
    await rejects(run.learn.predict(missing), 'E_IO', quote(`Cannot read image ${missing}: no such file`));
  });

  it('a file that is not an image', async () => {
    const text = join(dir, 'notes.png');
    await writeFile(text, 'these are not pixels');
    await rejects(run.learn.predict(text), 'E_IO', quote(text), /not an image format/);
    await rejects(run.learn.predict(Buffer.from('not an image')), 'E_IO', /the given 12-byte buffer/);
    await rejects(run.learn.predict(42 as never), 'E_ARG', /file path, a Buffer or a sharp image/);
  });

  it('in a test loader too', async () => {
    const missing = join(dir, 'gone.jpg');
    await rejects(run.learn.getPreds({ ds: run.dls.testDl([missing]) }), 'E_IO', quote(missing));
  });
});

describe('learn.load refuses', () => {
  it('a missing file, naming where it looked', async () => {
    await rejects(run.learn.load('never-saved'), 'E_IO', quote(join(dir, 'models', 'never-saved.safetensors')));
  });

  it('optimizer state that does not fit the model', async () => {
    run.learn.unfreeze();
    await run.learn.fit(1, 1e-4);
    const saved = await readWeights(await run.learn.save('fit'));
    const path = join(dir, 'models', 'badopt.safetensors');
    const tensors = saved.tensors.map((t) => (t.name === 'opt.1.8.weight.grad_avg' ? { ...t, shape: [t.data.length], name: t.name } : t));
    await writeWeights(path, [...tensors, { name: 'opt.1.9.weight.step', shape: [], data: new BigInt64Array([1n]) }], saved.metadata);
    await rejects(
      run.learn.load('badopt'),
      'E_WEIGHTS',
      /optimizer state does not fit this model/,
      /state of '1\.8\.weight' is not a float tensor shaped like the parameter/,
      /unexpected tensor '1\.9\.weight\.step'/,
    );
  });

  it('a state whose metadata was altered', async () => {
    const saved = await readWeights(join(dir, 'models', 'fit.safetensors'));
    const state = JSON.parse(saved.metadata['fasttune.state'] as string) as Record<string, unknown>;
    state.hypers = (state.hypers as unknown[]).slice(1);
    const path = join(dir, 'models', 'badmeta.safetensors');
    await writeWeights(path, saved.tensors, { ...saved.metadata, 'fasttune.state': JSON.stringify(state) });
    await rejects(run.learn.load('badmeta'), 'E_IO', quote(path), /'fasttune\.state\.hypers' must be one entry per parameter group \(3\)/);
  });

  it('the weights of another class count', async () => {
    const other = await smallLearner(join(dir, 'images'), { path: dir, augment: false });
    try {
      const path = join(dir, 'models', 'four.safetensors');
      const saved = await readWeights(join(dir, 'models', 'fit.safetensors'));
      await writeWeights(
        path,
        saved.tensors.map((t) => (t.name === '1.8.weight' ? { ...t, shape: [4, 512], data: new Float32Array(2048) } : t)),
        saved.metadata,
      );
      await rejects(other.learn.load('four'), 'E_WEIGHTS', quote(path), /1\.8\.weight/);
    } finally {
      other.dispose();
    }
  });

  it('a copy still loads (the checks are not over-eager)', async () => {
    await copyFile(join(dir, 'models', 'fit.safetensors'), join(dir, 'models', 'copy.safetensors'));
    await expect(run.learn.load('copy')).resolves.toMatch(/copy\.safetensors$/);
  });
});
