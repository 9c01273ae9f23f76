// Every supported input arrives as 8-bit RGB: formats, grey, alpha, 16-bit, CMYK, EXIF orientation.
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { ImageDataLoaders } from '../../src/data/dataloaders.js';
import { loadImage } from '../../src/data/load-image.js';
import { Resize } from '../../src/data/item-transforms.js';
import { pattern, tempDir, writeImage, type Format } from '../helpers/images.js';

let dir: string;
beforeAll(async () => {
  dir = await tempDir();
});

const pixel = (img: { data: Uint8Array; width: number }, x: number, y: number) =>
  Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));

describe('formats', () => {
  it.each(['png', 'jpeg', 'webp', 'gif', 'tiff'] as Format[])('%s decodes to RGB', async (format) => {
    const path = join(dir, `img.${format}`);
    await writeImage(path, 3, { format, width: 24, height: 18 });
    const img = await loadImage(path);
    expect([img.width, img.height, img.data.length]).toEqual([24, 18, 24 * 18 * 3]);
    if (format === 'png') expect(Buffer.from(img.data).equals(pattern(24, 18, 3))).toBe(true);
  });

  it('grey images become three equal channels', async () => {
    const path = join(dir, 'grey.png');
    await sharp(Buffer.from([0, 50, 100, 150, 200, 250]), { raw: { width: 3, height: 2, channels: 1 } })
      .png()
      .toFile(path);
    const img = await loadImage(path);
    expect(Array.from(img.data)).toEqual([0, 50, 100, 150, 200, 250].flatMap((v) => [v, v, v]));
  });

  it('alpha is dropped and the colour under it kept (PIL convert("RGB")), also when resizing', async () => {
    const path = join(dir, 'rgba.png');
    const rgba = Buffer.alloc(8 * 8 * 4);
    for (let i = 0; i < 64; i++) rgba.set([200, 100, 50, i < 32 ? 0 : 128], i * 4);
    await sharp(rgba, { raw: { width: 8, height: 8, channels: 4 } })
      .png()
      .toFile(path);
    const full = await loadImage(path);
    expect(pixel(full, 0, 0)).toEqual([200, 100, 50]);
    const small = await loadImage(path, { itemTfms: Resize(4, { method: 'squish' }) });
    expect(new Set(Array.from(small.data))).toEqual(new Set([200, 100, 50]));
    const greyAlpha = join(dir, 'la.png');
    await sharp(Buffer.from(Array.from({ length: 32 }, (_, i) => (i % 2 ? 128 : 77))), { raw: { width: 4, height: 4, channels: 2 } })
      .png()
      .toFile(greyAlpha);
    const la = await loadImage(greyAlpha, { itemTfms: Resize(2, { method: 'squish' }) });
    expect(Array.from(la.data)).toEqual(Array(12).fill(77));
  });

  it('16-bit images are scaled to 8 bits', async () => {
    const path = join(dir, 'deep.png');
    const values = new Uint16Array(4 * 4 * 3).map((_, i) => [1000, 30000, 65535][i % 3]!);
    await sharp(values, { raw: { width: 4, height: 4, channels: 3, depth: 'ushort' } as sharp.CreateRaw })
      .toColourspace('rgb16')
      .png()
      .toFile(path);
    expect((await sharp(path).metadata()).depth).toBe('ushort');
    const img = await loadImage(path);
    expect(pixel(img, 1, 1)).toEqual([3, 117, 255]);
  });

  it('CMYK JPEGs are converted to sRGB', async () => {
    const path = join(dir, 'cmyk.jpg');
    await sharp(Buffer.alloc(8 * 8 * 3, 128), { raw: { width: 8, height: 8, channels: 3 } })
      .toColourspace('cmyk')
      .jpeg()
      .toFile(path);
    expect((await sharp(path).metadata()).space).toBe('cmyk');
    const img = await loadImage(path);
    expect(img.data.length).toBe(8 * 8 * 3);
    for (const v of pixel(img, 4, 4)) expect(Math.abs(v - 128)).toBeLessThan(25);
  });

  it('EXIF orientation is applied before any transform', async () => {
    const path = join(dir, 'rotated.jpg');
    // stored 30 wide × 20 high, tagged "rotate 90° clockwise to display"
    const stored = Buffer.alloc(30 * 20 * 3);
    for (let y = 0; y < 20; y++) for (let x = 0; x < 30; x++) stored.set(x < 15 ? [255, 0, 0] : [0, 0, 255], (y * 30 + x) * 3);
    await sharp(stored, { raw: { width: 30, height: 20, channels: 3 } })
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toFile(path);
    const img = await loadImage(path);
    expect([img.width, img.height]).toEqual([20, 30]);
    expect(pixel(img, 10, 3)[0]).toBeGreaterThan(200); // red is on top once displayed upright
    expect(pixel(img, 10, 27)[2]).toBeGreaterThan(200);
    const squished = await loadImage(path, { itemTfms: Resize([30, 10], { method: 'squish' }) });
    expect(pixel(squished, 5, 2)[0]).toBeGreaterThan(200);
  });

  it('a folder of mixed formats and sizes loads with an item transform', async () => {
    const root = await tempDir();
    const formats: Format[] = ['png', 'jpeg', 'webp', 'gif', 'tiff'];
    for (const [i, f] of formats.entries()) {
      await writeImage(join(root, 'train', i % 2 ? 'odd' : 'even', `${i}.${f === 'jpeg' ? 'jpg' : f}`), i, {
        format: f,
        width: 20 + i * 7,
        height: 15 + i * 3,
      });
    }
    await writeImage(join(root, 'valid', 'odd', 'v.png'), 9);
    const dls = await ImageDataLoaders.fromFolder(root, { bs: 5, itemTfms: Resize(12), seed: 0 });
    const batch = await dls.train.oneBatch();
    expect(batch.shape).toEqual([5, 12, 12, 3]);
  });
});
