// Draws one batch as a PNG grid: each image with its label above it.
import { checkInteger, checkOptions, checkString, invalidParameterError } from '../core/validate.js';
import { writeImageGrid, type GridCell } from '../plot/image-grid.js';
import type { Batch } from './loader-contract.js';

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

/** Writes `batch` (or what `options.pixels` makes of it) as a labelled grid. */
export async function showBatch(batch: Batch, vocab: readonly string[], options: ShowBatchOptions): Promise<void> {
  const where = 'showBatch';
  checkOptions(where, options, ['path', 'nrows', 'ncols', 'split', 'pixels']);
  const path = checkString(where, 'options.path', options.path);
  const nrows = checkInteger(where, 'options.nrows', options.nrows ?? 3, { min: 1 });
  const ncols = checkInteger(where, 'options.ncols', options.ncols ?? 3, { min: 1 });
  const shown = options.pixels ? await options.pixels(batch) : batch;
  const [n, height, width, channels] = shown.shape;
  if (channels !== 3 || !(shown.images instanceof Uint8Array) || shown.images.length !== n * height * width * 3) {
    throw invalidParameterError(
      where,
      'the result of options.pixels',
      'uint8 n×height×width×3 (NHWC RGB) matching their shape',
      `shape [${shown.shape.join(', ')}] with ${shown.images.length} bytes`,
    );
  }
  const count = Math.min(n, nrows * ncols, batch.labels.length);
  const bytes = height * width * 3;
  const cells: GridCell[] = [];
  for (let i = 0; i < count; i++) {
    const text = captionOf(batch, i, vocab);
    cells.push({ pixels: shown.images.subarray(i * bytes, (i + 1) * bytes), width, height, caption: [{ text }] });
  }
  await writeImageGrid(path, cells, { ncols });
}

/** Item `i`'s target as text: its class, its classes joined by ';' (multi-label) or its values (regression). */
function captionOf(batch: Batch, i: number, vocab: readonly string[]): string {
  const { targets } = batch;
  if (targets) {
    const k = targets.length / batch.labels.length;
    const row = targets.subarray(i * k, (i + 1) * k);
    if (vocab.length !== k) return Array.from(row, (v) => String(Number(v.toPrecision(4)))).join(' ');
    return vocab.filter((_, j) => row[j] === 1).join(';');
  }
  const label = batch.labels[i] as number;
  return label >= 0 && label < vocab.length ? (vocab[label] as string) : String(label);
}
