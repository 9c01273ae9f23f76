// Shared setup for the model tests: the reference fixtures of test/reference/vision_model.py.
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { createVisionModel, getNumThreads, setNumThreads, type VisionModel, type VisionModelOptions } from '../../src/index.js';
import type { Batch } from '../../src/data/loader-contract.js';
import type { GroupHypers } from '../../src/model/types.js';
import type { NativeModelOptions } from '../../src/native.js';
import { fixturesDir, type Fixture } from './fixtures.js';

export const referenceDir = join(fixturesDir, 'vision_model');
export const referenceWeights = join(referenceDir, 'weights.safetensors');
export const torchvisionWeights = join(referenceDir, 'torchvision.safetensors');
export const N_OUT = 5;

/**
 * Runs the file's tests on one intra-op thread, as the reference generator does: float sums then
 * happen in the same order on both sides (the same LibTorch), so results agree to the bit. With
 * several threads, reductions split differently; train-mode BatchNorm over a 4-image batch with
 * 2x2 pixels in layer4 magnifies that noise, and a few steps of training diverge visibly (PyTorch
 * itself, run on two threads, departs from its one-thread run just the same).
 */
export function onReferenceThreads(): void {
  let before = 0;
  beforeAll(() => {
    before = getNumThreads();
    setNumThreads(1);
  });
  afterAll(() => setNumThreads(before));
}

/** A CPU model holding the reference weights. */
export async function referenceModel(options: Partial<VisionModelOptions> = {}): Promise<VisionModel> {
  const model = await createVisionModel({ nOut: N_OUT, device: 'cpu', ...options });
  await model.loadWeights(referenceWeights, { part: 'full' });
  return model;
}

/** The batch stored under `prefix` (`images`, `labels`) in a fixture. */
export function fixtureBatch(f: Fixture, prefix = ''): Batch {
  const images = f.get(`${prefix}images`);
  const labels = f.get(`${prefix}labels`);
  return {
    images: images.data as Uint8Array,
    shape: images.shape as Batch['shape'],
    labels: labels.data as Int32Array,
  };
}

/** A small random batch (values from a fixed LCG, so tests stay deterministic). */
export function syntheticBatch(n: number, size: number, seed = 1): Batch {
  let state = seed >>> 0;
  const next = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0);
  const images = new Uint8Array(n * size * size * 3).map(() => next() >>> 24);
  const labels = Int32Array.from({ length: n }, () => next() % N_OUT);
  return { images, shape: [n, size, size, 3], labels };
}

export function hypers(lr = 1e-3, nGroups = 3): GroupHypers[] {
  return Array.from({ length: nGroups }, () => ({ lr, mom: 0.9, sqrMom: 0.99, eps: 1e-5, wd: 0.01 }));
}

/** Largest absolute difference, and largest relative one where |expected| > floor. */
export function diffs(actual: ArrayLike<number>, expected: ArrayLike<number>, floor = 1e-3): { abs: number; rel: number } {
  let abs = 0;
  let rel = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i] as number;
    const d = Math.abs((actual[i] as number) - e);
    abs = Math.max(abs, d);
    if (Math.abs(e) > floor) rel = Math.max(rel, d / Math.abs(e));
  }
  return { abs, rel };
}

/** Records a measured difference so the figures show up in the test output. */
export function report(what: string, d: { abs: number; rel: number }): void {
  console.info(`parity ${what}: max |diff| ${d.abs.toExponential(2)}, max rel ${d.rel.toExponential(2)}`);
}

interface TensorLike {
  name: string;
  shape?: number[];
  data: ArrayBufferView | null;
}

function bytes(view: ArrayBufferView): Buffer {
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}

/** Same names, shapes and bit-identical values (fast on large tensors, unlike deep equality). */
export function expectSameTensors(actual: readonly TensorLike[], expected: readonly TensorLike[], what = 'tensors'): void {
  expect(
    actual.map((t) => t.name),
    `${what}: names`,
  ).toEqual(expected.map((t) => t.name));
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] as TensorLike;
    const e = expected[i] as TensorLike;
    if (e.shape) expect(a.shape, `${what}: ${e.name} shape`).toEqual(e.shape);
    expect(a.data === null, `${what}: ${e.name} presence`).toBe(e.data === null);
    if (a.data && e.data) expect(bytes(a.data).equals(bytes(e.data)), `${what}: ${e.name} values`).toBe(true);
  }
}

/** The options the native binding's createVisionModel takes, at their defaults (ResNet-34, 5 classes, CPU). */
export const rawModelOptions: NativeModelOptions = {
  arch: 'resnet34',
  nOut: N_OUT,
  device: 'cpu',
  trainBn: true,
  wdBnBias: false,
  optimizer: 'adam',
  normalize: null,
  labelSmoothing: 0,
  ps: 0.5,
  precision: 'fp32',
  gradScaler: null,
  channelsLast: false,
  seed: 0,
};
