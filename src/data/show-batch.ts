// Draws one batch as a PNG grid: each image with its label above it.
import sharp from 'sharp';
import { FasttuneError } from '../core/errors.js';
import type { Batch } from './types.js';

/** Pixels to display for a batch: uint8 NHWC RGB, like {@link Batch.images}. */
export interface DisplayPixels {
  images: Uint8Array;
  shape: [n: number, height: number, width: number, channels: number];
}

export interface ShowBatchOptions {
  /** PNG file to write. */
  path: string;
  /** Grid rows (default 3). */
  nrows?: number;
  /** Grid columns (default 3). */
  ncols?: number;
  /** Which loader's batch (default 'train'). */
  split?: 'train' | 'valid';
  /**
   * Produces the displayed pixels from a batch (default: the batch's own, item-transformed
   * pixels). Plug in the device augmentation here to see what the model sees.
   */
  pixels?: (batch: Batch) => DisplayPixels | Promise<DisplayPixels>;
}

const LABEL_HEIGHT = 22;
const GAP = 6;
/** Small images are enlarged (nearest neighbour, whole factors) to at least this many pixels. */
const MIN_SIDE = 96;

/** Enlarges an RGB image by a whole factor, nearest neighbour. */
function enlarge(pixels: Uint8Array, width: number, height: number, k: number): Uint8Array {
  if (k === 1) return pixels;
  const out = new Uint8Array(width * k * height * k * 3);
  const rowBytes = width * k * 3;
  for (let y = 0; y < height; y++) {
    const row = out.subarray(y * k * rowBytes, (y * k + 1) * rowBytes);
    for (let x = 0; x < width; x++) {
      const s = (y * width + x) * 3;
      for (let i = 0; i < k; i++) row.set(pixels.subarray(s, s + 3), (x * k + i) * 3);
    }
    for (let i = 1; i < k; i++) out.copyWithin((y * k + i) * rowBytes, y * k * rowBytes, (y * k + 1) * rowBytes);
  }
  return out;
}

function fit(text: string, width: number, fontSize: number): string {
  const chars = Math.max(1, Math.floor(width / (0.6 * fontSize)));
  return text.length <= chars ? text : `${text.slice(0, Math.max(1, chars - 1))}…`;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Writes `batch` (or what `options.pixels` makes of it) as a labelled grid. */
export async function showBatch(batch: Batch, vocab: readonly string[], options: ShowBatchOptions): Promise<void> {
  if (!options || typeof options.path !== 'string' || options.path === '') {
    throw new FasttuneError('showBatch: give the PNG file to write as { path }', 'E_ARG');
  }
  const nrows = options.nrows ?? 3;
  const ncols = options.ncols ?? 3;
  for (const [name, v] of [['nrows', nrows], ['ncols', ncols]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new FasttuneError(`showBatch: ${name} must be a positive integer, got ${String(v)}`, 'E_ARG');
  }
  const shown = options.pixels ? await options.pixels(batch) : batch;
  const [n, height, width, channels] = shown.shape;
  if (channels !== 3 || shown.images.length !== n * height * width * 3) {
    throw new FasttuneError(`showBatch: pixels must be n×h×w×3 uint8, got shape [${shown.shape.join(', ')}] with ${shown.images.length} bytes`, 'E_ARG');
  }
  const count = Math.min(n, nrows * ncols, batch.labels.length);
  const rows = Math.ceil(count / ncols);
  const k = Math.max(1, Math.ceil(MIN_SIDE / Math.max(height, width)));
  const [cellImgW, cellImgH] = [width * k, height * k];
  const cellW = cellImgW + GAP;
  const cellH = cellImgH + LABEL_HEIGHT + GAP;
  const canvasW = Math.min(count, ncols) * cellW + GAP;
  const canvasH = rows * cellH + GAP;
  const bytes = height * width * 3;
  const layers: sharp.OverlayOptions[] = [];
  const texts: string[] = [];
  const fontSize = Math.min(16, Math.max(10, Math.floor(cellImgW / 8)));
  for (let i = 0; i < count; i++) {
    const left = GAP + (i % ncols) * cellW;
    const top = GAP + Math.floor(i / ncols) * cellH;
    const pixels = enlarge(shown.images.subarray(i * bytes, (i + 1) * bytes), width, height, k);
    layers.push({ input: Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength), raw: { width: cellImgW, height: cellImgH, channels: 3 }, left, top: top + LABEL_HEIGHT });
    const label = batch.labels[i] as number;
    const text = label >= 0 && label < vocab.length ? (vocab[label] as string) : String(label);
    texts.push(
      `<text x="${left + cellImgW / 2}" y="${top + LABEL_HEIGHT - 6}" font-size="${fontSize}" text-anchor="middle">${escapeXml(fit(text, cellImgW, fontSize))}</text>`,
    );
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${canvasW}" height="${canvasH}"><g font-family="DejaVu Sans, Arial, sans-serif" fill="#222">${texts.join('')}</g></svg>`;
  layers.push({ input: Buffer.from(svg), left: 0, top: 0 });
  await sharp({ create: { width: canvasW, height: canvasH, channels: 3, background: '#ffffff' } })
    .composite(layers)
    .png()
    .toFile(options.path)
    .catch((error: Error) => {
      throw new FasttuneError(`showBatch: cannot write ${options.path}: ${error.message}`, 'E_IO');
    });
}
