// A PNG grid of images, each with a few lines of (optionally coloured) text above it: what
// showBatch, showResults and plotTopLosses draw.
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import sharp from 'sharp';
import { FasttuneError } from '../core/errors.js';
import { checkInteger, checkString, invalidParameterError } from '../core/validate.js';

/** One line of a caption. */
export interface CaptionLine {
  text: string;
  /** CSS colour (default dark grey). */
  color?: string;
}

/** One image of the grid: RGB uint8 pixels, row-major. */
export interface GridCell {
  pixels: Uint8Array;
  width: number;
  height: number;
  caption: readonly CaptionLine[];
}

export interface ImageGridOptions {
  /** Columns (default: the smallest square grid that fits). */
  ncols?: number;
  /** A title above the grid. */
  title?: string;
}

const LINE_HEIGHT = 18;
const GAP = 8;
/** Small images are enlarged (nearest neighbour, whole factors) to at least this many pixels. */
const MIN_SIDE = 128;

/** Enlarges an RGB image by a whole factor, nearest neighbour (one row built, then copied). */
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

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function fit(text: string, width: number, fontSize: number): string {
  const chars = Math.max(1, Math.floor(width / (0.6 * fontSize)));
  return text.length <= chars ? text : `${text.slice(0, Math.max(1, chars - 1))}…`;
}

/** Writes the cells as a grid to `path` (PNG); resolves to the path. */
export async function writeImageGrid(path: string, cells: readonly GridCell[], options: ImageGridOptions = {}): Promise<string> {
  const where = 'writeImageGrid';
  checkString(where, 'path', path);
  if (cells.length === 0) throw invalidParameterError(where, 'cells', 'at least one image', cells);
  const ncols = checkInteger(where, 'options.ncols', options.ncols ?? Math.ceil(Math.sqrt(cells.length)), { min: 1 });
  const maxW = Math.max(...cells.map((c) => c.width));
  const maxH = Math.max(...cells.map((c) => c.height));
  const k = Math.max(1, Math.ceil(MIN_SIDE / Math.max(maxW, maxH)));
  const lines = Math.max(...cells.map((c) => c.caption.length));
  const fontSize = 12;
  // Wide enough for the longest caption line (about 0.6 em per character).
  const textW = Math.ceil(Math.max(0, ...cells.flatMap((c) => c.caption.map((l) => l.text.length))) * 0.6 * fontSize) + 4;
  const columnW = Math.max(maxW * k, Math.min(textW, 480));
  const cellW = columnW + GAP;
  const cellH = maxH * k + lines * LINE_HEIGHT + GAP;
  const titleH = options.title ? LINE_HEIGHT + GAP : 0;
  const rows = Math.ceil(cells.length / ncols);
  const canvasW = Math.min(cells.length, ncols) * cellW + GAP;
  const canvasH = titleH + rows * cellH + GAP;
  const layers: sharp.OverlayOptions[] = [];
  const texts: string[] = [];
  if (options.title) {
    texts.push(
      `<text x="${canvasW / 2}" y="${GAP + LINE_HEIGHT - 4}" font-size="14" font-weight="bold" text-anchor="middle">${escapeXml(options.title)}</text>`,
    );
  }
  cells.forEach((cell, i) => {
    if (cell.pixels.length !== cell.width * cell.height * 3) {
      throw invalidParameterError(where, `cells[${i}].pixels`, `${cell.width * cell.height * 3} bytes (${cell.width}×${cell.height}×3)`, cell.pixels);
    }
    const columnLeft = GAP + (i % ncols) * cellW;
    const left = columnLeft + Math.floor((columnW - cell.width * k) / 2);
    const top = titleH + GAP + Math.floor(i / ncols) * cellH;
    const pixels = enlarge(cell.pixels, cell.width, cell.height, k);
    layers.push({
      input: Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength),
      raw: { width: cell.width * k, height: cell.height * k, channels: 3 },
      left,
      top: top + lines * LINE_HEIGHT,
    });
    cell.caption.forEach((line, j) => {
      const y = top + (j + 1) * LINE_HEIGHT - 5;
      texts.push(
        `<text x="${columnLeft + columnW / 2}" y="${y}" font-size="${fontSize}" text-anchor="middle" fill="${escapeXml(line.color ?? '#222')}">${escapeXml(fit(line.text, columnW, fontSize))}</text>`,
      );
    });
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${canvasW}" height="${canvasH}"><g font-family="DejaVu Sans, Arial, sans-serif">${texts.join('')}</g></svg>`;
  layers.push({ input: Buffer.from(svg), left: 0, top: 0 });
  await mkdir(dirname(path), { recursive: true }).catch(() => undefined);
  await sharp({ create: { width: canvasW, height: canvasH, channels: 3, background: '#ffffff' } })
    .composite(layers)
    .png()
    .toFile(path)
    .catch((error: Error) => {
      throw new FasttuneError(`cannot write ${path}: ${error.message}`, 'E_IO');
    });
  return path;
}
