// showBatch: a labelled PNG grid of one batch, with pluggable displayed pixels.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { ImageDataLoaders } from '../../src/data/dataloaders.js';
import { Resize } from '../../src/data/item-transforms.js';
import type { Batch } from '../../src/data/loader-contract.js';
import { tempDir, writeTree } from '../helpers/images.js';

let dir: string;
let dls: ImageDataLoaders;
beforeAll(async () => {
  dir = await tempDir();
  await writeTree(dir, { 'train/cat': 4, 'train/dog': 4, 'valid/cat': 2 });
  dls = await ImageDataLoaders.fromFolder(dir, { bs: 6, itemTfms: Resize(48), seed: 0 });
});

async function read(path: string) {
  const { data, info } = await sharp(path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return {
    data,
    width: info.width,
    height: info.height,
    at: (x: number, y: number) => Array.from(data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3)),
  };
}

describe('showBatch', () => {
  it('writes nrows × ncols labelled cells (small images enlarged)', async () => {
    const path = join(dir, 'grid.png');
    await dls.showBatch({ path, nrows: 2, ncols: 3 });
    const png = await read(path);
    // the image grid's layout: 48 px images shown at 144 px (at least 128), cells of 144 + 8 gap,
    // plus an 18 px caption line
    expect([png.width, png.height]).toEqual([3 * 152 + 8, 2 * (144 + 18 + 8) + 8]);
    // the caption line of the first cell holds dark text on white
    let dark = 0;
    for (let y = 8; y < 26; y++) for (let x = 8; x < 152; x++) if (png.at(x, y)[0]! < 128) dark++;
    expect(dark).toBeGreaterThan(20);
  });

  it('shows the pixels a plugged-in function produces for the batch', async () => {
    const path = join(dir, 'plugged.png');
    let seen: Batch | undefined;
    await dls.showBatch({
      path,
      nrows: 1,
      ncols: 2,
      split: 'valid',
      pixels: (batch) => {
        seen = batch;
        const n = batch.shape[0];
        const images = new Uint8Array(n * 100 * 100 * 3);
        for (let i = 0; i < images.length; i += 3) images[i] = 255; // all red
        return { images, shape: [n, 100, 100, 3] };
      },
    });
    expect(seen?.shape).toEqual([2, 48, 48, 3]);
    const png = await read(path);
    expect([png.width, png.height]).toEqual([2 * 208 + 8, 200 + 18 + 8 + 8]);
    expect(png.at(50, 80)).toEqual([255, 0, 0]);
  });

  it('refuses bad options', async () => {
    await expect(dls.showBatch({ path: '' })).rejects.toThrow(/showBatch: expected a non-empty string for options.path but received ''/);
    await expect(dls.showBatch({ path: join(dir, 'x.png'), nrows: 0 })).rejects.toThrow(/showBatch: expected an integer ≥ 1 for options.nrows but received 0/);
    await expect(dls.showBatch({ path: join(dir, 'x.png'), pixels: () => ({ images: new Uint8Array(3), shape: [1, 2, 2, 3] }) })).rejects.toThrow(
      /showBatch: expected uint8 n×height×width×3 .* for the result of options.pixels but received 'shape \[1, 2, 2, 3\] with 3 bytes'/,
    );
    // a file where a folder should be: the folder cannot be made, nor the PNG written
    await writeFile(join(dir, 'plain-file'), 'x');
    await expect(dls.showBatch({ path: join(dir, 'plain-file/x.png') })).rejects.toThrow(/cannot write .*x\.png/);
  });
});
