// Spreading one hyper-parameter value over the model's parameter groups (discriminative learning
// rates): a scalar, slice(hi), slice(lo, hi) or one value per group.
import { checkNumber, describe, invalidParameterError, type RangeOptions } from '../core/validate.js';

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
    checkNumber('slice', 'hi', a, { min: 0, minOpen: true });
    return new Slice(undefined, a);
  }
  checkNumber('slice', 'hi', b, { min: 0, minOpen: true });
  checkNumber('slice', 'lo', a, { min: 0 });
  if (a > b) throw invalidParameterError('slice', 'lo', `a number ≤ hi (${describe(b)})`, a);
  return new Slice(a === 0 ? undefined : a, b);
}

/** A hyper-parameter value as a user gives it: one number, a {@link Slice}, or one number per group. */
export type HyperValue = number | Slice | readonly number[];

/** `n` values from `start` to `stop` in equal multiplicative steps (fastai's `even_mults`). */
export function evenMults(start: number, stop: number, n: number): number[] {
  if (n === 1) return [stop];
  const step = (stop / start) ** (1 / (n - 1));
  return Array.from({ length: n }, (_, i) => start * step ** i);
}

/** What each spread value must be: `{ min: 0, minOpen: true }` for a learning rate, `{ min: 0 }` for weight decay. */
export type HyperRange = RangeOptions;

/**
 * One value per group from a {@link HyperValue}, each a finite number in `range`; an error names
 * the argument and, for a list, the entry (e.g. "fit: expected … for lr[1] but received -1").
 */
export function spreadHyper(where: string, name: string, value: unknown, nGroups: number, range: HyperRange): number[] {
  if (value instanceof Slice) {
    const values = value.lo === undefined ? [...Array<number>(nGroups - 1).fill(value.hi / 10), value.hi] : evenMults(value.lo, value.hi, nGroups);
    return values.map((v) => checkNumber(where, name, v, range));
  }
  if (Array.isArray(value)) {
    if (value.length !== 1 && value.length !== nGroups) {
      throw invalidParameterError(where, name, `one value or one per parameter group (${nGroups})`, value);
    }
    const values = value.length === 1 ? Array<unknown>(nGroups).fill(value[0]) : value;
    return values.map((v, i) => checkNumber(where, `${name}[${i}]`, v, range));
  }
  return Array<number>(nGroups).fill(checkNumber(where, name, value, range));
}
