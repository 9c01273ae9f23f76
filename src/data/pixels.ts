// Copies windows out of decoded RGB images, padding outside the image the way fastai's pad
// modes do (numpy's 'reflect', 'edge', 'constant' 0).
import type { PadMode } from '../augment/batch-transform.js';
import type { Window } from './item-geometry.js';

export type { PadMode };

/** A decoded image: uint8 RGB, row-major, height × width × 3. */
export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Where index i (possibly outside [0, n)) reads from, or -1 for a zero pixel. */
function sourceIndex(i: number, n: number, mode: PadMode): number {
  if (i >= 0 && i < n) return i;
  if (mode === 'zeros') return -1;
  if (mode === 'border' || n === 1) return i < 0 ? 0 : n - 1;
  // Reflection without repeating the edge pixel; periodic with period 2(n - 1).
  const period = 2 * (n - 1);
  let k = i % period;
  if (k < 0) k += period;
  return k < n ? k : period - k;
}

/**
 * Writes the `win` window of `src` (width × height × 3 bytes) into `dst` at `offset`.
 * Pixels of the window outside the image are filled per `mode`.
 */
export function copyWindow(src: RawImage, win: Window, mode: PadMode, dst: Uint8Array, offset: number): void {
  const { width: sw, height: sh, data } = src;
  const rowBytes = win.width * 3;
  const inside = win.left >= 0 && win.top >= 0 && win.left + win.width <= sw && win.top + win.height <= sh;
  if (inside) {
    for (let y = 0; y < win.height; y++) {
      const start = ((win.top + y) * sw + win.left) * 3;
      dst.set(data.subarray(start, start + rowBytes), offset + y * rowBytes);
    }
    return;
  }
  const columns = new Int32Array(win.width);
  for (let x = 0; x < win.width; x++) columns[x] = sourceIndex(win.left + x, sw, mode);
  // The run of columns that lie inside the image is copied in one piece per row.
  const firstIn = Math.max(0, -win.left);
  const lastIn = Math.min(win.width, sw - win.left);
  for (let y = 0; y < win.height; y++) {
    const out = offset + y * rowBytes;
    const sy = sourceIndex(win.top + y, sh, mode);
    if (sy < 0) {
      dst.fill(0, out, out + rowBytes);
      continue;
    }
    const row = sy * sw * 3;
    if (lastIn > firstIn) {
      const start = row + (win.left + firstIn) * 3;
      dst.set(data.subarray(start, start + (lastIn - firstIn) * 3), out + firstIn * 3);
    }
    for (let x = 0; x < win.width; x++) {
      if (x === firstIn && lastIn > firstIn) {
        x = lastIn - 1;
        continue;
      }
      const sx = columns[x] as number;
      const o = out + x * 3;
      if (sx < 0) {
        dst[o] = 0;
        dst[o + 1] = 0;
        dst[o + 2] = 0;
      } else {
        const s = row + sx * 3;
        dst[o] = data[s] as number;
        dst[o + 1] = data[s + 1] as number;
        dst[o + 2] = data[s + 2] as number;
      }
    }
  }
}
