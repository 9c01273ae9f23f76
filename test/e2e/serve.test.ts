// Serving through real HTTP on loopback: createPredictionServer behind node:http, and the
// `fasttune serve` executable, against predict() and predictBatch, with every error status.
import { once } from 'node:events';
import { readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPredictionServer, loadLearner, type InferenceLearner, type PredictionServer, type PredictionServerOptions } from '../../src/index.js';
import { startFasttune } from '../helpers/fasttune-cli.js';
import { smallLearner, writeClassFolders } from '../helpers/image-learner.js';
import { tempDir } from '../helpers/images.js';

let dir: string;
let model: string;
let learn: InferenceLearner;
let files: string[];
let images: Buffer[];
/** A PNG signature and then nothing of a PNG: past the format check, refused by the decoder. */
const BAD = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('not really a png')]);

beforeAll(async () => {
  dir = await tempDir('fasttune-serve-');
  files = await writeClassFolders(join(dir, 'images'), 3);
  const run = await smallLearner(join(dir, 'images'), { path: dir });
  model = await run.learn.export(join(dir, 'model.safetensors'));
  run.dispose();
  learn = await loadLearner(model);
  images = await Promise.all(files.map((f) => readFile(f)));
});

afterAll(async () => {
  learn?.dispose();
  await rm(dir, { recursive: true, force: true });
});

interface Running {
  url: string;
  handler: PredictionServer;
  stop(): Promise<void>;
}

