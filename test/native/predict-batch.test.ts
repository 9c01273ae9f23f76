// learn.predictBatch: several images in one eval step, each failure its own. The rule it keeps
// (measured on this CPU, folded BatchNorm, oneDNN): a row is bitwise what getPreds gives for the same
// images in one batch; against predict() (a batch of one) it agrees within 1e-6, since LibTorch may
// pick other kernels for other batch sizes (bitwise at 32 px here, up to 6.6e-7 apart at 64 px).
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FasttuneError, loadLearner, type InferenceLearner, type Prediction } from '../../src/index.js';
import { expectClose } from '../helpers/close.js';
import { smallLearner, writeClassFolders } from '../helpers/image-learner.js';
import { tempDir } from '../helpers/images.js';

let dir: string;
let learn: InferenceLearner;
let files: string[];
let images: Buffer[];

beforeAll(async () => {
  dir = await tempDir('fasttune-predict-batch-');
  files = await writeClassFolders(join(dir, 'images'), 3);
  const run = await smallLearner(join(dir, 'images'), { path: dir });
  const exported = await run.learn.export(join(dir, 'model.safetensors'));
  run.dispose();
  learn = await loadLearner(exported);
  images = await Promise.all(files.map((f) => readFile(f)));
});

afterAll(async () => {
  learn?.dispose();
  await rm(dir, { recursive: true, force: true });
});

const value = (r: PromiseSettledResult<Prediction> | undefined): Prediction => {
  expect(r?.status).toBe('fulfilled');
  return (r as PromiseFulfilledResult<Prediction>).value;
};

describe('learn.predictBatch', () => {
  it('gives each row bitwise what getPreds gives over the same batch, and predict() within 1e-6', async () => {
    const results = await learn.predictBatch(images);
    const { probs, nOut } = await learn.getPreds({ ds: learn.dls.testDl(files) });
    expect(results).toHaveLength(files.length);
    for (const [i, r] of results.entries()) {
      const p = value(r);
      expect(Array.from(p.probs)).toEqual(Array.from(probs.subarray(i * nOut, (i + 1) * nOut)));
      const one = await learn.predict(images[i] as Buffer);
      expectClose(p.probs, one.probs, { atol: 1e-6, rtol: 0 }, `item ${i} against predict()`);
      expect(p.label).toBe(learn.dls.vocab[p.index]);
    }
  });

  it('fails an unreadable item alone: the others are the batch of the good ones', async () => {
    const bad = Buffer.from('\x89PNG\r\n\x1a\n not really a png');
    const items = [images[0] as Buffer, bad, images[1] as Buffer, images[2] as Buffer];
    const results = await learn.predictBatch(items);
    expect(results[1]?.status).toBe('rejected');
    const reason = (results[1] as PromiseRejectedResult).reason as FasttuneError;
    expect(reason).toBeInstanceOf(FasttuneError);
    expect(reason.code).toBe('E_IO');
    expect(reason.message).toMatch(/Cannot read image \(the given 26-byte buffer\): not an image format/);
    const good = await learn.predictBatch([images[0] as Buffer, images[1] as Buffer, images[2] as Buffer]);
    for (const [k, i] of [0, 2, 3].entries()) expect(Array.from(value(results[i]).probs)).toEqual(Array.from(value(good[k]).probs));
  });

  it('refuses images over maxPixels (decompression bombs) one by one', async () => {
    const results = await learn.predictBatch([images[0] as Buffer], { maxPixels: 40 * 30 - 1 });
    expect(results[0]?.status).toBe('rejected');
    expect(((results[0] as PromiseRejectedResult).reason as Error).message).toMatch(/pixel/i);
    value((await learn.predictBatch([images[0] as Buffer], { maxPixels: 40 * 30 }))[0]);
  });

  it('checks its arguments', async () => {
    await expect(learn.predictBatch('a.png' as never)).rejects.toThrow(/predictBatch: expected an array of images for items but received/);
    await expect(learn.predictBatch([], { maxPixels: 0 })).rejects.toThrow(/predictBatch: expected an integer ≥ 1 for maxPixels but received 0/);
    await expect(learn.predictBatch([], { maxPixel: 1 } as never)).rejects.toThrow(/did you mean 'maxPixels'/);
    expect(await learn.predictBatch([])).toEqual([]);
  });
});
