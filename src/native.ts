// The only module that loads the compiled addon. It declares the native surface as a type and
// turns a failed load into one message that says what to do.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FasttuneError } from './core/errors.js';
import { withOpenMpDefaults } from './core/openmp.js';
import type { AugmentParams, MixParams } from './core/batch.js';

/** Element types of weight files, by their safetensors names. */
export type WeightsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

export type WeightsArray = Float32Array | Float64Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;

export interface WeightsTensor {
  name: string;
  /** The dtype in the file; F16/BF16 values arrive widened to a Float32Array. */
  dtype: WeightsDtype;
  shape: number[];
  data: WeightsArray;
}

export interface WeightsContents {
  format: 'safetensors' | 'pytorch';
  metadata: Record<string, string>;
  tensors: WeightsTensor[];
}

/** What one eval step (or a train step asked for its logits) returns. */
export interface NativeEvalResult {
  /** Mean loss over the batch. */
  loss: number;
  /** Row-major logits, batch × classes. */
  logits: Float32Array;
}

/** What `versions()` reports about the linked LibTorch. */
export interface NativeVersions {
  libtorch: string;
  cudaBuild: boolean;
  cuda: boolean;
  cudnn: boolean;
  cudaDeviceCount: number;
  threads: number;
  napi: number;
  config: string;
  /** The libjpeg of the native JPEG path, or '' when the addon was built without one. */
  jpeg: string;
}

/** Options as the native side takes them: every field resolved (see src/model/vision-model.ts). */
export interface NativeModelOptions {
  arch: string;
  nOut: number;
  device: string;
  trainBn: boolean;
  wdBnBias: boolean;
  optimizer: string;
  normalize: { mean: readonly number[]; std: readonly number[] } | null;
  labelSmoothing: number;
  ps: number;
  /** The head's layers (src/model/head.ts); null: fastai's default head from ps. */
  head?: readonly object[] | null;
  /** fastai's cut of the body; null: the architecture's. */
  cut?: number | null;
  /** fastai's SigmoidRange(low, high) on the head's output; null: none. */
  yRange?: readonly [number, number] | null;
  precision: string;
  gradScaler: NativeGradScalerOptions | null;
  channelsLast: boolean;
  /** Fold BatchNorm into the neighbouring layers for fp32 eval and predict (default true). */
  foldBn?: boolean;
  seed: number;
}

export interface NativeGradScalerOptions {
  initScale: number;
  growthFactor: number;
  backoffFactor: number;
  growthInterval: number;
}

export interface NativeBatch {
  images: Uint8Array;
  shape: readonly number[];
  labels: Int32Array;
  targets?: Float32Array;
  augment?: AugmentParams;
  mix?: MixParams;
}

export interface NativeLossSpec {
  kind: string;
  labelSmoothing: number;
  weight: readonly number[] | null;
  gamma: number;
}

export interface NativeStepOptions {
  lossFactor: number;
  clipNorm: number;
}

export interface NativeModelSettings {
  loss: NativeLossSpec;
  optimizer: string;
  wdBnBias: boolean;
  trainBn: boolean;
}

export interface NativeHypers {
  lr: number;
  mom: number;
  sqrMom: number;
  eps: number;
  wd: number;
}

/** A native VisionModel: one job at a time (E_BUSY), unusable after dispose (E_DISPOSED). */
export interface NativeModel {
  readonly nGroups: number;
  readonly nOut: number;
  readonly device: string;
  readonly precision: string;
  readonly disposed: boolean;
  paramInfo(): Array<{ name: string; shape: number[]; group: number; isNorm: boolean; noDecay: boolean; trainable: boolean }>;
  freezeTo(n: number): void;
  setPrecision(precision: string, scaler: NativeGradScalerOptions | null): void;
  scalerState(): { scale: number; growthTracker: number; skippedSteps: number } | null;
  seed(seed: number): void;
  configure(settings: NativeModelSettings): void;
  dispose(): void;
  trainStep(batch: NativeBatch, hypers: readonly NativeHypers[], withLogits?: false, step?: NativeStepOptions): Promise<number>;
  trainStep(batch: NativeBatch, hypers: readonly NativeHypers[], withLogits: true, step?: NativeStepOptions): Promise<NativeEvalResult>;
  accumulateStep(batch: NativeBatch, lossFactor?: number): Promise<number>;
  evalStep(batch: NativeBatch): Promise<NativeEvalResult>;
  predict(images: Uint8Array, shape: readonly number[], augment?: AugmentParams): Promise<Float32Array>;
  snapshot(): Promise<void>;
  restore(): Promise<void>;
  loadWeights(path: string, part: string): Promise<void>;
  saveWeights(path: string, metadata: Record<string, string>): Promise<void>;
  stateDict(): Promise<WeightsTensor[]>;
  gradients(): Promise<Array<{ name: string; data: Float32Array | null }>>;
  optimizerState(): Promise<WeightsTensor[]>;
  loadStateDict(tensors: ReadonlyArray<Pick<WeightsTensor, 'name' | 'shape' | 'data'>>, source: string): Promise<void>;
  loadOptimizerState(tensors: ReadonlyArray<Pick<WeightsTensor, 'name' | 'shape' | 'data'>>): Promise<void>;
  randomState(): Uint8Array;
  setRandomState(state: Uint8Array): void;
  /** Makes this model one data-parallel replica of `group` (rank 0's weights, c10d's Reducer). */
  distribute(group: NativeProcessGroup): Promise<void>;
}

