// Where loaders send their batches to be decoded: worker threads (default) or this thread.
//
// sharp's per-call cost on the calling thread (building the pipeline, about half a millisecond a
// call, plus freeing its buffers) and the crop copies would otherwise all land on the main thread
// and cap a many-core machine at a couple of thousand images a second. Worker threads each own a
// share of the items (index mod workers), their decoded-image cache and their sharp calls, and
// write into a shared batch buffer; the main thread only hands out batches and copies them out.
import { FasttuneError } from '../core/errors.js';
import type { RawImage } from './pixels.js';
import { WorkerPool } from './pool.js';
import { decodeItems, itemBytes, renderItems, type RenderJob } from './render-items.js';
import { ImageSource, type CancelToken, type ImageSourceOptions } from './source.js';

export interface CacheInfo {
  images: number;
  bytes: number;
  maxBytes: number;
}

export interface Decoder {
  /** Renders a batch with an item transform into a new n × itemBytes buffer. */
  render(job: RenderJob, token?: CancelToken): Promise<Uint8Array>;
  /** Decodes a batch without an item transform. */
  decode(job: RenderJob, token?: CancelToken): Promise<RawImage[]>;
  cacheInfo(): CacheInfo;
  /** Worker threads in use (0: this thread). Known once the first batch was asked for. */
  readonly workers: number;
  /** Drops the cache and stops using workers for this source. */
  release(): void;
}

/** Everything on the calling thread. */
export class LocalDecoder implements Decoder {
  readonly workers = 0;
  private readonly source: ImageSource;

  constructor(options: ImageSourceOptions) {
    this.source = new ImageSource(options);
  }

  async render(job: RenderJob, token?: CancelToken): Promise<Uint8Array> {
    const out = new Uint8Array(job.items.length * itemBytes(job.transform!));
    await renderItems(this.source, job, out, token);
    return out;
  }

  decode(job: RenderJob, token?: CancelToken): Promise<RawImage[]> {
    return decodeItems(this.source, job, token);
  }

  cacheInfo(): CacheInfo {
    const { cache } = this.source;
    return { images: cache.size, bytes: cache.bytes, maxBytes: cache.maxBytes };
  }

  release(): void {
    this.source.cache.clear();
  }
}

/** Frees the workers' caches of decoders no loader uses any more. */
const unused = new FinalizationRegistry<{ pool: WorkerPool; id: number }>(({ pool, id }) => pool.release(id));

/** Worker threads shared by every loader of the process; see {@link WorkerPool}. */
export class PoolDecoder implements Decoder {
  private fallback: LocalDecoder | undefined;
  private released = false;

  constructor(
    private readonly pool: WorkerPool,
    private readonly id: number,
    private readonly options: ImageSourceOptions,
  ) {
    unused.register(this, { pool, id }, this);
    void pool.ready(); // start the threads while the caller builds its loaders
  }

  private local(): LocalDecoder {
    this.fallback ??= new LocalDecoder(this.options);
    return this.fallback;
  }

  get workers(): number {
    return this.fallback ? 0 : this.pool.size;
  }

  async render(job: RenderJob, token?: CancelToken): Promise<Uint8Array> {
    this.check();
    if (!(await this.pool.ready())) return this.local().render(job, token);
    return this.pool.render(this.id, this.options, job);
  }

  async decode(job: RenderJob, token?: CancelToken): Promise<RawImage[]> {
    this.check();
    if (!(await this.pool.ready())) return this.local().decode(job, token);
    return this.pool.decode(this.id, this.options, job);
  }

  cacheInfo(): CacheInfo {
    if (this.fallback) return this.fallback.cacheInfo();
    return { ...this.pool.cacheInfo(this.id), maxBytes: this.options.cacheBytes };
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    unused.unregister(this);
    this.pool.release(this.id);
    this.fallback?.release();
  }

  private check(): void {
    if (this.released) throw new FasttuneError('these DataLoaders were closed', 'E_DISPOSED');
  }
}

let nextId = 1;

/** A decoder for one dataset: `workers` threads of the shared pool, or 0 for this thread. */
export function createDecoder(options: ImageSourceOptions, workers: number): Decoder {
  if (workers === 0) return new LocalDecoder(options);
  return new PoolDecoder(WorkerPool.shared(workers), nextId++, options);
}
