import { checkInteger } from './core/validate.js';
import { native, type LiveNativeObjects, type NativeVersions } from './native.js';

export type { LiveNativeObjects, NativeVersions };

/** LibTorch's version and build, CUDA availability, threads and the Node-API version. */
export function versions(): NativeVersions {
  return native().versions();
}

/** Sets LibTorch's intra-op thread count (default: all cores). */
export function setNumThreads(n: number): void {
  native().setNumThreads(checkInteger('setNumThreads', 'n', n, { min: 1 }));
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