/** A server on 127.0.0.1, a free port, warmed up. */
async function serve(options: PredictionServerOptions = {}): Promise<Running> {
  const handler = createPredictionServer(learn, options);
  const server: Server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  await handler.ready;
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    handler,
    async stop() {
      await handler.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Runs `body` against a fresh server and always stops it. */
async function withServer(options: PredictionServerOptions, body: (s: Running) => Promise<void>): Promise<void> {
  const s = await serve(options);
  try {
    await body(s);
  } finally {
    await s.stop();
  }
}

interface Answer {
  status: number;
  headers: Headers;
  json: {
    label: string;
    index: number;
    probabilities: Record<string, number>;
    timing: { batchSize: number; totalMs: number };
    error?: { kind: string; message: string };
  };
}

async function post(
  url: string,
  body: NonNullable<RequestInit['body']>,
  headers: Record<string, string> = { 'content-type': 'application/octet-stream' },
): Promise<Answer> {
  const res = await fetch(url, { method: 'POST', body, headers, signal: AbortSignal.timeout(30_000) });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Answer['json'] };
}

const probsOf = (a: Answer) => learn.dls.vocab.map((v) => a.json.probabilities[v] as number);
const asNumbers = (p: Float32Array) => Array.from(p);

describe('createPredictionServer', () => {
  it('answers /health, /metadata, and /predict bitwise as predict() when batches hold one image', async () => {
    await withServer({ maxBatch: 1 }, async ({ url }) => {
      expect(await (await fetch(`${url}/health`)).json()).toEqual({ status: 'ok' });
      const meta = (await (await fetch(`${url}/metadata`)).json()) as Record<string, unknown>;
      expect(meta).toMatchObject({ labels: learn.dls.vocab, arch: 'resnet34', inputSize: { height: 32, width: 32 }, device: 'cpu' });
      expect(meta.fasttune).toMatch(/^\d+\.\d+\.\d+/);
      expect(meta.libtorch).toMatch(/^\d+\.\d+/);
      for (const image of images.slice(0, 3)) {
        const a = await post(`${url}/predict`, image);
        expect(a.status).toBe(200);
        const p = await learn.predict(image);
        expect(a.json.label).toBe(p.label);
        expect(probsOf(a)).toEqual(asNumbers(p.probs));
        expect(a.json.timing.batchSize).toBe(1);
      }
    });
  });

  it('batches concurrent requests: each answer is its row of predictBatch over the batch (multipart too), ?topk keeps the k best', async () => {
    const four = images.slice(0, 4);
    await withServer({ maxBatch: 4, maxDelayMs: 2_000 }, async ({ url }) => {
      const form = new FormData();
      form.append('note', 'not the image');
      form.append('image', new Blob([four[3] as Buffer]), 'x.png');
      const answers = await Promise.all([...four.slice(0, 3).map((image) => post(`${url}/predict`, image)), post(`${url}/predict`, form, {})]);
      const batch = await learn.predictBatch(four);
      answers.forEach((a, i) => {
        expect(a.status).toBe(200);
        expect(a.json.timing.batchSize).toBe(4);
        expect(probsOf(a)).toEqual(asNumbers((batch[i] as PromiseFulfilledResult<{ probs: Float32Array }>).value.probs));
      });
      const top = await post(`${url}/predict?topk=2`, four[0] as Buffer);
      const kept = Object.values(top.json.probabilities);
      expect(kept).toHaveLength(2);
      expect(kept[0]).toBeGreaterThanOrEqual(kept[1] as number);
      expect(Object.keys(top.json.probabilities)[0]).toBe(top.json.label);
    });
  });

  it('answers a bad image inside a full batch with 400 and its reason; the others are the batch of the good ones', async () => {
    await withServer({ maxBatch: 4, maxDelayMs: 2_000 }, async ({ url }) => {
      const sent = [images[0], BAD, images[1], images[2]] as Buffer[];
      const answers = await Promise.all(sent.map((image) => post(`${url}/predict`, image)));
      expect(answers[1]?.status).toBe(400);
      expect(answers[1]?.json.error).toEqual({ kind: 'bad_image', message: expect.stringMatching(/^Cannot read image \(the given 24-byte buffer\): /) });
      const good = await learn.predictBatch([images[0], images[1], images[2]] as Buffer[]);
      for (const [k, i] of [0, 2, 3].entries()) {
        expect(answers[i]?.status).toBe(200);
        expect(probsOf(answers[i] as Answer)).toEqual(asNumbers((good[k] as PromiseFulfilledResult<{ probs: Float32Array }>).value.probs));
      }
    });
  });

  it('bounds the body (413), the pixels (400), the formats (400), the query (400), the paths (404) and methods (405)', async () => {
    await withServer({ maxBodyBytes: 20_000, maxPixels: 40 * 30 - 1 }, async ({ url }) => {
      const big = await post(`${url}/predict`, Buffer.alloc(30_000, 1));
      expect([big.status, big.json.error?.kind]).toEqual([413, 'too_large']);
      const bomb = await post(`${url}/predict`, images[0] as Buffer);
      expect([bomb.status, bomb.json.error?.kind]).toEqual([400, 'bad_image']);
      expect(bomb.json.error?.message).toMatch(/pixel/i);
      const svg = await post(`${url}/predict`, Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/passwd"/></svg>'));
      expect([svg.status, svg.json.error?.message]).toEqual([400, 'the body is not a JPEG, PNG, WebP, GIF or TIFF file']);
      const empty = await post(`${url}/predict`, Buffer.alloc(0));
      expect([empty.status, empty.json.error?.kind]).toEqual([400, 'bad_request']);
      const topk = await post(`${url}/predict?topk=9`, images[0] as Buffer);
      expect([topk.status, topk.json.error?.message]).toEqual([400, "topk must be an integer from 1 to 3, got '9'"]);
      const missing = await fetch(`${url}/predict/../../etc/passwd`);
      expect(missing.status).toBe(404);
      const get = await fetch(`${url}/predict`);
      expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST']);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toMatch(/^fasttune_errors_total\{kind="too_large"\} 1$/m);
      expect(metrics).toMatch(/^fasttune_errors_total\{kind="bad_image"\} 2$/m);
      expect(metrics).toMatch(/^fasttune_errors_total\{kind="method"\} 1$/m);
      expect(metrics).toMatch(/^fasttune_errors_total\{kind="not_found"\} 1$/m);
      expect(metrics).toMatch(/^fasttune_requests_total\{endpoint="\/predict"\} 6$/m);
      expect(metrics).toMatch(/^fasttune_request_duration_seconds_count 5$/m);
    });
  });

  it('refuses beyond the queue bound with 503 and Retry-After, and answers 504 past the timeout', async () => {
    await withServer({ maxBatch: 1, maxQueue: 1 }, async ({ url }) => {
      const answers = await Promise.all(images.slice(0, 6).map((image) => post(`${url}/predict`, image)));
      const refused = answers.filter((a) => a.status === 503);
      expect(refused.length).toBeGreaterThan(0);
      expect(refused[0]?.json.error?.kind).toBe('queue_full');
      expect(refused[0]?.headers.get('retry-after')).toBe('1');
      expect(answers.every((a) => a.status === 200 || a.status === 503)).toBe(true);
    });
    await withServer({ maxBatch: 4, maxDelayMs: 1_000, timeoutMs: 100 }, async ({ url }) => {
      const late = await post(`${url}/predict`, images[0] as Buffer);
      expect([late.status, late.json.error]).toEqual([504, { kind: 'timeout', message: 'no answer within 100 ms' }]);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toMatch(/^fasttune_queue_depth 0$/m);
    });
  });

  it('close() finishes the requests in flight and refuses new ones with 503', async () => {
    const s = await serve({ maxBatch: 8, maxDelayMs: 300 });
    try {
      const inFlight = images.slice(0, 5).map((image) => post(`${s.url}/predict`, image));
      await new Promise((resolve) => setTimeout(resolve, 100));
      const closing = s.handler.close();
      const after = await post(`${s.url}/predict`, images[0] as Buffer);
      expect([after.status, after.json.error?.kind]).toEqual([503, 'unavailable']);
      expect((await fetch(`${s.url}/health`)).status).toBe(503);
      expect((await Promise.all(inFlight)).map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
      await closing;
    } finally {
      await s.stop();
    }
  });
});

describe('fasttune serve', () => {
  it('serves on loopback, and on SIGTERM answers the requests in flight and exits 0', async () => {
    const child = startFasttune(join(dir, 'torch-home'), 'serve', model, '--port', '0', '--device', 'cpu', '--max-delay-ms', '300');
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = once(child, 'exit');
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ready line in 60 s: ${stdout}${stderr}`)), 60_000);
        child.stdout.on('data', () => {
          const m = /ready on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
          if (m) {
            clearTimeout(timer);
            resolve(m[1] as string);
          }
        });
        child.once('exit', () => reject(new Error(`exited early: ${stderr}`)));
      });
      const inFlight = images.slice(0, 3).map((image) => post(`${url}/predict`, image));
      await new Promise((resolve) => setTimeout(resolve, 100));
      child.kill('SIGTERM');
      const answers = await Promise.all(inFlight);
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
      expect(answers[0]?.json.label).toBe((await learn.predict(images[0] as Buffer)).label);
      const [code] = (await Promise.race([exited, new Promise((_, reject) => setTimeout(() => reject(new Error('no exit in 20 s')), 20_000))])) as [number];
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(stdout).toMatch(/SIGTERM: finishing the requests in flight\nfasttune serve: stopped\n$/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 90_000);
});
