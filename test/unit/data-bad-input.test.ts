// Bad input: every case is a FasttuneError that names the file or argument, never a crash.
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FasttuneError } from '../../src/core/errors.js';
import { ImageDataLoaders } from '../../src/data/dataloaders.js';
import { getImageFiles } from '../../src/data/files.js';
import { loadImage } from '../../src/data/load-image.js';
import { RandomResizedCrop, Resize } from '../../src/data/item-transforms.js';
import type { DataLoader } from '../../src/data/loader-contract.js';
import { tempDir, writeTree } from '../helpers/images.js';

async function drain(dl: DataLoader): Promise<void> {
  for await (const _ of dl);
}

async function failure(promise: Promise<unknown>): Promise<FasttuneError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FasttuneError);
  return err as FasttuneError;
}

let dir: string;
const bad: Record<string, string> = {};
beforeAll(async () => {
  dir = await tempDir();
  await writeTree(dir, { 'train/a': 4, 'train/b': 4, 'valid/a': 1, 'valid/b': 1 }, { format: 'jpeg' });
  const jpeg = await readFile(join(dir, 'train/a/train_a_0.jpg'));
  bad.truncated = join(dir, 'bad/truncated.jpg');
  bad.empty = join(dir, 'bad/empty.jpg');
  bad.garbage = join(dir, 'bad/garbage.png');
  bad.text = join(dir, 'bad/notes.jpg');
  await mkdir(join(dir, 'bad'));
  await writeFile(bad.truncated, jpeg.subarray(0, Math.floor(jpeg.length / 2)));
  await writeFile(bad.empty, '');
  await writeFile(bad.garbage, Buffer.from(Array.from({ length: 500 }, (_, i) => (i * 97) & 255)));
  await writeFile(bad.text, 'hello, I am not a JPEG\n');
});

