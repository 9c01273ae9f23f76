// Factories: labels, splits and vocab.
import { writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FasttuneError } from '../../src/core/errors.js';
import { ImageDataLoaders } from '../../src/data/dataloaders.js';
import { getImageFiles } from '../../src/data/files.js';
import { GrandparentSplitter, IndexSplitter, RandomSplitter } from '../../src/data/splitters.js';
import { Resize } from '../../src/data/item-transforms.js';
import { tempDir, writeImage, writeTree } from '../helpers/images.js';

const opts = { bs: 2, itemTfms: Resize(16), seed: 0 };
const names = (paths: readonly { path: string }[]) => paths.map((i) => basename(i.path));

describe('fromFolder', () => {
  let root: string;
  beforeAll(async () => {
    root = await tempDir();
    await writeTree(root, { 'train/dog': 3, 'train/cat': 4, 'train/bird': 2, 'valid/dog': 1, 'valid/cat': 2 });
    await writeImage(join(root, 'train/.hidden/x.png'), 99); // hidden folders are skipped
    await writeImage(join(root, 'test/cat/t.png'), 98); // neither train nor valid: left out
    await writeFile(join(root, 'train/cat/notes.txt'), 'not an image');
  });

  it('labels by parent folder, splits by grandparent, vocab sorted from training labels', async () => {
    const dls = await ImageDataLoaders.fromFolder(root, opts);
    expect(dls.vocab).toEqual(['bird', 'cat', 'dog']);
    expect(dls.c).toBe(3);
    expect(dls.train.n).toBe(9);
    expect(dls.valid.n).toBe(3);
    for (const item of [...dls.train.items, ...dls.valid.items]) {
      expect(dls.vocab[item.label]).toBe(basename(join(item.path, '..')));
    }
    // items sorted by path
    expect(dls.train.items.map((i) => i.path)).toEqual([...dls.train.items.map((i) => i.path)].sort());
  });

  it('splits every image under the folder at random with validPct', async () => {
    const dls = await ImageDataLoaders.fromFolder(join(root, 'train'), { ...opts, validPct: 0.25, seed: 3 });
    const all = await getImageFiles(join(root, 'train'));
    const expected = RandomSplitter(0.25, 3)(all);
    expect(dls.valid.items.map((i) => i.path)).toEqual(expected.valid.map((i) => all[i]));
    expect(dls.train.items.map((i) => i.path)).toEqual(expected.train.map((i) => all[i]));
    expect(dls.valid.n).toBe(2); // int(0.25 * 9)
  });

  it('takes custom train/valid folder names', async () => {
    const other = await tempDir();
    await writeTree(other, { 'tr/a': 2, 'tr/b': 2, 'va/a': 1 });
    const dls = await ImageDataLoaders.fromFolder(other, { ...opts, train: 'tr', valid: 'va' });
    expect([dls.train.n, dls.valid.n]).toEqual([4, 1]);
  });
});

