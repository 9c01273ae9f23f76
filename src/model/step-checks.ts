// The checks of the model's steps, which users may call directly: pixels and their shape, a
// batch's labels, and one set of hyper-parameters per parameter group.
import { FasttuneError } from '../core/errors.js';
import { checkInteger, checkNumber, invalidParameterError } from '../core/validate.js';
import type { Batch } from '../core/batch.js';
import type { GroupHypers } from './types.js';

/** Pixels and their [n, height, width, 3] shape. */
export function checkImages(where: string, images: unknown, shape: unknown): void {
  if (!(images instanceof Uint8Array)) throw invalidParameterError(where, 'images', 'a Uint8Array of RGB pixels (n x height x width x 3)', images);
  if (!Array.isArray(shape) || shape.length !== 4) throw invalidParameterError(where, 'shape', '[n, height, width, 3]', shape);
  shape.forEach((d, i) => checkInteger(where, `shape[${i}]`, d, { min: 1 }));
  if (shape[3] !== 3) throw invalidParameterError(where, 'shape[3] (channels)', '3', shape[3]);
  const expected = shape.reduce((a: number, b: number) => a * b, 1);
  if (images.length !== expected) {
    throw new FasttuneError(`${where}: images has ${images.length} values, but shape [${shape.join(', ')}] needs ${expected}`, 'E_ARG');
  }
}

/**
 * A batch for a step: pixels, shape and one label per image in the model's classes, or (with
 * `floatTargets`, for BCE, MSE and L1) n × nOut finite float targets. Its augment parameters come
 * from a batch transform's draw and are checked natively, where they are used.
 */
export function checkBatch(where: string, batch: Batch, nOut: number, floatTargets = false): void {
  if (typeof batch !== 'object' || batch === null) throw invalidParameterError(where, 'batch', 'an object { images, shape, labels }', batch);
  checkImages(where, batch.images, batch.shape);
  const { labels } = batch;
  const n = batch.shape[0];
  if (!(labels instanceof Int32Array)) throw invalidParameterError(where, 'batch.labels', 'an Int32Array of class indices', labels);
  if (labels.length !== n) throw invalidParameterError(where, 'batch.labels', `one label per image (${n})`, `${labels.length} labels`);
  if (floatTargets) {
    const { targets } = batch;
    if (!(targets instanceof Float32Array) || targets.length !== n * nOut) {
      throw invalidParameterError(where, 'batch.targets', `a Float32Array of ${n} × ${nOut} targets (this loss reads float targets)`, targets);
    }
    const bad = targets.findIndex((t) => !Number.isFinite(t));
    if (bad >= 0)
      throw new FasttuneError(`${where}: batch.targets[${bad}] (item ${Math.floor(bad / nOut)}) is ${targets[bad]}; targets must be finite`, 'E_ARG');
    return;
  }
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i] as number;
    if (label < 0 || label >= nOut) {
      throw new FasttuneError(`${where}: batch.labels[${i}] is ${label}, but the model has classes 0 to ${nOut - 1}`, 'E_ARG');
    }
  }
}

export function checkHypers(where: string, hypers: readonly GroupHypers[], nGroups: number, optimizer: 'adam' | 'sgd'): void {
  if (!Array.isArray(hypers) || hypers.length !== nGroups) {
    throw invalidParameterError(where, 'hypers', `an array with one entry per parameter group (${nGroups})`, hypers);
  }
  hypers.forEach((h, g) => {
    const name = `hypers[${g}]`;
    if (typeof h !== 'object' || h === null) throw invalidParameterError(where, name, 'an object { lr, mom, sqrMom, eps, wd }', h);
    checkNumber(where, `${name}.lr`, h.lr, { min: 0 });
    checkNumber(where, `${name}.wd`, h.wd, { min: 0 });
    if (optimizer === 'adam') {
      checkNumber(where, `${name}.mom`, h.mom, { min: 0, max: 1, maxOpen: true });
      checkNumber(where, `${name}.sqrMom`, h.sqrMom, { min: 0, max: 1, maxOpen: true });
      checkNumber(where, `${name}.eps`, h.eps, { min: 0 });
    } else {
      checkNumber(where, `${name}.mom`, h.mom, { min: 0 });
    }
  });
}
