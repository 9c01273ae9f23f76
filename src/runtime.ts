import { FasttuneError } from './core/errors.js';
import { native, type LiveNativeObjects, type NativeVersions } from './native.js';

export type { LiveNativeObjects, NativeVersions };

/** LibTorch's version and build, CUDA availability, threads and the Node-API version. */
export function versions(): NativeVersions {
  return native().versions();
}

/** Sets LibTorch's intra-op thread count (default: all cores). */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) {
    throw new FasttuneError(`setNumThreads: expected a positive integer, got ${String(n)}`, 'E_ARG');
  }
  native().setNumThreads(n);
}

/** LibTorch's intra-op thread count. */
export function getNumThreads(): number {
  return native().getNumThreads();
}

/**
 * How many native objects are alive now, process-wide: models not yet freed (by `dispose()` or
 * garbage collection) and jobs not yet settled. Flat over a long run means nothing leaks.
 */
export function liveNativeObjects(): LiveNativeObjects {
  return native().liveObjects();
}
