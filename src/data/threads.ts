// How many images the loaders decode at once, and how many threads libvips gives each.
//
// sharp runs every pipeline on one of libuv's threadpool threads (UV_THREADPOOL_SIZE, default 4,
// read once when the process starts; setting it later from JavaScript has no effect), and libvips
// may add `sharp.concurrency()` threads of its own per image. Images of a few hundred pixels
// gain little from libvips' own threads (JPEG decoding is sequential), so the loaders keep one
// image per pool thread in flight and give each image cores / pool-size libvips threads: with
// UV_THREADPOOL_SIZE equal to the core count that is one thread per image and every core busy.
// Measurements behind these defaults: src/data/README.md (from test/bench/data.bench.ts).
import { availableParallelism } from 'node:os';
import sharp from 'sharp';

/** libuv's threadpool size for this process. */
export function threadpoolSize(): number {
  const v = Number(process.env.UV_THREADPOOL_SIZE);
  return Number.isInteger(v) && v > 0 ? Math.min(v, 1024) : 4;
}

/** Images decoded at once by default: one per threadpool thread. */
export function defaultDecodeSlots(): number {
  return threadpoolSize();
}

let tuned = false;

/** Sets libvips' per-image threads once, unless FASTTUNE_SHARP_CONCURRENCY overrides it. */
export function tuneSharp(): void {
  if (tuned) return;
  tuned = true;
  const forced = Number(process.env.FASTTUNE_SHARP_CONCURRENCY);
  const perImage = Number.isInteger(forced) && forced > 0 ? forced : Math.max(1, Math.floor(availableParallelism() / threadpoolSize()));
  sharp.concurrency(perImage);
}
