// Spreading one hyper-parameter value over the model's parameter groups (discriminative learning
// rates): a scalar, slice(hi), slice(lo, hi) or one value per group.
import { FasttuneError } from '../core/errors.js';
import { argError, describe } from './args.js';

/** A range of learning rates over the parameter groups; build it with {@link slice}. */
export class Slice {
  /** Lowest value (first group), or undefined for `slice(hi)`. */
  readonly lo: number | undefined;
  /** Highest value (last group). */
  readonly hi: number;

  /** @internal Use {@link slice}. */
  constructor(lo: number | undefined, hi: number) {
    this.lo = lo;
    this.hi = hi;
  }

  toString(): string {
    return this.lo === undefined ? `slice(${this.hi})` : `slice(${this.lo}, ${this.hi})`;
  }
}

/**
 * Discriminative values for the parameter groups, as fastai's `slice`:
 * `slice(hi)` gives every group but the last `hi/10` and the last `hi`;
 * `slice(lo, hi)` spaces the groups geometrically from `lo` to `hi` (a `lo` of 0 counts as absent).
 *
 * @example
 * await learn.fitOneCycle(6, slice(1e-6, 1e-4));   // 3 groups: 1e-6, 1e-5, 1e-4
 */
export function slice(hi: number): Slice;
export function slice(lo: number, hi: number): Slice;
export function slice(a: number, b?: number): Slice {
  if (b === undefined) {
    checkEnd('slice(hi)', 'hi', a);
    return new Slice(undefined, a);
  }
  checkEnd('slice(lo, hi)', 'hi', b);
  if (typeof a !== 'number' || !Number.isFinite(a) || a < 0) throw argError('slice(lo, hi): lo', 'a finite number ≥ 0', a);
  if (a > b) {
    throw new FasttuneError(`slice(lo, hi): lo (${describe(a)}) must not exceed hi (${describe(b)})`, 'E_ARG');
  }
  return new Slice(a === 0 ? undefined : a, b);
}

function checkEnd(where: string, name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw argError(`${where}: ${name}`, 'a finite number > 0', value);
  }
}

/** A hyper-parameter value as a user gives it: one number, a {@link Slice}, or one number per group. */
export type HyperValue = number | Slice | readonly number[];

/** `n` values from `start` to `stop` in equal multiplicative steps (fastai's `even_mults`). */
export function evenMults(start: number, stop: number, n: number): number[] {
  if (n === 1) return [stop];
  const step = (stop / start) ** (1 / (n - 1));
  return Array.from({ length: n }, (_, i) => start * step ** i);
}

/**
 * One value per group from a {@link HyperValue}; `check` validates each resulting value and names
 * it in its error (e.g. "fit: lr").
 */
export function spreadHyper(where: string, value: unknown, nGroups: number, check: (where: string, v: unknown) => number): number[] {
  if (value instanceof Slice) {
    const values =
      value.lo === undefined ? [...Array<number>(nGroups - 1).fill(value.hi / 10), value.hi] : evenMults(value.lo, value.hi, nGroups);
    return values.map((v) => check(where, v));
  }
  if (Array.isArray(value)) {
    if (value.length !== 1 && value.length !== nGroups) {
      throw argError(where, `one value or one per parameter group (${nGroups})`, value);
    }
    const values = value.length === 1 ? Array<unknown>(nGroups).fill(value[0]) : value;
    return values.map((v, i) => check(`${where}[${i}]`, v));
  }
  return Array<number>(nGroups).fill(check(where, value));
}
