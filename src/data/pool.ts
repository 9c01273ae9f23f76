// The process-wide pool of decode worker threads. Item i of a dataset always goes to worker
// i mod size, so each worker caches a fixed share of the images; a batch is split between the
// workers, which write into one SharedArrayBuffer. Idle workers do not keep the process alive.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { FasttuneError, type ErrorCode } from '../core/errors.js';
import type { RawImage } from './pixels.js';
import { itemBytes, type RenderJob } from './render-items.js';
import type { ImageSourceOptions } from './source.js';

/** Messages a worker answers. */
export type WorkerReply =
  | { kind: 'ready' }
  | {
      kind: 'done';
      id: number;
      cache?: { images: number; bytes: number };
      images?: Array<{ slot: number; width: number; height: number; data: Uint8Array }>;
      /** An 'export' job's copy of the shared buffer. */
      buffer?: ArrayBuffer;
    }
  | { kind: 'failed'; id: number; message: string; code: ErrorCode };

/** Messages a worker takes. */
export type WorkerRequest =
  | {
      kind: 'render' | 'decode';
      id: number;
      source: { id: number; options?: ImageSourceOptions };
      job: RenderJob;
      out?: SharedArrayBuffer;
    }
  | { kind: 'export'; id: number; out: SharedArrayBuffer }
  | { kind: 'release'; source: number };

interface Pending {
  resolve(reply: Extract<WorkerReply, { kind: 'done' }>): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  /** Why the worker stopped, once it has. */
  stopped?: Error;
  pending: Map<number, Pending>;
  sources: Set<number>;
  cache: Map<number, { images: number; bytes: number }>;
}

/**
 * Default worker count: one per four cores, at most four. A worker thread issues about a thousand
 * sharp calls a second (each costs ~0.5 ms on the calling thread) while one core decodes ~200
 * photo-sized JPEGs a second, so this keeps the main thread free without idle workers.
 */
export function defaultDecodeWorkers(): number {
  const env = Number(process.env.FASTTUNE_DECODE_WORKERS);
  if (process.env.FASTTUNE_DECODE_WORKERS !== undefined && Number.isInteger(env) && env >= 0) return env;
  return Math.min(4, Math.ceil(availableParallelism() / 4));
}

/** How to start a worker thread. */
export interface WorkerSpec {
  url: URL;
  execArgv: string[] | undefined;
}

/** The worker module: compiled JavaScript next to this file, or the TypeScript source when run from src/. */
function workerSpec(): WorkerSpec {
  const fromSource = import.meta.url.endsWith('.ts');
  const url = new URL(fromSource ? './pool-worker.ts' : './pool-worker.js', import.meta.url);
  const register = new URL('../../test/helpers/ts-register.mjs', import.meta.url);
  return { url, execArgv: fromSource ? [...process.execArgv, '--import', register.href] : undefined };
}

export class WorkerPool {
  private static instance: WorkerPool | undefined;

  /** The pool of the process, started with `size` workers on first use. */
  static shared(size: number): WorkerPool {
    WorkerPool.instance ??= new WorkerPool(size);
    return WorkerPool.instance;
  }

  private slots: Slot[] = [];
  private started: Promise<boolean> | undefined;
  private nextJob = 1;

  constructor(
    readonly size: number,
    private readonly spec: WorkerSpec = workerSpec(),
  ) {}

  /** Starts the workers once; false when they cannot run here (callers then decode locally). */
  ready(): Promise<boolean> {
    this.started ??= this.start();
    return this.started;
  }

  private async start(): Promise<boolean> {
    const { url, execArgv } = this.spec;
    const started = Array.from({ length: this.size }, () => {
      const worker = new Worker(url, { execArgv });
      const slot: Slot = { worker, pending: new Map(), sources: new Set(), cache: new Map() };
      this.slots.push(slot);
      return new Promise<boolean>((resolve) => {
        worker.once('error', () => resolve(false));
        worker.once('exit', () => resolve(false)); // no-op once ready
        worker.on('message', (reply: WorkerReply) => {
          if (reply.kind === 'ready') resolve(true);
          else this.settle(slot, reply);
        });
        worker.on('error', (error) => this.fail(slot, error));
        worker.on('exit', (code) => this.fail(slot, new Error(`exited with code ${code}`)));
      });
    });
    const ok = (await Promise.all(started)).every(Boolean);
    for (const { worker } of this.slots) worker.unref();
    if (!ok) {
      process.emitWarning('fasttune: decode worker threads could not start; decoding on the main thread instead', { code: 'FASTTUNE_NO_WORKERS' });
      await Promise.all(this.slots.map(({ worker }) => worker.terminate()));
    }
    return ok;
  }

