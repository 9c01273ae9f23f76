// createPredictionServer: a request handler that answers predictions over HTTP, for node:http,
// Express or Fastify. Concurrent `POST /predict` requests are batched (./batcher.ts); every input
// is bounded (body bytes, pixels, queue, time); `close()` finishes what was accepted.
import type { IncomingMessage, ServerResponse } from 'node:http';
import sharp from 'sharp';
import { StreamRng } from '../core/rng.js';
import { checkInteger, checkOptions, invalidParameterError } from '../core/validate.js';
import { libraryVersion } from '../core/version.js';
import { FasttuneError } from '../core/errors.js';
import type { Prediction } from '../learner/inference.js';
import { Learner } from '../learner/learner.js';
import { versions } from '../runtime.js';
import { PredictionBatcher } from './batcher.js';
import { imageOf, readBody } from './body.js';
import { HttpError } from './http-error.js';
import { ServeMetrics } from './metrics.js';

/** Options of {@link createPredictionServer}; the defaults are those of `fasttune serve`. */
export interface PredictionServerOptions {
  /** Most images per eval step (default 32); 1 turns batching off. */
  maxBatch?: number;
  /** Longest wait, in ms, of a request for others to share its eval step (default 5). */
  maxDelayMs?: number;
  /** Most images waiting; beyond it requests get 503 with Retry-After (default 256). */
  maxQueue?: number;
  /** Largest request body in bytes; beyond it, 413 (default 10 MiB). */
  maxBodyBytes?: number;
  /** Largest width × height an image may decode to; beyond it, 400 (default 40,000,000). */
  maxPixels?: number;
  /** Time in ms from a request's arrival to its answer; beyond it, 504 (default 30,000). */
  timeoutMs?: number;
}

/** A request handler with the server's lifecycle. */
export interface PredictionServer {
  /** Answers the request; hands unknown paths to `next` when there is one (Express), else 404. */
  (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): void;
  /** Resolves once the model is warmed up (and `GET /health` answers 200); rejects if warm-up fails. */
  readonly ready: Promise<void>;
  /**
   * Stops taking predictions (503 from then on) and resolves once every accepted request has been
   * answered. Closing the HTTP server, and disposing the Learner, is the caller's.
   */
  close(): Promise<void>;
}

const DEFAULTS = { maxBatch: 32, maxDelayMs: 5, maxQueue: 256, maxBodyBytes: 10 * 1024 * 1024, maxPixels: 40_000_000, timeoutMs: 30_000 };

/**
 * Serves `learn`'s predictions: `POST /predict` (the bytes of a JPEG, PNG, WebP, GIF or TIFF file,
 * raw or as the file of a multipart form; `?topk=k` keeps the k most probable labels), `GET /health`,
 * `GET /metadata` and `GET /metrics` (Prometheus). Concurrent predictions share eval steps of up to
 * `maxBatch` images, waiting at most `maxDelayMs` for each other; each result is the one
 * `learn.predictBatch` gives for that batch.
 *
 * @example
 * import { createServer } from 'node:http';
 * const learn = await loadLearner('model.safetensors');
 * const handler = createPredictionServer(learn, { maxBatch: 16 });
 * createServer(handler).listen(8080, '127.0.0.1');
 * // Express: app.use(handler)   Fastify: fastify.all('/*', (req, reply) => { reply.hijack(); handler(req.raw, reply.raw); })
 */