describe('name and path labelling', () => {
  let root: string;
  let files: string[];
  beforeAll(async () => {
    root = await tempDir();
    const names = ['Abyssinian_1.jpg', 'Abyssinian_12.jpg', 'great_pyrenees_3.jpg', 'great_pyrenees_40.jpg', 'yorkshire_terrier_5.jpg'];
    for (const [i, n] of names.entries()) await writeImage(join(root, 'images', n), i, { format: 'jpeg' });
    files = await getImageFiles(root);
  });

  it('fromNameRe: the Pets pattern on file names', async () => {
    const dls = await ImageDataLoaders.fromNameRe(root, files, /^(.*)_\d+\.jpg$/, { ...opts, bs: 1, validPct: 0.2, seed: 42 });
    expect(dls.train.n + dls.valid.n).toBe(5);
    expect(dls.valid.n).toBe(1);
    const labels = [...dls.train.items, ...dls.valid.items].map((i) => dls.vocab[i.label]);
    expect(labels.sort()).toEqual(
      ['Abyssinian', 'Abyssinian', 'great_pyrenees', 'great_pyrenees', 'yorkshire_terrier'].filter((l) => dls.vocab.includes(l)).sort(),
    );
    // the global flag does not make matching stateful
    const again = await ImageDataLoaders.fromNameRe(root, files, /^(.*)_\d+\.jpg$/g, { ...opts, bs: 1, seed: 42 });
    expect(names(again.train.items)).toEqual(names(dls.train.items));
  });

  it('fromNameRe accepts relative names', async () => {
    const rel = files.map((f) => f.slice(root.length + 1));
    const dls = await ImageDataLoaders.fromNameRe(root, rel, /^([a-z]+)_/i, { ...opts, bs: 1, validPct: 0 });
    expect(dls.vocab).toEqual(['Abyssinian', 'great', 'yorkshire']);
    expect(dls.train.items.every((i) => i.path.startsWith(join(root, 'images')))).toBe(true);
  });

  it('fromPathRe matches on the full path', async () => {
    const dls = await ImageDataLoaders.fromPathRe(root, files, /\/(images)\//, { ...opts, bs: 1 });
    expect(dls.vocab).toEqual(['images']);
  });

  it('fromNameFunc and fromPathFunc', async () => {
    const byName = await ImageDataLoaders.fromNameFunc(root, files, (n) => (n[0] === n[0]!.toUpperCase() ? 'cat' : 'dog'), { ...opts, bs: 1, validPct: 0 });
    expect(byName.vocab).toEqual(['cat', 'dog']);
    expect(byName.train.items.filter((i) => i.label === 0).map((i) => basename(i.path))).toEqual(['Abyssinian_1.jpg', 'Abyssinian_12.jpg']);
    const seen: string[] = [];
    await ImageDataLoaders.fromPathFunc(
      root,
      files,
      (p) => {
        seen.push(p);
        return 'x';
      },
      { ...opts, bs: 1, validPct: 0 },
    );
    expect(seen).toEqual(files);
  });

  it('fromLists pairs files and labels', async () => {
    const labels = files.map((_, i) => (i % 2 ? 'odd' : 'even'));
    const dls = await ImageDataLoaders.fromLists(root, files, labels, { ...opts, bs: 1, validPct: 0 });
    // RandomSplitter orders the training items as its permutation does
    expect(dls.train.items.map((i) => [i.path, dls.vocab[i.label]]).sort()).toEqual(files.map((f, i) => [f, labels[i]]).sort());
  });

  it('fromCsv: named columns, folder, suffix and a validation column', async () => {
    const csvRoot = await tempDir();
    await writeTree(csvRoot, { imgs: 4 });
    const lines = ['name,label,is_valid', 'imgs_0,b,False', '"imgs_1",a,false', 'imgs_2,"b",True', 'imgs_3,a,0'];
    await writeFile(join(csvRoot, 'labels.csv'), lines.join('\r\n') + '\r\n');
    const dls = await ImageDataLoaders.fromCsv(csvRoot, {
      ...opts,
      bs: 1,
      fnCol: 'name',
      labelCol: 'label',
      folder: 'imgs',
      suff: '.png',
      validCol: 'is_valid',
    });
    expect(dls.vocab).toEqual(['a', 'b']);
    expect(names(dls.train.items)).toEqual(['imgs_0.png', 'imgs_1.png', 'imgs_3.png']);
    expect(names(dls.valid.items)).toEqual(['imgs_2.png']);
    expect(dls.valid.items[0]!.label).toBe(1);
  });

  it('fromCsv without a header, by column index, split at random', async () => {
    const csvRoot = await tempDir();
    await writeTree(csvRoot, { imgs: 5 });
    await writeFile(join(csvRoot, 'data.tsv'), [0, 1, 2, 3, 4].map((i) => `c${i % 2}\timgs/imgs_${i}.png`).join('\n'));
    const dls = await ImageDataLoaders.fromCsv(csvRoot, {
      ...opts,
      bs: 1,
      csvFname: 'data.tsv',
      header: false,
      delimiter: '\t',
      fnCol: 1,
      labelCol: 0,
      validPct: 0.4,
      seed: 1,
    });
    expect(dls.train.n + dls.valid.n).toBe(5);
    expect(dls.valid.n).toBe(2);
  });
});

describe('vocab and splits', () => {
  it('refuses a validation label absent from training, naming it', async () => {
    const root = await tempDir();
    await writeTree(root, { 'train/a': 2, 'valid/a': 1, 'valid/zebra': 1 });
    const err = await ImageDataLoaders.fromFolder(root, opts).catch((e) => e);
    expect(err).toBeInstanceOf(FasttuneError);
    expect(err.message).toMatch(/validation label 'zebra' .*valid_zebra_0\.png.* does not occur in the training set/);
  });

  it('uses a given vocab order and refuses labels outside it', async () => {
    const root = await tempDir();
    await writeTree(root, { 'train/a': 2, 'train/b': 2, 'valid/a': 1 });
    const dls = await ImageDataLoaders.fromFolder(root, { ...opts, vocab: ['b', 'a', 'c'] });
    expect(dls.vocab).toEqual(['b', 'a', 'c']);
    expect(dls.c).toBe(3);
    expect(dls.valid.items[0]!.label).toBe(1);
    await expect(ImageDataLoaders.fromFolder(root, { ...opts, vocab: ['a'] })).rejects.toThrow(/training label 'b' .* is not in the vocab given/);
  });

  it('sorts the vocab by code point like Python', async () => {
    const root = await tempDir();
    const files = await writeTree(root, { x: 4 });
    const labels = ['b', 'B', 'á', 'a'];
    const dls = await ImageDataLoaders.fromLists(root, files, labels, { ...opts, bs: 1, validPct: 0 });
    expect(dls.vocab).toEqual(['B', 'a', 'b', 'á']);
  });

  it('GrandparentSplitter keeps the order and leaves others out', () => {
    const items = ['r/valid/a/1.png', 'r/train/a/2.png', 'r/test/a/3.png', 'r/train/b/4.png'];
    expect(GrandparentSplitter()(items)).toEqual({ train: [1, 3], valid: [0] });
    expect(GrandparentSplitter({ train: ['train', 'test'], valid: 'valid' })(items)).toEqual({ train: [1, 2, 3], valid: [0] });
  });

  it('RandomSplitter validates its arguments', () => {
    expect(() => RandomSplitter(1.5)).toThrow(/RandomSplitter: expected a finite number in \[0, 1\) for validPct but received 1.5/);
    expect(() => RandomSplitter(0.2, -1)).toThrow(/RandomSplitter: expected an integer ≥ 0 for seed but received -1/);
  });

  it('IndexSplitter validates its indices, against the items when it splits', () => {
    expect(() => IndexSplitter([0, -1])).toThrow(/IndexSplitter: expected an integer ≥ 0 for validIndices\[1\] but received -1/);
    expect(() => IndexSplitter([0, 3])(['a', 'b', 'c'])).toThrow(
      /IndexSplitter: expected indices below 3 \(the number of items\) for validIndices but received 3/,
    );
    expect(IndexSplitter([2])(['a', 'b', 'c'])).toEqual({ train: [0, 1], valid: [2] });
  });

  it('refuses a training set smaller than one batch', async () => {
    const root = await tempDir();
    await writeTree(root, { 'train/a': 3, 'valid/a': 1 });
    await expect(ImageDataLoaders.fromFolder(root, { ...opts, bs: 4 })).rejects.toThrow(/training set has 3 images, fewer than one batch \(bs 4\)/);
  });
});

describe('item order', () => {
  it('sorts the items by path first, so the split does not depend on the listing order', async () => {
    const root = await tempDir();
    const files = await writeTree(root, { x: 6 });
    const labels = files.map((_, i) => `c${i % 2}`);
    const shuffledIdx = [3, 0, 5, 1, 4, 2];
    const a = await ImageDataLoaders.fromLists(root, files, labels, { bs: 1, validPct: 0.34, seed: 9 });
    const b = await ImageDataLoaders.fromLists(
      root,
      shuffledIdx.map((i) => files[i]!),
      shuffledIdx.map((i) => labels[i]!),
      { bs: 1, validPct: 0.34, seed: 9 },
    );
    expect(b.valid.items).toEqual(a.valid.items);
    expect(b.train.items).toEqual(a.train.items);
    const split = RandomSplitter(0.34, 9)(files);
    expect(a.valid.items.map((i) => i.path)).toEqual(split.valid.map((i) => files[i]));
  });
});
