// Where loaders get decoded images: a shared cache of base images in front of a limited number
// of concurrent sharp decodes.
import { ImageCache } from './cache.js';
import { decodeImage, type DecodeLimits } from './decode-image.js';
import { Limiter } from './limiter.js';
import type { RawImage } from './pixels.js';
import { tuneSharp } from './threads.js';
import type { BaseSpec } from './item-geometry.js';
import type { Scheduler } from './item-transforms.js';

/** Set on an epoch's iteration when its consumer stops early; queued decodes then do nothing. */
export interface CancelToken {
  cancelled: boolean;
}

export class Cancelled extends Error {}

export interface ImageSourceOptions extends DecodeLimits {
  cacheBytes: number;
  /** Decodes (and resamples) running at once. */
  slots: number;
}

export class ImageSource {
  readonly cache: ImageCache;
  private readonly limiter: Limiter;
  private readonly limits: DecodeLimits;

  constructor(options: ImageSourceOptions) {
    tuneSharp();
    this.cache = new ImageCache(options.cacheBytes);
    this.limiter = new Limiter(options.slots);
    this.limits = { maxPixels: options.maxPixels };
  }

  /** The base image of `path` for `spec`: from the cache, else decoded (and offered to the cache). */
  async base(path: string, spec: BaseSpec | null, token?: CancelToken): Promise<RawImage> {
    const key = spec ? `${spec.fit} ${spec.width}x${spec.height}${spec.withoutEnlargement ? ' shrink-only' : ''}\n${path}` : `\n${path}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const image = await this.limiter.run(async () => {
      if (token?.cancelled) throw new Cancelled();
      return decodeImage(path, spec, this.limits);
    });
    this.cache.offer(key, image);
    return image;
  }

  /** Runs a resample in one of the decode slots. */
  readonly schedule: Scheduler = (job) => this.limiter.run(job);
}
