// Multi-label and regression targets from the factories: vocab, multi-hot rows and values in the
// batches, and the errors for bad labels (empty cells, NaN, unknown classes, a bad threshold).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bceWithLogitsLossFlat, ImageDataLoaders, Resize } from '../../src/index.js';
import { tempDir, writeImage } from '../helpers/images.js';

async function images(n: number): Promise<{ dir: string; files: string[] }> {
  const dir = await tempDir();
  const files = Array.from({ length: n }, (_, i) => `img${i}.png`);
  await Promise.all(files.map((f, i) => writeImage(join(dir, f), i, { width: 16, height: 16 })));
  return { dir, files };
}

async function rejects(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await expect(promise).rejects.toMatchObject({ code: 'E_ARG', message: expect.stringMatching(pattern) });
}

const common = { bs: 2, seed: 1, itemTfms: Resize(8), decodeWorkers: 0 } as const;

describe('multi-label targets', () => {
  it('fromCsv with labelDelim: sorted vocab of every training label, multi-hot rows in the batches', async () => {
    const { dir, files } = await images(6);
    const tags = ['a b', 'c', 'b', 'a c', 'b c a', 'a'];
    const valid = [false, false, false, false, true, true];
    await writeFile(join(dir, 'labels.csv'), `name,tags,is_valid\n${files.map((f, i) => `${f},${tags[i]},${valid[i]}`).join('\n')}\n`);
    const dls = await ImageDataLoaders.fromCsv(dir, { ...common, labelDelim: ' ', validCol: 'is_valid' });
    expect(dls.targetKind).toBe('multiCategory');
    expect(dls.vocab).toEqual(['a', 'b', 'c']);
    expect(dls.c).toBe(3);
    const batch = await dls.valid.oneBatch();
    expect(Array.from(batch.labels)).toEqual([-1, -1]);
    expect(Array.from(batch.targets as Float32Array)).toEqual([1, 1, 1, 1, 0, 0]);
    dls.close();
  });

  it('fromLists with arrays and fromNameFunc returning arrays are multi-label', async () => {
    const { dir, files } = await images(4);
    const lists = await ImageDataLoaders.fromLists(dir, files, [['x'], ['x', 'y'], ['y'], ['y']], { ...common, validPct: 0.25 });
    expect(lists.targetKind).toBe('multiCategory');
    expect(lists.vocab).toEqual(['x', 'y']);
    lists.close();
    const named = await ImageDataLoaders.fromNameFunc(dir, files, (name) => (name === 'img0.png' ? ['p', 'q'] : ['q']), {
      ...common,
      splitter: () => ({ train: [0, 1, 2], valid: [3] }),
    });
    expect(named.targetKind).toBe('multiCategory');
    expect(named.vocab).toEqual(['p', 'q']);
    named.close();
  });

  it('an empty label cell names its row', async () => {
    const { dir, files } = await images(3);
    await writeFile(join(dir, 'labels.csv'), `name,tags\n${files[0]},a b\n${files[1]},\n${files[2]},b\n`);
    await rejects(ImageDataLoaders.fromCsv(dir, { ...common, labelDelim: ' ' }), /row 3 of .*labels\.csv has no label/);
    await writeFile(join(dir, 'labels.csv'), `name,tags\n${files[0]},a b\n${files[1]},"  "\n${files[2]},b\n`);
    await rejects(ImageDataLoaders.fromCsv(dir, { ...common, labelDelim: ' ' }), /row 3 of .*labels\.csv has labels \[\]/);
  });

  it('a validation label missing from the training labels is named with its file', async () => {
    const { dir, files } = await images(4);
    const labels = [['x'], ['x', 'y'], ['y'], ['x', 'zebra']];
    await rejects(
      ImageDataLoaders.fromLists(dir, files, labels, { ...common, splitter: () => ({ train: [0, 1, 2], valid: [3] }) }),
      /validation label 'zebra' \(.*img3\.png\) does not occur in the training set/,
    );
  });

  it('a threshold outside (0, 1) is refused, naming it', () => {
    for (const thresh of [0, 1, 1.5, Number.NaN]) {
      expect(() => bceWithLogitsLossFlat({ thresh })).toThrow(/bceWithLogitsLossFlat: expected a finite number in \(0, 1\) for thresh but received/);
    }
  });
});

describe('regression targets', () => {
  it("fromLists with yBlock 'regression': one output, the values in the batches", async () => {
    const { dir, files } = await images(4);
    const dls = await ImageDataLoaders.fromLists(dir, files, [0.5, -1, 2.25, 3], {
      ...common,
      yBlock: 'regression',
      splitter: () => ({ train: [0, 1], valid: [2, 3] }),
    });
    expect(dls.targetKind).toBe('regression');
    expect(dls.vocab).toEqual([]);
    expect(dls.c).toBe(1);
    expect(Array.from((await dls.valid.oneBatch()).targets as Float32Array)).toEqual([2.25, 3]);
    dls.close();
  });

  it('a CSV column read as numbers; a cell that is not a number names its row', async () => {
    const { dir, files } = await images(3);
    await writeFile(join(dir, 'labels.csv'), `name,y\n${files[0]},1.5\n${files[1]},2\n${files[2]},-0.5\n`);
    const dls = await ImageDataLoaders.fromCsv(dir, { ...common, yBlock: 'regression', validPct: 0.34 });
    expect(dls.c).toBe(1);
    dls.close();
    await writeFile(join(dir, 'labels.csv'), `name,y\n${files[0]},1.5\n${files[1]},NaN\n${files[2]},-0.5\n`);
    await rejects(
      ImageDataLoaders.fromCsv(dir, { ...common, yBlock: 'regression' }),
      /row 3 of .*labels\.csv has regression target 'NaN'; expected a finite number/,
    );
  });

  it('NaN or non-numeric targets from a list or a function name the item', async () => {
    const { dir, files } = await images(3);
    await rejects(ImageDataLoaders.fromLists(dir, files, [1, Number.NaN, 2], { ...common, yBlock: 'regression' }), /labels\[1\] has regression target NaN/);
    await rejects(
      ImageDataLoaders.fromNameFunc(dir, files, () => 'heavy', { ...common, yBlock: 'regression' }),
      /img0\.png has regression target 'heavy'/,
    );
  });
});
