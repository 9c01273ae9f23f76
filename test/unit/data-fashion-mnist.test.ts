// Fashion-MNIST (Debian's dataset-fashion-mnist) to an image folder tree, and back through fromFolder.
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ImageDataLoaders } from '../../src/data/dataloaders.js';
import { fashionMnistClasses, fashionMnistToFolder } from '../../src/data/fashion-mnist.js';
import { FASHION_MNIST_DIR } from '../../src/data/fashion-mnist.js';
import { tempDir } from '../helpers/images.js';

const installed = existsSync(join(FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz'));

describe('fashionMnistToFolder', () => {
  it.skipIf(!installed)('writes the chosen classes and counts as train|valid/<class>/<index>.png', async () => {
    const dest = await tempDir();
    const summary = await fashionMnistToFolder(dest, { classes: [5, 7, 9], trainPerClass: 6, validPerClass: 3 });
    expect(summary.classes).toEqual(['sandal', 'sneaker', 'ankle_boot']);
    expect(summary.train).toEqual({ sandal: 6, sneaker: 6, ankle_boot: 6 });
    expect(summary.valid).toEqual({ sandal: 3, sneaker: 3, ankle_boot: 3 });
    expect((await readdir(join(dest, 'train'))).sort()).toEqual(['ankle_boot', 'sandal', 'sneaker']);
    const names = await readdir(join(dest, 'valid', 'sandal'));
    expect(names.every((n) => /^\d+\.png$/.test(n))).toBe(true);

    const dls = await ImageDataLoaders.fromFolder(dest, { bs: 4, seed: 0 });
    expect(dls.vocab).toEqual(['ankle_boot', 'sandal', 'sneaker']);
    const batch = await dls.train.oneBatch();
    expect(batch.shape).toEqual([4, 28, 28, 3]);
    // grey source: the three channels are equal
    for (let i = 0; i < batch.images.length; i += 3) expect(batch.images[i]).toBe(batch.images[i + 2]);

    await expect(fashionMnistToFolder(dest, { classes: [0], trainPerClass: 1, validPerClass: 1 })).rejects.toThrow(/already has files; pass overwrite: true/);
    const again = await fashionMnistToFolder(dest, { classes: [0], trainPerClass: 2, validPerClass: 1, overwrite: true });
    expect(again.train).toEqual({ 't-shirt_top': 2 });
    expect(await readdir(join(dest, 'train'))).toEqual(['t-shirt_top']);
  });

  it('says how to install the package when the files are missing', async () => {
    const err = await fashionMnistToFolder(await tempDir(), { source: '/nonexistent/fmnist' }).catch((e) => e);
    expect(err.code).toBe('E_IO');
    expect(err.message).toMatch(/Fashion-MNIST not found: .*does not exist\. Install it with `sudo apt-get install dataset-fashion-mnist`/);
  });

  it('checks its options', async () => {
    await expect(fashionMnistToFolder(await tempDir(), { classes: [3, 3] })).rejects.toThrow(
      /fashionMnistToFolder: expected distinct integers 0–9 for classes but received \[3, 3\]/,
    );
    await expect(fashionMnistToFolder(await tempDir(), { trainPerClass: -1 })).rejects.toThrow(
      /fashionMnistToFolder: expected an integer ≥ 0 for trainPerClass but received -1/,
    );
    expect(fashionMnistClasses).toHaveLength(10);
  });
});
