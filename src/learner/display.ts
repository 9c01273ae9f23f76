// Pixels of chosen items as the model saw them (item transforms, then the batch transforms'
// resample), for the image grids of showResults and plotTopLosses.
import { applyAugment } from '../augment/apply.js';
import type { Batch, DataLoader } from '../data/loader-contract.js';
import type { GridCell } from '../plot/image-grid.js';

/** An item's displayed pixels. */
export type ItemPixels = Omit<GridCell, 'caption'>;

/** The pixels of one batch after its batch transforms (a resample on the CPU when it has some). */
export async function displayedBatch(batch: Batch): Promise<Pick<Batch, 'images' | 'shape'>> {
  if (!batch.augment) return batch;
  return applyAugment(batch, { device: 'cpu' });
}

/**
 * Iterates `dl` once (it must yield items in a fixed order) and returns the pixels of the items at
 * `indices`, in that order.
 */
export async function itemPixels(dl: DataLoader, indices: readonly number[]): Promise<ItemPixels[]> {
  const wanted = new Map<number, number[]>();
  indices.forEach((item, slot) => wanted.set(item, [...(wanted.get(item) ?? []), slot]));
  const out: ItemPixels[] = new Array(indices.length);
  const last = Math.max(-1, ...indices);
  let offset = 0;
  for await (const batch of dl) {
    const n = batch.labels.length;
    const hits = [...wanted.keys()].filter((i) => i >= offset && i < offset + n);
    if (hits.length > 0) {
      const shown = await displayedBatch(batch);
      const [, height, width] = shown.shape;
      const bytes = height * width * 3;
      for (const item of hits) {
        const r = item - offset;
        const cell = { pixels: shown.images.slice(r * bytes, (r + 1) * bytes), width, height };
        for (const slot of wanted.get(item) as number[]) out[slot] = cell;
      }
    }
    offset += n;
    if (offset > last) break;
  }
  return out;
}
