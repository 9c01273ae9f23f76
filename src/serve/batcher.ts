// Dynamic batching: images submitted one by one wait in a bounded queue and go through the model
// together, `maxBatch` at a time or after `maxDelayMs`, whichever comes first; each caller gets its
// own image's result. One eval step runs at a time (the model takes one job at a time); images that
// arrive meanwhile form the next batch, which starts as soon as the step ends.
import type { Prediction } from '../learner/inference.js';
import type { Learner } from '../learner/learner.js';
import { HttpError } from './http-error.js';

export interface BatcherOptions {
  /** Most images per eval step. */
  maxBatch: number;
  /** Longest wait of the first image of a batch for others to join it. */
  maxDelayMs: number;
  /** Most images waiting; one more is refused (503). */
  maxQueue: number;
  /** Largest width × height an image may decode to. */
  maxPixels: number;
  /** Seconds a client is told to wait before trying again when the queue is full. */
  retryAfterS: number;
  /** Called with the size of each eval step. */
  onBatch?: (size: number) => void;
}

/** A prediction and how it was made. */
export interface BatchedPrediction {
  prediction: Prediction;
  /** Images in the eval step that made it. */
  batchSize: number;
  /** Milliseconds in the queue, then in the batch (decode and eval step). */
  queuedMs: number;
  batchMs: number;
}

interface Job {
  image: Uint8Array;
  arrived: number;
  resolve(value: BatchedPrediction): void;
  reject(error: unknown): void;
  /** Set when the caller gave up (timeout): its result is dropped. */
  abandoned: boolean;
}

export class PredictionBatcher {
  readonly #learn: Learner;
  readonly #options: BatcherOptions;
  #queue: Job[] = [];
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #inFlight = 0;

  constructor(learn: Learner, options: BatcherOptions) {
    this.#learn = learn;
    this.#options = options;
  }

  /** Images waiting for an eval step. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Images in the eval step now running. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /**
   * Queues the bytes of one image file. Rejects with a 503 HttpError when the queue is full, with
   * the decode error when the image cannot be read, and with a 504 when `signal` aborts first.
   */
  submit(image: Uint8Array, signal?: AbortSignal): Promise<BatchedPrediction> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#queue.length >= this.#options.maxQueue) {
      const retry = String(this.#options.retryAfterS);
      return Promise.reject(
        new HttpError(503, 'queue_full', `the queue is full (${this.#options.maxQueue} images waiting); try again later`, { 'retry-after': retry }),
      );
    }
    return new Promise<BatchedPrediction>((resolve, reject) => {
      const job: Job = { image, arrived: performance.now(), resolve, reject, abandoned: false };
      signal?.addEventListener(
        'abort',
        () => {
          job.abandoned = true;
          const at = this.#queue.indexOf(job);
          if (at >= 0) this.#queue.splice(at, 1);
          reject(signal.reason);
        },
        { once: true },
      );
      this.#queue.push(job);
      this.#schedule();
    });
  }

  /** Resolves once nothing is queued or running (new submissions are the caller's to stop). */
  async drain(): Promise<void> {
    while (this.#running || this.#queue.length > 0) {
      if (!this.#running) this.#flush();
      await this.#running;
    }
  }

  /** Starts a batch when one is full, else makes sure the first waiting image waits no longer than maxDelayMs. */
  #schedule(): void {
    if (this.#running || this.#queue.length === 0) return;
    if (this.#queue.length >= this.#options.maxBatch) {
      this.#flush();
      return;
    }
    this.#timer ??= setTimeout(() => this.#flush(), this.#options.maxDelayMs);
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#running || this.#queue.length === 0) return;
    const jobs = this.#queue.splice(0, this.#options.maxBatch);
    this.#running = this.#run(jobs).finally(() => {
      this.#running = undefined;
      this.#inFlight = 0;
      // Images that came during the step have waited for it already: they go next, at once.
      if (this.#queue.length > 0) this.#flush();
    });
  }

  async #run(jobs: Job[]): Promise<void> {
    this.#inFlight = jobs.length;
    const started = performance.now();
    let results: PromiseSettledResult<Prediction>[];
    try {
      results = await this.#learn.predictBatch(
        jobs.map((j) => j.image),
        { maxPixels: this.#options.maxPixels },
      );
    } catch (error) {
      for (const job of jobs) job.reject(error);
      return;
    }
    const decoded = results.filter((r) => r.status === 'fulfilled').length;
    if (decoded > 0) this.#options.onBatch?.(decoded);
    const batchMs = performance.now() - started;
    jobs.forEach((job, i) => {
      if (job.abandoned) return;
      const result = results[i] as PromiseSettledResult<Prediction>;
      if (result.status === 'rejected') job.reject(result.reason);
      else job.resolve({ prediction: result.value, batchSize: decoded, queuedMs: started - job.arrived, batchMs });
    });
  }
}
