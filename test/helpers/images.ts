// Small generated images and folder trees for the data tests.
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';

export async function tempDir(prefix = 'fasttune-data-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Deterministic RGB pixels: a gradient tinted by `tag`, so every image differs. */
export function pattern(width: number, height: number, tag: number): Buffer {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      data[o] = (x * 7 + tag * 37) & 255;
      data[o + 1] = (y * 5 + tag * 11) & 255;
      data[o + 2] = ((x ^ y) + tag * 53) & 255;
    }
  }
  return data;
}

export type Format = 'png' | 'jpeg' | 'webp' | 'gif' | 'tiff';

/** Writes an image of `width` × `height` (default 40 × 30) at `path`. */
export async function writeImage(path: string, tag: number, { width = 40, height = 30, format = 'png' as Format } = {}): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const img = sharp(pattern(width, height, tag), { raw: { width, height, channels: 3 } });
  await img.toFormat(format).toFile(path);
}

/** Writes `count` images into each folder of `spec` (e.g. { 'train/cat': 5 }); returns the paths. */
export async function writeTree(
  root: string,
  spec: Record<string, number>,
  options: { width?: number; height?: number; format?: Format } = {},
): Promise<string[]> {
  const ext = options.format === 'jpeg' ? 'jpg' : (options.format ?? 'png');
  const paths: string[] = [];
  let tag = 0;
  for (const [folder, count] of Object.entries(spec)) {
    for (let i = 0; i < count; i++) {
      const path = join(root, folder, `${folder.replace(/\W/g, '_')}_${i}.${ext}`);
      await writeImage(path, tag++, options);
      paths.push(path);
    }
  }
  return paths;
}
