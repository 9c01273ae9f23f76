// showBatch: a labelled PNG grid of one batch, with pluggable displayed pixels.
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { ImageDataLoaders } from '../../src/data/dataloaders.js';
import { Resize } from '../../src/data/transforms.js';
import { type Batch } from '../../src/data/types.js';
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
  return { data, width: info.width, height: info.height, at: (x: number, y: number) => Array.from(data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3)) };
}

describe('showBatch', () => {
  it('writes nrows × ncols labelled cells (small images enlarged)', async () => {
    const path = join(dir, 'grid.png');
    await dls.showBatch({ path, nrows: 2, ncols: 3 });
    const png = await read(path);
    // 48 px images are shown at 96 px, cells of 96 + 6 gap, plus a 22 px label strip
    expect([png.width, png.height]).toEqual([3 * 102 + 6, 2 * (96 + 22 + 6) + 6]);
    // the label strip of the first cell holds dark text on white
    let dark = 0;
    for (let y = 6; y < 28; y++) for (let x = 6; x < 102; x++) if (png.at(x, y)[0]! < 128) dark++;
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
    expect([png.width, png.height]).toEqual([2 * 106 + 6, 100 + 22 + 6 + 6]);
    expect(png.at(50, 80)).toEqual([255, 0, 0]);
  });

  it('refuses bad options', async () => {
    await expect(dls.showBatch({ path: '' })).rejects.toThrow(/give the PNG file to write/);
    await expect(dls.showBatch({ path: join(dir, 'x.png'), nrows: 0 })).rejects.toThrow(/nrows must be a positive integer, got 0/);
    await expect(dls.showBatch({ path: join(dir, 'x.png'), pixels: () => ({ images: new Uint8Array(3), shape: [1, 2, 2, 3] }) })).rejects.toThrow(/pixels must be n×h×w×3 uint8/);
    await expect(dls.showBatch({ path: join(dir, 'no/such/dir/x.png') })).rejects.toThrow(/cannot write .*x\.png/);
  });
});
