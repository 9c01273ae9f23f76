// A Learner from loadLearner keeps no items: each method that needs data works on the images the
// user passes, or fails before running with an error that says what to pass.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClassificationInterpretation, FasttuneError, loadLearner, type InferenceLearner } from '../../src/index.js';
import { smallLearner, writeClassFolders } from '../helpers/image-learner.js';

let dir: string;
let learn: InferenceLearner;
let files: string[];
const written: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fasttune-loaded-'));
  await writeClassFolders(join(dir, 'images'), 4);
  const run = await smallLearner(join(dir, 'images'), { path: dir });
  const exported = await run.learn.export(join(dir, 'model.safetensors'));
  run.dispose();
  learn = await loadLearner(exported, { output: { write: (text: string) => written.push(text) } });
  files = (await readdir(join(dir, 'images', 'cat'))).map((f) => join(dir, 'images', 'cat', f));
});

afterAll(async () => {
  learn?.dispose();
  await rm(dir, { recursive: true, force: true });
});

async function argError(promise: Promise<unknown>, ...patterns: RegExp[]): Promise<void> {
  const error = await promise.then(
    () => expect.fail('expected a rejection'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FasttuneError);
  expect((error as FasttuneError).code).toBe('E_ARG');
  for (const p of patterns) expect((error as Error).message).toMatch(p);
}

describe('a Learner from loadLearner', () => {
  it('getPreds: works on the images given, and without them says to pass ds', async () => {
    await argError(learn.getPreds(), /getPreds: the validation set has no items/, /ds: learn\.dls\.testDl\(files\)/);
    const preds = await learn.getPreds({ ds: learn.dls.testDl(files) });
    expect(preds.n).toBe(files.length);
  });

  it('tta: without images says to pass ds; with them, says that an export keeps no training-time augmentation', async () => {
    await argError(learn.tta(), /tta: the validation set has no items/, /testDl/);
    await argError(learn.tta({ ds: learn.dls.testDl(files) }), /training-time augmentation/);
  });

  it('fitOneCycle fails before printing anything: there is no training data', async () => {
    await argError(learn.fitOneCycle(1), /fitOneCycle: the training set has no batches/, /loadLearner keeps no training data/);
    await argError(learn.fit(1), /fit: the training set has no batches/);
    expect(written).toEqual([]);
  });

  it('interpretation needs labelled items: none by default, and testDl items are not labelled', async () => {
    await argError(ClassificationInterpretation.fromLearner(learn), /validation set has no items/);
    await argError(ClassificationInterpretation.fromLearner(learn, { ds: learn.dls.testDl(files) }), /withLoss needs labelled items/);
  });
});