describe('unreadable images', () => {
  it.each([
    ['truncated', /truncated\.jpg: the file is corrupt or truncated \(.*premature end/i],
    ['empty', /empty\.jpg: the file is empty \(0 bytes\)/],
    ['garbage', /garbage\.png: not an image format sharp can decode/],
    ['text', /notes\.jpg: not an image format sharp can decode/],
  ])('%s file', async (name, message) => {
    const err = await failure(loadImage(bad[name]!, { itemTfms: Resize(8) }));
    expect(err.code).toBe('E_IO');
    expect(err.message).toMatch(message);
  });

  it('an option loadImage does not know', async () => {
    const err = await failure(loadImage(bad.empty!, { itemTfm: Resize(8) } as never));
    expect(err.code).toBe('E_ARG');
    expect(err.message).toMatch(/loadImage: expected one of the keys .* \(did you mean 'itemTfms'\?\) for options but received 'itemTfm'/);
  });

  it('missing file and directory given as a file', async () => {
    expect((await failure(loadImage(join(dir, 'nope.jpg')))).message).toMatch(/nope\.jpg: no such file/);
    expect((await failure(loadImage(join(dir, 'train')))).message).toMatch(/train: it is a directory/);
  });

  it('an image over the pixel limit (decompression bomb guard)', async () => {
    const err = await failure(loadImage(join(dir, 'train/a/train_a_0.jpg'), { maxPixels: 1000 }));
    expect(err.message).toMatch(/train_a_0\.jpg: it has more than 1000 pixels \(the maxPixels limit/);
    const dls = await ImageDataLoaders.fromFolder(dir, { bs: 2, itemTfms: Resize(8), maxPixels: 1000 });
    expect((await failure(drain(dls.train))).message).toMatch(/more than 1000 pixels/);
  });

  it("onBadImage 'error' (default): the epoch that reads it fails, naming the file", async () => {
    const files = [...(await getImageFiles(join(dir, 'train'))), bad.truncated!];
    const dls = await ImageDataLoaders.fromLists(
      dir,
      files,
      files.map((_, i) => (i % 2 ? 'x' : 'y')),
      { bs: 1, itemTfms: Resize(8), validPct: 0 },
    );
    const err = await failure(drain(dls.train));
    expect(err.message).toContain('truncated.jpg');
  });

  it("onBadImage 'skip': one warning listing every bad file, the rest load", async () => {
    const good = await getImageFiles(join(dir, 'train'));
    const files = [...good, bad.truncated!, bad.empty!, bad.garbage!, bad.text!];
    const warnings: string[] = [];
    const dls = await ImageDataLoaders.fromLists(
      dir,
      files,
      files.map((_, i) => (i % 2 ? 'x' : 'y')),
      {
        bs: 2,
        itemTfms: Resize(8),
        validPct: 0,
        onBadImage: 'skip',
        warn: (m) => warnings.push(m),
      },
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/skipping 4 unreadable images of 12/);
    for (const f of ['truncated.jpg', 'empty.jpg', 'garbage.png', 'notes.jpg']) expect(warnings[0]).toContain(f);
    expect([...dls.skipped].sort()).toEqual([bad.empty, bad.garbage, bad.text, bad.truncated].sort());
    expect(dls.train.n).toBe(8);
    await drain(dls.train);
    await expect(ImageDataLoaders.fromLists(dir, [bad.empty!], ['x'], { bs: 1, validPct: 0, onBadImage: 'skip', warn: () => {} })).rejects.toThrow(
      /none of the images could be read/,
    );
  });
});

describe('bad folders, patterns and tables', () => {
  it('a missing or unreadable folder is named', async () => {
    expect((await failure(ImageDataLoaders.fromFolder(join(dir, 'missing')))).message).toMatch(/Cannot list folder .*missing: no such folder/);
    expect((await failure(getImageFiles(bad.truncated!))).message).toMatch(/truncated\.jpg: not a folder/);
    const noValid = await tempDir();
    await writeTree(noValid, { 'train/a': 2 });
    expect((await failure(ImageDataLoaders.fromFolder(noValid))).message).toMatch(/has no 'valid' folder; .* or pass validPct/);
  });

  it.skipIf(process.getuid?.() === 0)('a folder without read permission', async () => {
    const locked = join(await tempDir(), 'locked');
    await mkdir(locked);
    await chmod(locked, 0);
    try {
      expect((await failure(getImageFiles(locked))).message).toMatch(/locked: permission denied/);
    } finally {
      await chmod(locked, 0o755);
    }
  });

  it('an empty class folder', async () => {
    const root = await tempDir();
    await writeTree(root, { 'train/a': 2, 'train/b': 2, 'valid/a': 1 });
    await mkdir(join(root, 'train/empty'));
    const err = await failure(ImageDataLoaders.fromFolder(root, { bs: 1 }));
    expect(err.message).toMatch(/class folder .*train\/empty has no images/);
  });

  it('no images at all', async () => {
    const root = await tempDir();
    await mkdir(join(root, 'train'));
    await mkdir(join(root, 'valid'));
    expect((await failure(ImageDataLoaders.fromFolder(root))).message).toMatch(/no image files under/);
  });

  it('a regex that matches no file, or not every file', async () => {
    const files = await getImageFiles(join(dir, 'train'));
    let err = await failure(ImageDataLoaders.fromNameRe(dir, files, /^(dog)_\d+\.png$/));
    expect(err.message).toMatch(/pattern \/\^\(dog\)_\\d\+\\.png\$\/ matches none of the 8 file names \(e\.g\. 'train_a_0\.jpg'\)/);
    err = await failure(ImageDataLoaders.fromNameRe(dir, files, /^train_(a)_/));
    expect(err.message).toMatch(/does not match 'train_b_0\.jpg' \(4 of 8 names do not match\)/);
    err = await failure(ImageDataLoaders.fromNameRe(dir, files, /^train_/));
    expect(err.message).toMatch(/needs a capture group/);
    err = await failure(ImageDataLoaders.fromNameRe(dir, files, '(unclosed'));
    expect(err.message).toMatch(/fromNameRe: expected a valid regular expression .* for pattern but received '\(unclosed'/);
  });

  it('a CSV with a missing column, a missing cell or a bad validation flag', async () => {
    const root = await tempDir();
    await writeTree(root, { imgs: 2 });
    await writeFile(join(root, 'labels.csv'), 'file,label\nimgs/imgs_0.png,a\nimgs/imgs_1.png,\n');
    let err = await failure(ImageDataLoaders.fromCsv(root, { labelCol: 'class' }));
    expect(err.message).toMatch(/label column "class" is not in .*labels\.csv \(columns are 'file', 'label'\)/);
    err = await failure(ImageDataLoaders.fromCsv(root, { fnCol: 5 }));
    expect(err.message).toMatch(/file-name column 5 is not in/);
    err = await failure(ImageDataLoaders.fromCsv(root, { bs: 1 }));
    expect(err.message).toMatch(/row 3 of .*labels\.csv has no label \(column 1\)/);
    await writeFile(join(root, 'v.csv'), 'file,label,v\nimgs/imgs_0.png,a,maybe\n');
    err = await failure(ImageDataLoaders.fromCsv(root, { csvFname: 'v.csv', validCol: 'v', bs: 1 }));
    expect(err.message).toMatch(/row 2 .* has 'maybe' in the validation column/);
    expect((await failure(ImageDataLoaders.fromCsv(root, { csvFname: 'none.csv' }))).message).toMatch(/cannot read .*none\.csv: no such file/);
    expect((await failure(ImageDataLoaders.fromCsv(root, { labelDelim: ' ' }))).message).toMatch(/row 3 of .*labels\.csv has no label \(column 1\)/);
    expect((await failure(ImageDataLoaders.fromCsv(root, { labelDelim: ' ', yBlock: 'category' }))).message).toMatch(
      /fromCsv: expected 'multiCategory' with labelDelim for yBlock/,
    );
  });
});

describe('bad arguments', () => {
  it.each([
    [{ bs: 0 }, /fromFolder: expected an integer ≥ 1 for bs but received 0/],
    [{ valBs: 1.5 }, /fromFolder: expected an integer ≥ 1 for valBs but received 1.5/],
    [{ seed: -3 }, /fromFolder: expected an integer ≥ 0 for seed but received -3/],
    [{ onBadImage: 'ignore' }, /fromFolder: expected one of 'skip', 'error' for onBadImage but received 'ignore'/],
    [
      { itemTfms: [Resize(8), Resize(9)] },
      /fromFolder: expected one item transform, from Resize\(\) or RandomResizedCrop\(\) for itemTfms but received \[a ResizeTransform, a ResizeTransform\]/,
    ],
    [{ batchTfms: 42 }, /fromFolder: expected a batch transform \(e.g. augTransforms\(\)\) or Normalize.fromStats\(...\) for batchTfms but received 42/],
    [{ prefetch: -1 }, /fromFolder: expected an integer ≥ 0 for prefetch but received -1/],
    [{ cacheBytes: -1 }, /fromFolder: expected a finite number ≥ 0 for cacheBytes but received -1/],
    [{ batchTfm: [] }, /fromFolder: expected one of the keys .* \(did you mean 'batchTfms'\?\) for options but received 'batchTfm'/],
    [{ csvFname: 'x.csv' }, /fromFolder: expected one of the keys .* for options but received 'csvFname'/],
  ])('%j', async (options, message) => {
    const err = await failure(ImageDataLoaders.fromFolder(dir, options as never));
    expect(err.code).toBe('E_ARG');
    expect(err.message).toMatch(message);
  });

  it('transforms check their arguments', () => {
    expect(() => Resize(0)).toThrow(/Resize: expected a positive integer or \[height, width\] of positive integers for size but received 0/);
    expect(() => Resize([1, 2, 3] as never)).toThrow(/Resize: expected .* for size but received \[1, 2, 3\]/);
    expect(() => Resize(8, { method: 'fit' as never })).toThrow(/Resize: expected one of 'crop', 'pad', 'squish' for method but received 'fit'/);
    expect(() => Resize(8, { padMode: 'wrap' as never })).toThrow(/Resize: expected one of 'reflection', 'zeros', 'border' for padMode but received 'wrap'/);
    expect(() => RandomResizedCrop(8, { minScale: 0 })).toThrow(/RandomResizedCrop: expected a finite number in \(0, 1\] for minScale but received 0/);
    expect(() => RandomResizedCrop(8, { ratio: [2, 1] })).toThrow(
      /RandomResizedCrop: expected \[low, high\] with 0 < low ≤ high for ratio but received \[2, 1\]/,
    );
  });

  it('file lists and label functions', async () => {
    expect((await failure(ImageDataLoaders.fromNameFunc(dir, [], () => 'x'))).message).toMatch(
      /fromNameFunc: expected a non-empty array of file paths for fnames but received \[\]/,
    );
    expect((await failure(ImageDataLoaders.fromLists(dir, ['a.png'], ['x', 'y']))).message).toMatch(
      /fromLists: expected an array of 1 labels \(one per file\) for labels but received \['x', 'y'\]/,
    );
    const files = await getImageFiles(join(dir, 'train'));
    const err = await failure(
      ImageDataLoaders.fromPathFunc(dir, files, (p) => {
        throw new Error(`cannot label ${p.length}`);
      }),
    );
    expect(err.message).toMatch(/the label function failed on .*train_a_0\.jpg: cannot label/);
  });
});
