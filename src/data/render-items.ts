// Per-item work of a batch, shared by the in-process decoder and the worker threads: fetch each
// item's base image and render it into its slot, each item drawing from its own random stream.
import type { RawImage } from './pixels.js';
import { StreamRng } from '../core/rng.js';
import type { CancelToken, ImageSource } from './source.js';
import { itemTransformFromConfig, type ItemTransform, type ItemTransformConfig, type Split } from './item-transforms.js';

/** One image of a batch: its slot in the batch and its index in the loader's items. */
export interface ItemJob {
  slot: number;
  index: number;
  path: string;
}

/** The items of one batch (or the part of it one worker renders). */
export interface RenderJob {
  items: ItemJob[];
  /** Item transform; null decodes the images as they are. */
  transform: ItemTransformConfig | null;
  split: Split;
  seed: number;
  /** Stream keys before the item index (stream kind, split, epoch). */
  stream: number[];
}

const built = new Map<string, ItemTransform>();

/** The transform a config describes (built once per config). */
export function transformOf(config: ItemTransformConfig): ItemTransform {
  const key = JSON.stringify(config);
  let tfm = built.get(key);
  if (!tfm) {
    tfm = itemTransformFromConfig(config);
    built.set(key, tfm);
  }
  return tfm;
}

/** Bytes one item takes in a batch: height × width × 3. */
export function itemBytes(config: ItemTransformConfig): number {
  const [h, w] = config.size;
  return h * w * 3;
}

/** Renders every item of `job` into `out` at slot × itemBytes. */
export async function renderItems(source: ImageSource, job: RenderJob, out: Uint8Array, token?: CancelToken): Promise<void> {
  const tfm = transformOf(job.transform as ItemTransformConfig);
  const bytes = itemBytes(tfm.config);
  const spec = tfm.base(job.split);
  await Promise.all(
    job.items.map(async (item) => {
      const base = await source.base(item.path, spec, token);
      const rng = new StreamRng(job.seed, ...job.stream, item.index);
      await tfm.render(base, job.split, rng, out, item.slot * bytes, source.schedule);
    }),
  );
}

/** Decodes every item of `job` without a transform, in job order. */
export function decodeItems(source: ImageSource, job: RenderJob, token?: CancelToken): Promise<RawImage[]> {
  return Promise.all(job.items.map((item) => source.base(item.path, null, token)));
}