export function createPredictionServer(learn: Learner, options: PredictionServerOptions = {}): PredictionServer {
  const where = 'createPredictionServer';
  if (!(learn instanceof Learner)) throw invalidParameterError(where, 'learn', 'a Learner', learn);
  const o = checkOptions(where, options, Object.keys(DEFAULTS));
  const limit = (name: keyof typeof DEFAULTS, min: number) => (o[name] === undefined ? DEFAULTS[name] : checkInteger(where, name, o[name], { min }));
  const config = {
    maxBatch: limit('maxBatch', 1),
    maxDelayMs: limit('maxDelayMs', 0),
    maxQueue: limit('maxQueue', 1),
    maxBodyBytes: limit('maxBodyBytes', 1),
    maxPixels: limit('maxPixels', 1),
    timeoutMs: limit('timeoutMs', 1),
  };
  const metrics = new ServeMetrics(config.maxBatch);
  const batcher = new PredictionBatcher(learn, { ...config, retryAfterS: 1, onBatch: (size) => metrics.batch(size) });
  const nOut = learn.model.nOut;
  let state: 'loading' | 'ok' | 'failed' | 'draining' = 'loading';
  let active = 0;
  let idle: (() => void) | undefined;

  const ready = warmUp(learn, config.maxBatch).then(
    () => {
      if (state === 'loading') state = 'ok';
    },
    (error: unknown) => {
      state = 'failed';
      throw error;
    },
  );
  // A caller that never awaits `ready` still sees a failed warm-up in /health; not as an unhandled rejection.
  ready.catch(() => undefined);

  async function predictRoute(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const arrived = performance.now();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new HttpError(504, 'timeout', `no answer within ${config.timeoutMs} ms`)), config.timeoutMs);
    active += 1;
    try {
      if (state !== 'ok') {
        req.resume();
        const why =
          state === 'draining' ? 'the server is shutting down' : state === 'loading' ? 'the model is still warming up' : 'the model failed to warm up';
        throw new HttpError(503, 'unavailable', why, state === 'loading' ? { 'retry-after': '1' } : {});
      }
      const topk = topkOf(url, nOut);
      const image = imageOf(await readBody(req, config.maxBodyBytes, controller.signal), req.headers['content-type']);
      const { prediction, batchSize, queuedMs, batchMs } = await batcher.submit(image, controller.signal);
      const timing = { totalMs: round(performance.now() - arrived), queuedMs: round(queuedMs), batchMs: round(batchMs), batchSize };
      send(res, 200, { ...answer(prediction, learn.dls.vocab, topk), timing });
    } catch (error) {
      const e = asHttpError(error);
      metrics.error(e.kind);
      send(res, e.status, { error: { kind: e.kind, message: e.message } }, e.headers);
    } finally {
      clearTimeout(timer);
      metrics.latency((performance.now() - arrived) / 1000);
      active -= 1;
      if (active === 0) idle?.();
    }
  }

  const handler = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): void => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = ROUTES[url.pathname];
    if (!route) {
      if (next) {
        next();
        return;
      }
      metrics.error('not_found');
      send(res, 404, { error: { kind: 'not_found', message: `no such endpoint: ${url.pathname} (there are ${Object.keys(ROUTES).join(', ')})` } });
      return;
    }
    metrics.request(url.pathname);
    if (req.method !== route) {
      req.resume();
      metrics.error('method');
      send(res, 405, { error: { kind: 'method', message: `${url.pathname} answers ${route} only` } }, { allow: route });
      return;
    }
    if (url.pathname === '/predict') {
      void predictRoute(req, res, url);
    } else if (url.pathname === '/health') {
      send(res, state === 'ok' ? 200 : 503, { status: state });
    } else if (url.pathname === '/metadata') {
      send(res, 200, metadataOf(learn, config));
    } else {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(metrics.render(batcher.queued, batcher.inFlight));
    }
  };

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    if (state !== 'failed') state = 'draining';
    closed ??= (async () => {
      await ready.catch(() => undefined);
      await batcher.drain();
      if (active > 0) await new Promise<void>((resolve) => (idle = resolve));
    })();
    return closed;
  };

  return Object.assign(handler, { ready, close });
}

/** Each endpoint and the one method it answers. */
const ROUTES: Readonly<Record<string, string>> = { '/predict': 'POST', '/health': 'GET', '/metadata': 'GET', '/metrics': 'GET' };

/** Runs the model once on one image and once on a full batch, so that the first requests find it ready. */
async function warmUp(learn: Learner, maxBatch: number): Promise<void> {
  const [height, width] = inputSizeOf(learn) ?? [64, 64];
  const png = await sharp({ create: { width, height, channels: 3, background: { r: 128, g: 128, b: 128 } } })
    .png()
    .toBuffer();
  for (const n of new Set([1, maxBatch])) {
    const results = await learn.predictBatch(new Array<Buffer>(n).fill(png));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }
}

/** The size of the images the model sees: the validation resize's, else the item transform's. */
function inputSizeOf(learn: Learner): [number, number] | undefined {
  const { itemTfm, batchTfm } = learn.dls.valid.options ?? {};
  if (!itemTfm) return undefined;
  const [height, width] = itemTfm.size;
  return batchTfm ? batchTfm.draw(1, height, width, new StreamRng(0), 'valid').size : [height, width];
}

function metadataOf(learn: Learner, config: typeof DEFAULTS) {
  const arch = (learn as Learner & { arch?: { name: string } }).arch?.name ?? null;
  const size = inputSizeOf(learn);
  return {
    labels: learn.dls.vocab,
    arch,
    inputSize: size ? { height: size[0], width: size[1] } : null,
    device: (learn.model as { device?: string }).device ?? null,
    fasttune: libraryVersion(),
    libtorch: versions().libtorch,
    batching: { maxBatch: config.maxBatch, maxDelayMs: config.maxDelayMs, maxQueue: config.maxQueue },
    limits: { maxBodyBytes: config.maxBodyBytes, maxPixels: config.maxPixels, timeoutMs: config.timeoutMs },
  };
}

/** `?topk=k`: an integer from 1 to the number of classes, or absent. */
function topkOf(url: URL, nOut: number): number | undefined {
  const raw = url.searchParams.get('topk');
  if (raw === null) return undefined;
  const k = Number(raw);
  if (!/^\d+$/.test(raw) || k < 1 || k > nOut) throw new HttpError(400, 'bad_request', `topk must be an integer from 1 to ${nOut}, got '${raw}'`);
  return k;
}

/** The JSON of a prediction: probabilities by label, every label or the `topk` most probable (descending). */
function answer(p: Prediction, vocab: readonly string[], topk: number | undefined) {
  const byProbability = Array.from(p.probs, (probability, index) => ({ label: vocab[index] ?? String(index), probability })).sort(
    (a, b) => b.probability - a.probability,
  );
  const kept = topk === undefined ? byProbability : byProbability.slice(0, topk);
  return { label: p.label, index: p.index, probability: p.probs[p.index], probabilities: Object.fromEntries(kept.map((e) => [e.label, e.probability])) };
}

/** Any failure as an HTTP answer: unreadable images are the client's (400), the rest ours (500). */
function asHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof FasttuneError && (error.code === 'E_IO' || error.code === 'E_ARG')) return new HttpError(400, 'bad_image', error.message);
  return new HttpError(500, 'internal', error instanceof Error ? error.message : String(error));
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

const round = (ms: number) => Math.round(ms * 100) / 100;
