// Turns Fashion-MNIST's IDX files (Debian's dataset-fashion-mnist package) into an image folder
// tree `train|valid/<class>/<index>.png` that ImageDataLoaders.fromFolder reads.
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import sharp from 'sharp';
import { FasttuneError } from '../core/errors.js';
import { checkInteger, checkOptions, checkString, invalidParameterError } from '../core/validate.js';
import { Limiter } from './limiter.js';

/** Folder names of the ten classes, in label order (0 = T-shirt/top … 9 = ankle boot). */
export const fashionMnistClasses: readonly string[] = [
  't-shirt_top',
  'trouser',
  'pullover',
  'dress',
  'coat',
  'sandal',
  'shirt',
  'sneaker',
  'bag',
  'ankle_boot',
];

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export interface FashionMnistOptions {
  /** Folder with the `*-idx?-ubyte.gz` files (default Debian's). */
  source?: string;
  /** Class indices to write (default all ten). */
  classes?: readonly number[];
  /** Training images per class, the first ones of the training file (default all, 6000). */
  trainPerClass?: number;
  /** Validation images per class, the first ones of the test file (default all, 1000). */
  validPerClass?: number;
  /** Remove existing `train/` and `valid/` under the destination first (default false: refuse). */
  overwrite?: boolean;
}

export interface FashionMnistSummary {
  dest: string;
  classes: string[];
  /** Images written per class name. */
  train: Record<string, number>;
  valid: Record<string, number>;
}

interface Idx {
  count: number;
  rows: number;
  cols: number;
  data: Buffer;
}

async function readIdx(path: string, magic: number): Promise<Idx> {
  let bytes: Buffer;
  try {
    bytes = gunzipSync(await readFile(path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new FasttuneError(
        `Fashion-MNIST not found: ${path} does not exist. Install it with \`sudo apt-get install dataset-fashion-mnist\` or pass source`,
        'E_IO',
      );
    }
    throw new FasttuneError(`Cannot read ${path}: ${(error as Error).message}`, 'E_IO');
  }
  const dims = magic & 0xff;
  if (bytes.length < 4 + 4 * dims || bytes.readUInt32BE(0) !== magic) {
    throw new FasttuneError(`${path} is not an IDX file of the expected kind (magic ${magic})`, 'E_IO');
  }
  const count = bytes.readUInt32BE(4);
  const rows = dims === 3 ? bytes.readUInt32BE(8) : 1;
  const cols = dims === 3 ? bytes.readUInt32BE(12) : 1;
  const data = bytes.subarray(4 + 4 * dims);
  if (data.length !== count * rows * cols)
    throw new FasttuneError(`${path} is truncated: expected ${count * rows * cols} bytes of data, found ${data.length}`, 'E_IO');
  return { count, rows, cols, data };
}

function checkCount(name: string, value: number | undefined): number {
  if (value === undefined) return Infinity;
  return checkInteger('fashionMnistToFolder', name, value, { min: 0 });
}

/**
 * Writes Fashion-MNIST images as PNGs under `dest/train/<class>/` (from the training file) and
 * `dest/valid/<class>/` (from the test file), named by their index in the source file.
 * @example await fashionMnistToFolder('data/target', { classes: [5, 6, 7, 8, 9], trainPerClass: 60, validPerClass: 40 })
 */
export async function fashionMnistToFolder(dest: string, options: FashionMnistOptions = {}): Promise<FashionMnistSummary> {
  checkString('fashionMnistToFolder', 'dest', dest);
  checkOptions('fashionMnistToFolder', options, ['source', 'classes', 'trainPerClass', 'validPerClass', 'overwrite']);
  const source = options.source ?? FASHION_MNIST_DIR;
  const classes = [...(options.classes ?? fashionMnistClasses.map((_, i) => i))];
  if (classes.length === 0 || new Set(classes).size !== classes.length || !classes.every((c) => Number.isInteger(c) && c >= 0 && c <= 9)) {
    throw invalidParameterError('fashionMnistToFolder', 'classes', 'distinct integers 0–9', options.classes);
  }
  const perClass = { train: checkCount('trainPerClass', options.trainPerClass), valid: checkCount('validPerClass', options.validPerClass) };
  for (const split of ['train', 'valid'] as const) {
    const existing = await readdir(join(dest, split)).catch(() => []);
    if (existing.length > 0) {
      if (!options.overwrite)
        throw new FasttuneError(`fashionMnistToFolder: ${join(dest, split)} already has files; pass overwrite: true to replace them`, 'E_IO');
      await rm(join(dest, split), { recursive: true, force: true });
    }
  }

  const summary: FashionMnistSummary = { dest, classes: classes.map((c) => fashionMnistClasses[c] as string), train: {}, valid: {} };
  const limiter = new Limiter(8);
  for (const [split, prefix] of [
    ['train', 'train'],
    ['valid', 't10k'],
  ] as const) {
    const images = await readIdx(join(source, `${prefix}-images-idx3-ubyte.gz`), 0x803);
    const labels = await readIdx(join(source, `${prefix}-labels-idx1-ubyte.gz`), 0x801);
    if (images.count !== labels.count) throw new FasttuneError(`${source}: ${prefix} has ${images.count} images but ${labels.count} labels`, 'E_IO');
    const written = new Map(classes.map((c) => [c, 0]));
    const jobs: Promise<unknown>[] = [];
    for (const c of classes) await mkdir(join(dest, split, fashionMnistClasses[c] as string), { recursive: true });
    const size = images.rows * images.cols;
    for (let i = 0; i < images.count; i++) {
      const c = labels.data[i] as number;
      const done = written.get(c);
      if (done === undefined || done >= perClass[split]) continue;
      written.set(c, done + 1);
      const pixels = images.data.subarray(i * size, (i + 1) * size);
      const file = join(dest, split, fashionMnistClasses[c] as string, `${i}.png`);
      jobs.push(
        limiter.run(() =>
          sharp(pixels, { raw: { width: images.cols, height: images.rows, channels: 1 } })
            .png()
            .toFile(file),
        ),
      );
    }
    await Promise.all(jobs);
    for (const c of classes) summary[split][fashionMnistClasses[c] as string] = written.get(c) as number;
  }
  return summary;
}
