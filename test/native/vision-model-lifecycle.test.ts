// Jobs, busy flag, dispose and worker threads.
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { createVisionModel, FasttuneError, type VisionModel } from '../../src/index.js';
import { native } from '../../src/native.js';
import { hypers, N_OUT, rawModelOptions, syntheticBatch } from '../helpers/model.js';

const addon = fileURLToPath(new URL('../../build/Release/fasttune.node', import.meta.url));
const batch = syntheticBatch(4, 64);

async function code(promise: Promise<unknown> | (() => unknown)): Promise<string | undefined> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(FasttuneError);
    return (error as FasttuneError).code;
  }
}

// A worker that loads the addon itself, trains one small step and reports the loss.
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const binding = require(workerData.addon);
class WorkerError extends Error { constructor(m, c) { super(m); this.code = c; } }
binding.setErrorClass(WorkerError);
(async () => {
  const model = await binding.createVisionModel({ arch: 'resnet34', nOut: 3, device: 'cpu', trainBn: true,
    wdBnBias: false, optimizer: 'adam', normalize: null, labelSmoothing: 0, ps: 0.5, precision: 'fp32',
    gradScaler: null, channelsLast: false, seed: 1 });
  const n = 2, size = 32;
  const batch = { images: new Uint8Array(n * size * size * 3).fill(77), shape: [n, size, size, 3], labels: Int32Array.from([0, 2]) };
  const hypers = [0, 1, 2].map(() => ({ lr: 1e-3, mom: 0.9, sqrMom: 0.99, eps: 1e-5, wd: 0.01 }));
  if (workerData.hang) { parentPort.postMessage('started'); for (;;) await model.trainStep(batch, hypers); }
  const loss = await model.trainStep(batch, hypers);
  const error = await model.trainStep({ ...batch, labels: Int32Array.from([0, 7]) }, hypers).catch((e) => e);
  model.dispose();
  parentPort.postMessage({ loss, code: error.code, isWorkerError: error instanceof WorkerError });
})().catch((e) => parentPort.postMessage({ failed: String(e) }));
`;

describe('VisionModel lifecycle', () => {
  it('keeps the event loop free while a step runs', async () => {
    using model = await createVisionModel({ nOut: N_OUT, device: 'cpu' });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    await model.trainStep(batch, hypers());
    clearInterval(timer);
    // A step that blocked the loop would let the timer fire once at most, after it.
    expect(ticks).toBeGreaterThanOrEqual(3);
  });

  it('runs one job at a time: a concurrent call gets E_BUSY, then the model works again', async () => {
    using model = await createVisionModel({ nOut: N_OUT, device: 'cpu' });
    const first = model.trainStep(batch, hypers());
    expect(await code(model.trainStep(batch, hypers()))).toBe('E_BUSY');
    expect(await code(model.evalStep(batch))).toBe('E_BUSY');
    expect(await code(() => model.freeze())).toBe('E_BUSY');
    expect(await code(() => model.paramInfo())).toBe('E_BUSY');
    expect(await code(() => model.dispose())).toBe('E_BUSY');
    expect(model.nOut).toBe(N_OUT); // fixed facts stay readable
    expect(Number.isFinite(await first)).toBe(true);
    expect(Number.isFinite((await model.evalStep(batch)).loss)).toBe(true);
  });

  it('disposes idempotently; afterwards every call is E_DISPOSED', async () => {
    const model = await createVisionModel({ nOut: N_OUT, device: 'cpu' });
    expect(model.disposed).toBe(false);
    model.dispose();
    model.dispose();
    expect(model.disposed).toBe(true);
    expect(await code(model.trainStep(batch, hypers()))).toBe('E_DISPOSED');
    expect(await code(model.stateDict())).toBe('E_DISPOSED');
    expect(await code(() => model.freeze())).toBe('E_DISPOSED');
    expect(await code(() => model.toBf16())).toBe('E_DISPOSED');
    let outside: VisionModel | undefined;
    {
      using scoped = await createVisionModel({ nOut: N_OUT, device: 'cpu' });
      expect(scoped.disposed).toBe(false);
      outside = scoped;
    }
    expect(outside.disposed).toBe(true);
  });

  it('keeps a model alive while its job runs, even with no JS reference left', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    let finalized = false;
    const registry = new FinalizationRegistry(() => {
      finalized = true;
    });
    // The raw binding: the TS wrapper's own references (its await keeps `this` alive) are not
    // what is being tested.
    let started = () => {};
    const jobQueued = new Promise<void>((resolve) => (started = resolve));
    const pending = (async () => {
      const model = await native().createVisionModel(rawModelOptions);
      registry.register(model, 'model');
      const step = model.trainStep(batch, hypers());
      started();
      return step;
    })();
    const collect = async () => {
      for (let i = 0; i < 5; i++) {
        gc();
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    await jobQueued;
    await collect(); // mid-step (a step takes far longer than this): only the job holds the object
    expect(finalized).toBe(false);
    expect(Number.isFinite(await pending)).toBe(true);
    await collect(); // settled: now it can go, and its finalizer frees the native model
    expect(finalized).toBe(true);
  });

  it('loads and trains in a worker thread, with that thread’s error class', async () => {
    const worker = new Worker(workerSource, { eval: true, workerData: { addon } });
    const result = await new Promise<Record<string, unknown>>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(result.failed).toBeUndefined();
    expect(Number.isFinite(result.loss)).toBe(true);
    expect(result.code).toBe('E_ARG');
    expect(result.isWorkerError).toBe(true);
    // The main thread's addon is unaffected.
    using model = await createVisionModel({ nOut: N_OUT, device: 'cpu' });
    expect(Number.isFinite(await model.trainStep(syntheticBatch(2, 32), hypers()))).toBe(true);
  });

  it('survives a worker terminated in the middle of training', async () => {
    const worker = new Worker(workerSource, { eval: true, workerData: { addon, hang: true } });
    await new Promise((resolve) => worker.once('message', resolve));
    await new Promise((resolve) => setTimeout(resolve, 200));
    await worker.terminate();
    using model = await createVisionModel({ nOut: N_OUT, device: 'cpu' });
    expect(Number.isFinite(await model.trainStep(syntheticBatch(2, 32), hypers()))).toBe(true);
  });
});
