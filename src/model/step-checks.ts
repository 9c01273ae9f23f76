// The checks of the model's steps, which users may call directly: pixels and their shape, a
// batch's labels, and one set of hyper-parameters per parameter group.
import { FasttuneError } from '../core/errors.js';
import { checkInteger, checkNumber, invalidParameterError } from '../core/validate.js';
import type { Batch, MixParams } from '../core/batch.js';
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
 * from a batch transform's draw and are checked natively, where they are used; its MixUp or CutMix
 * draws are checked here.
 */
export function checkBatch(where: string, batch: Batch, nOut: number, floatTargets = false): void {
  if (typeof batch !== 'object' || batch === null) throw invalidParameterError(where, 'batch', 'an object { images, shape, labels }', batch);
  checkImages(where, batch.images, batch.shape);
  const { labels } = batch;
  const n = batch.shape[0];
  if (!(labels instanceof Int32Array)) throw invalidParameterError(where, 'batch.labels', 'an Int32Array of class indices', labels);
  if (labels.length !== n) throw invalidParameterError(where, 'batch.labels', `one label per image (${n})`, `${labels.length} labels`);
  if (batch.mix !== undefined) checkMix(where, batch.mix, n);
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

/** MixUp or CutMix draws for n images; the box's fit to the network input is checked natively. */
function checkMix(where: string, mix: MixParams, n: number): void {
  if (typeof mix !== 'object' || mix === null) throw invalidParameterError(where, 'batch.mix', 'an object { shuffle, lam, box? }', mix);
  const { shuffle, lam, box } = mix;
  const seen = new Set(shuffle instanceof Int32Array ? shuffle : []);
  if (!(shuffle instanceof Int32Array) || shuffle.length !== n || seen.size !== n || shuffle.some((j) => j < 0 || j >= n)) {
    throw invalidParameterError(where, 'batch.mix.shuffle', `an Int32Array permutation of 0 … ${n - 1}`, shuffle);
  }
  if (!(lam instanceof Float32Array) || lam.length !== n || !lam.every(Number.isFinite)) {
    throw invalidParameterError(where, 'batch.mix.lam', `a Float32Array of ${n} finite weights`, lam);
  }
  if (box !== undefined) {
    const ok = Array.isArray(box) && box.length === 4 && box.every((v) => Number.isInteger(v) && v >= 0) && box[0] <= box[2] && box[1] <= box[3];
    if (!ok) throw invalidParameterError(where, 'batch.mix.box', '[x1, y1, x2, y2], integers with 0 ≤ x1 ≤ x2 and 0 ≤ y1 ≤ y2', box);
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
