// The only module that loads the compiled addon. It declares the native surface as a type and
// turns a failed load into one message that says what to do.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FasttuneError } from './errors.js';
import type { AugmentParams } from './augment/types.js';
import type { WeightsContents, WeightsTensor } from './io/weights.js';

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
}

/** The raw native surface. Public classes wrap it; nothing outside src/ sees it. */
export interface Binding {
  setErrorClass(cls: typeof FasttuneError): void;
  versions(): NativeVersions;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  readWeights(path: string): Promise<WeightsContents>;
  writeWeights(
    path: string,
    tensors: ReadonlyArray<Pick<WeightsTensor, 'name' | 'shape' | 'data'>>,
    metadata: Record<string, string>,
  ): Promise<void>;
  augmentBatch(
    images: Uint8Array,
    shape: readonly number[],
    params: AugmentParams | undefined,
    options: { device?: string; float?: boolean },
  ): Promise<{ images: Uint8Array; shape: number[]; float?: Float32Array }>;
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
      const binding = require(path) as Binding;
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
  throw new FasttuneError(
    ['Could not load the fasttune native addon.', ...failures.map((f) => `  tried ${f}`), ...hints].join('\n'),
    'E_LOAD',
  );
}

let cached: Binding | undefined;

/** The loaded addon (loaded on first use, so pure-TS parts work without it). */
export function native(): Binding {
  cached ??= load();
  return cached;
}
