// The native image path against the sharp path it stands in for: the same base sizes (so windows
// and caches do not depend on which decoder ran), the same refusals (it hands every file it does
// not take to sharp, which words the error), and bad arguments as errors, never a crash. Pixels
// are checked against PIL in test/parity/data-jpeg.test.ts and data-pixels.test.ts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, decodeWithSharp } from '../../src/data/decode-image.js';
import { nativeJpegDecoder, nativeWindowResampler } from '../../src/data/native-image.js';
import type { BaseSpec } from '../../src/data/item-geometry.js';
import { native } from '../../src/native.js';

const limits = { maxPixels: 178_956_970 };
let dir: string;

async function writeJpeg(name: string, width: number, height: number, options: { cmyk?: boolean } = {}): Promise<string> {
  const path = join(dir, name);
  let image = sharp({ create: { width, height, channels: 3, background: { r: 200, g: 90, b: 30 } } });
  if (options.cmyk) image = image.toColourspace('cmyk');
  await image.jpeg({ quality: 80 }).toFile(path);
  return path;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fasttune-jpeg-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('native image path', () => {
  // Sizes around every shrink-on-load threshold (2, 3, 4, 5, 8, 9 × the target), odd sizes,
  // smaller than the target, and tall as well as wide.
  const sizes: Array<[number, number]> = [
    [500, 375],
    [375, 500],
    [448, 336],
    [449, 337],
    [671, 503],
    [672, 504],
    [897, 673],
    [1121, 841],
    [1792, 1344],
    [2017, 1513],
    [150, 100],
    [224, 224],
    [333, 251],
    [1003, 97],
    [61, 1203],
  ];
  const specs: BaseSpec[] = [
    { width: 224, height: 224, fit: 'outside', withoutEnlargement: false },
    { width: 240, height: 160, fit: 'outside', withoutEnlargement: false },
    { width: 224, height: 224, fit: 'inside', withoutEnlargement: false },
    { width: 256, height: 256, fit: 'fill', withoutEnlargement: false },
    { width: 792, height: 792, fit: 'outside', withoutEnlargement: true },
  ];

  // Both size the base from the file's dimensions; sharp, when it shrinks on load (by 2, 4 or 8),
  // sizes from the shrunk decode instead and can round the other way: one pixel, in one case of
  // this grid (1003×97 inside 224: 224×22 here, 224×21 by sharp).
  it('makes bases of the same size as the sharp path, for every size and fit', async () => {
    const jpeg = nativeJpegDecoder()!;
    expect(jpeg).not.toBeNull();
    const exact: string[] = [];
    const offByOne: string[] = [];
    for (const [w, h] of sizes) {
      const path = await writeJpeg(`${w}x${h}.jpg`, w, h);
      for (const spec of specs) {
        const ours = (await jpeg(path, spec, limits.maxPixels))!;
        const theirs = await decodeWithSharp(path, spec, limits);
        const dw = Math.abs(ours.width - theirs.width);
        const dh = Math.abs(ours.height - theirs.height);
        const line = `${w}×${h} ${JSON.stringify(spec)}: ${ours.width}×${ours.height} vs ${theirs.width}×${theirs.height}`;
        const shrinksOnLoad = spec.fit !== 'fill' && Math.min(w / ours.width, h / ours.height) >= 3;
        if (dw + dh > 0) (shrinksOnLoad && dw <= 1 && dh <= 1 ? offByOne : exact).push(line);
      }
    }
    expect(exact).toEqual([]);
    expect(offByOne.length).toBeLessThanOrEqual(1);
  });

  it('leaves to sharp what it does not take: CMYK, other formats, truncated, too large, missing', async () => {
    const jpeg = nativeJpegDecoder()!;
    const spec = specs[0]!;
    const good = await writeJpeg('good.jpg', 300, 200);
    const cmyk = await writeJpeg('cmyk.jpg', 64, 48, { cmyk: true });
    const png = join(dir, 'image.png');
    await sharp(good).png().toFile(png);
    const truncated = join(dir, 'truncated.jpg');
    const bytes = await sharp(good).toBuffer();
    writeFileSync(truncated, bytes.subarray(0, bytes.length >> 1));
    expect(await jpeg(good, spec, limits.maxPixels)).not.toBeNull();
    for (const path of [cmyk, png, truncated, join(dir, 'missing.jpg'), dir]) expect(await jpeg(path, spec, limits.maxPixels)).toBeNull();
    expect(await jpeg(good, spec, 300 * 200 - 1)).toBeNull();
    expect(await jpeg(bytes.subarray(0, 100), spec, limits.maxPixels)).toBeNull();
    // …and sharp then decodes or words the error, as before.
    expect((await decodeImage(cmyk, null, limits)).width).toBe(64);
    await expect(decodeImage(truncated, spec, limits)).rejects.toThrow(/truncated\.jpg: the file is corrupt or truncated/);
    await expect(decodeImage(good, spec, { maxPixels: 1000 })).rejects.toThrow(/more than 1000 pixels/);
  });

  it('refuses, before decoding, a JPEG whose base would pass maxPixels (an extreme aspect ratio)', async () => {
    const path = await writeJpeg('ribbon.jpg', 60_000, 2);
    // Only the native guard words it this way; sharp would have made the 1.5-gigapixel base.
    await expect(decodeImage(path, specs[0]!, limits)).rejects.toThrow(
      expect.objectContaining({
        code: 'E_IO',
        message: expect.stringMatching(
          /ribbon\.jpg: its 60000 × 2 pixels would make a 6720000 × 224 image for this transform, more than the maxPixels limit \(178956970\)/,
        ),
      }),
    );
    // Without a transform it is an ordinary image.
    expect((await decodeImage(path, null, limits)).width).toBe(60_000);
  });

  it('refuses bad arguments with an E_ARG error', async () => {
    const decode = native().decodeJpegBase!;
    const path = await writeJpeg('args.jpg', 40, 30);
    const bad = (spec: unknown, input: unknown = path) => decode(input as string, spec as BaseSpec, 1e9);
    expect(() => bad({ width: 0, height: 10, fit: 'outside' })).toThrow(
      expect.objectContaining({ code: 'E_ARG', message: expect.stringMatching(/spec\.width/) }),
    );
    expect(() => bad({ width: 10, height: 10, fit: 'cover' })).toThrow(/spec\.fit must be outside, inside or fill, got cover/);
    expect(() => bad(7)).toThrow(/spec must be an object or null/);
    expect(() => bad(null, 42)).toThrow(/input must be a file path or a Uint8Array/);
    expect(() => decode(path, null, Number.NaN)).toThrow(/maxPixels must be a number ≥ 1/);
    expect(await decode(path, null, Number.POSITIVE_INFINITY)).toMatchObject({ width: 40, height: 30 });
  });

  it('resamples a window, and refuses windows outside the image and bad sizes with E_ARG', async () => {
    const resample = nativeWindowResampler()!;
    const image = { width: 4, height: 3, data: Uint8Array.from({ length: 36 }, (_, i) => i * 7) };
    // A window the size of the output is copied as it is.
    const same = await resample(image, { left: 1, top: 1, width: 2, height: 2 }, 2, 2);
    expect([...same]).toEqual([...image.data.subarray(15, 21), ...image.data.subarray(27, 33)]);
    expect((await resample(image, { left: 0, top: 0, width: 4, height: 3 }, 7, 5)).length).toBe(7 * 5 * 3);
    const call = (win: [number, number, number, number], w = 2, h = 2, data = image.data) => native().resampleWindow(data, 4, 3, win, w, h);
    expect(() => call([3, 0, 2, 1])).toThrow(
      expect.objectContaining({ code: 'E_ARG', message: expect.stringMatching(/window width must be an integer from 1 to 1/) }),
    );
    expect(() => call([0, -1, 1, 1])).toThrow(/window top must be an integer from 0 to 2/);
    expect(() => call([0, 0, 1, 1], 0)).toThrow(/outWidth must be an integer/);
    expect(() => call([0, 0, 1, 1], 2, 2, image.data.subarray(1))).toThrow(/pixels must hold width × height × 3 bytes/);
  });
});