/** A c10d process group (TCPStore rendezvous + Gloo); one collective at a time (E_BUSY). */
export interface NativeProcessGroup {
  readonly rank: number;
  readonly worldSize: number;
  barrier(): Promise<void>;
  allGather(values: Float64Array): Promise<Float64Array[]>;
  close(): void;
}

export interface NativeProcessGroupOptions {
  rank: number;
  worldSize: number;
  masterAddr: string;
  masterPort: number;
  timeoutMs: number;
}

/** Native objects not yet freed, process-wide (worker threads included). */
export interface LiveNativeObjects {
  /** VisionModels (each holds its weights, optimizer state and snapshot). */
  models: number;
  /** Native jobs queued, running or not yet settled. */
  jobs: number;
}

/** The raw native surface. Public classes wrap it; nothing outside src/ sees it. */
export interface Binding {
  setErrorClass(cls: typeof FasttuneError): void;
  versions(): NativeVersions;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  liveObjects(): LiveNativeObjects;
  readWeights(path: string): Promise<WeightsContents>;
  writeWeights(path: string, tensors: ReadonlyArray<Pick<WeightsTensor, 'name' | 'shape' | 'data'>>, metadata: Record<string, string>): Promise<void>;
  augmentBatch(
    images: Uint8Array,
    shape: readonly number[],
    params: AugmentParams | undefined,
    options: { device?: string; float?: boolean },
  ): Promise<{ images: Uint8Array; shape: number[]; float?: Float32Array }>;
  createVisionModel(options: NativeModelOptions): Promise<NativeModel>;
  createProcessGroup(options: NativeProcessGroupOptions): Promise<NativeProcessGroup>;
  resampleWindow(
    pixels: Uint8Array,
    width: number,
    height: number,
    window: readonly [number, number, number, number],
    outWidth: number,
    outHeight: number,
  ): Promise<Uint8Array>;
  /** Absent when the addon was built without libjpeg (see src/data/native-image.ts). */
  decodeJpegBase?(
    input: string | Uint8Array,
    spec: NativeBaseSpec | null,
    maxPixels: number,
  ): Promise<{ data: Uint8Array; width: number; height: number } | null>;
}

/** How big a base image to make (src/data/item-geometry.ts `BaseSpec`). */
export interface NativeBaseSpec {
  width: number;
  height: number;
  fit: 'outside' | 'inside' | 'fill';
  withoutEnlargement: boolean;
}

const REQUIRED_NAPI = 8;
const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const candidates = [
  process.env.FASTTUNE_ADDON,
  join(packageRoot, 'build', 'Release', 'fasttune.node'),
  join(packageRoot, 'build', 'Debug', 'fasttune.node'),
].filter((p): p is string => Boolean(p));

function load(): Binding {
  const require = createRequire(import.meta.url);
  const failures: string[] = [];
  for (const path of candidates) {
    try {
      const binding = withOpenMpDefaults(() => require(path) as Binding);
      binding.setErrorClass(FasttuneError);
      return binding;
    } catch (error) {
      failures.push(`${path}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  const napi = Number(process.versions.napi);
  const hints = [
    'Possible causes and fixes:',
    '- the addon was never built: run `npm run build:native` (it prints which LibTorch it finds);',
    '- LibTorch moved or was removed since the build: reinstall it, or set LIBTORCH and rebuild;',
    napi < REQUIRED_NAPI ? `- this Node offers Node-API ${napi}; fasttune needs ${REQUIRED_NAPI} (Node >= 20).` : '',
  ].filter(Boolean);
  throw new FasttuneError(['Could not load the fasttune native addon.', ...failures.map((f) => `  tried ${f}`), ...hints].join('\n'), 'E_LOAD');
}

let cached: Binding | undefined;

/** The loaded addon (loaded on first use, so pure-TS parts work without it). */
export function native(): Binding {
  cached ??= load();
  return cached;
}