  private settle(slot: Slot, reply: Exclude<WorkerReply, { kind: 'ready' }>): void {
    const pending = slot.pending.get(reply.id);
    if (!pending) return;
    slot.pending.delete(reply.id);
    if (slot.pending.size === 0) slot.worker.unref();
    if (reply.kind === 'done') pending.resolve(reply);
    else pending.reject(new FasttuneError(reply.message, reply.code));
  }

  private fail(slot: Slot, error: Error): void {
    slot.stopped ??= new FasttuneError(`a decode worker stopped: ${error.message}`, 'E_NATIVE');
    for (const pending of slot.pending.values()) pending.reject(slot.stopped);
    slot.pending.clear();
  }

  private post(
    slot: Slot,
    kind: 'render' | 'decode',
    sourceId: number,
    options: ImageSourceOptions,
    job: RenderJob,
    out?: SharedArrayBuffer,
  ): Promise<Extract<WorkerReply, { kind: 'done' }>> {
    // A worker learns a source's options with its first job for that source.
    const known = slot.sources.has(sourceId);
    slot.sources.add(sourceId);
    const perWorker: ImageSourceOptions = {
      ...options,
      cacheBytes: Math.floor(options.cacheBytes / this.size),
      slots: Math.max(1, Math.ceil(options.slots / this.size)),
    };
    return this.send(slot, (id) => ({ kind, id, source: { id: sourceId, options: known ? undefined : perWorker }, job, out })).then((reply) => {
      if (reply.cache) slot.cache.set(sourceId, reply.cache);
      return reply;
    });
  }

  private send(slot: Slot, request: (id: number) => WorkerRequest): Promise<Extract<WorkerReply, { kind: 'done' }>> {
    const id = this.nextJob++;
    return new Promise((resolve, reject) => {
      if (slot.stopped) return reject(slot.stopped);
      if (slot.pending.size === 0) slot.worker.ref(); // a pending job keeps the process alive
      slot.pending.set(id, { resolve, reject });
      slot.worker.postMessage(request(id));
    });
  }

  /** The job's items grouped by the worker that owns them. */
  private split(job: RenderJob): Array<[Slot, RenderJob]> {
    const parts = this.slots.map(() => [] as RenderJob['items']);
    for (const item of job.items) parts[item.index % this.size]!.push(item);
    return parts.flatMap((items, k) => (items.length > 0 ? [[this.slots[k]!, { ...job, items }] as [Slot, RenderJob]] : []));
  }

  async render(sourceId: number, options: ImageSourceOptions, job: RenderJob): Promise<Uint8Array> {
    const shared = new SharedArrayBuffer(job.items.length * itemBytes(job.transform!));
    const parts = this.split(job);
    await Promise.all(parts.map(([slot, part]) => this.post(slot, 'render', sourceId, options, part, shared)));
    // Node-API (Node 20) refuses typed arrays over shared memory, so the batch leaves as a plain
    // copy; a worker makes it (~50 µs per 224² image) and hands it over without another copy.
    const { buffer } = await this.send(parts[0]![0], (id) => ({ kind: 'export', id, out: shared }));
    return new Uint8Array(buffer!);
  }

  async decode(sourceId: number, options: ImageSourceOptions, job: RenderJob): Promise<RawImage[]> {
    const replies = await Promise.all(this.split(job).map(([slot, part]) => this.post(slot, 'decode', sourceId, options, part)));
    const bySlot = new Map<number, RawImage>();
    for (const reply of replies) for (const { slot, ...image } of reply.images ?? []) bySlot.set(slot, image);
    return job.items.map((item) => bySlot.get(item.slot)!);
  }

  cacheInfo(sourceId: number): { images: number; bytes: number } {
    let images = 0;
    let bytes = 0;
    for (const slot of this.slots) {
      const c = slot.cache.get(sourceId);
      images += c?.images ?? 0;
      bytes += c?.bytes ?? 0;
    }
    return { images, bytes };
  }

  /** Drops a source's caches in every worker. */
  release(sourceId: number): void {
    for (const slot of this.slots) {
      slot.cache.delete(sourceId);
      if (slot.sources.delete(sourceId)) slot.worker.postMessage({ kind: 'release', source: sourceId } satisfies WorkerRequest);
    }
  }
}
