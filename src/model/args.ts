// Argument checks for the model API: each failure is a FasttuneError(E_ARG) whose sentence names
// the argument, what was expected and what came.
import { checkAugmentParams } from '../augment/apply.js';
import { FasttuneError } from '../core/errors.js';
import type { Batch } from '../data/loader-contract.js';
import type { GroupHypers } from './types.js';

/** A short, readable rendering of a bad value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return `'${value.length > 40 ? `${value.slice(0, 40)}...` : value}'`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  return `a ${typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value}`;
}

export function argError(where: string, name: string, expected: string, actual: unknown): FasttuneError {
  return new FasttuneError(`${where}: ${name} must be ${expected}, got ${describe(actual)}`, 'E_ARG');
}

export function checkInteger(where: string, name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`;
    throw argError(where, name, range, value);
  }
  return value;
}

export function checkNumber(where: string, name: string, value: unknown, min: number, max: number, maxOpen = false): number {
  const ok = typeof value === 'number' && Number.isFinite(value) && value >= min && (maxOpen ? value < max : value <= max);
  if (!ok) throw argError(where, name, `a number in [${min}, ${max}${maxOpen ? ')' : ']'}`, value);
  return value as number;
}

export function checkBoolean(where: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw argError(where, name, 'true or false', value);
  return value;
}

export function checkOneOf<T extends string>(where: string, name: string, value: unknown, choices: readonly T[]): T {
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw argError(where, name, `one of ${choices.map((c) => `'${c}'`).join(', ')}`, value);
  }
  return value as T;
}

/** Pixels and their [n, height, width, 3] shape. */
export function checkImages(where: string, images: unknown, shape: unknown): void {
  if (!(images instanceof Uint8Array)) throw argError(where, 'images', 'a Uint8Array of RGB pixels (n x height x width x 3)', images);
  if (!Array.isArray(shape) || shape.length !== 4) throw argError(where, 'shape', '[n, height, width, 3]', shape);
  shape.forEach((d, i) => checkInteger(where, `shape[${i}]`, d, 1));
  if (shape[3] !== 3) throw argError(where, 'shape[3] (channels)', '3', shape[3]);
  const expected = shape.reduce((a: number, b: number) => a * b, 1);
  if (images.length !== expected) {
    throw new FasttuneError(
      `${where}: images has ${images.length} values, but shape [${shape.join(', ')}] needs ${expected}`,
      'E_ARG',
    );
  }
}

export function checkBatch(where: string, batch: Batch, nOut: number): void {
  if (typeof batch !== 'object' || batch === null) throw argError(where, 'batch', 'an object { images, shape, labels }', batch);
  checkImages(where, batch.images, batch.shape);
  const { labels } = batch;
  const n = batch.shape[0];
  if (!(labels instanceof Int32Array)) throw argError(where, 'batch.labels', 'an Int32Array of class indices', labels);
  if (labels.length !== n) throw argError(where, 'batch.labels', `one label per image (${n})`, `${labels.length} labels`);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i] as number;
    if (label < 0 || label >= nOut) {
      throw new FasttuneError(`${where}: batch.labels[${i}] is ${label}, but the model has classes 0 to ${nOut - 1}`, 'E_ARG');
    }
  }
  if (batch.augment !== undefined) checkAugmentParams(where, batch.augment, n);
}

export function checkHypers(where: string, hypers: readonly GroupHypers[], nGroups: number, optimizer: 'adam' | 'sgd'): void {
  if (!Array.isArray(hypers) || hypers.length !== nGroups) {
    throw argError(where, 'hypers', `an array with one entry per parameter group (${nGroups})`, hypers);
  }
  hypers.forEach((h, g) => {
    const name = `hypers[${g}]`;
    if (typeof h !== 'object' || h === null) throw argError(where, name, 'an object { lr, mom, sqrMom, eps, wd }', h);
    checkNumber(where, `${name}.lr`, h.lr, 0, Number.MAX_VALUE);
    checkNumber(where, `${name}.wd`, h.wd, 0, Number.MAX_VALUE);
    if (optimizer === 'adam') {
      checkNumber(where, `${name}.mom`, h.mom, 0, 1, true);
      checkNumber(where, `${name}.sqrMom`, h.sqrMom, 0, 1, true);
      checkNumber(where, `${name}.eps`, h.eps, 0, Number.MAX_VALUE);
    } else {
      checkNumber(where, `${name}.mom`, h.mom, 0, Number.MAX_VALUE);
    }
  });
}
