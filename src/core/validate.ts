// The one argument validator. Every public entry point checks its arguments here, so every bad
// argument reads the same: "<where>: expected <what> for <name> but received <value>".
import { FasttuneError } from './errors.js';

/** A short, readable rendering of any value for error messages. */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'string') return `'${value.length > 60 ? `${value.slice(0, 60)}…` : value}'`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (Array.isArray(value)) return value.length <= 6 ? `[${value.map(describe).join(', ')}]` : `an array of ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of ${(value as unknown as ArrayLike<unknown>).length ?? value.byteLength}`;
  if (typeof value === 'object') {
    const name = (value as object).constructor?.name;
    return name && name !== 'Object' ? `a ${name}` : 'an object';
  }
  return typeof value;
}

/** The E_ARG error of every failed check: "<where>: expected <expected> for <name> but received <actual>". */
export function invalidParameterError(where: string, name: string, expected: string, actual: unknown): FasttuneError {
  return new FasttuneError(`${where}: expected ${expected} for ${name} but received ${describe(actual)}`, 'E_ARG');
}

export interface RangeOptions {
  min?: number;
  max?: number;
  /** The bounds themselves are excluded. */
  minOpen?: boolean;
  maxOpen?: boolean;
}

function rangeText(what: string, { min, max, minOpen, maxOpen }: RangeOptions): string {
  if (min !== undefined && max !== undefined) return `${what} in ${minOpen ? '(' : '['}${min}, ${max}${maxOpen ? ')' : ']'}`;
  if (min !== undefined) return `${what} ${minOpen ? '>' : '≥'} ${min}`;
  if (max !== undefined) return `${what} ${maxOpen ? '<' : '≤'} ${max}`;
  return what;
}

function inRange(value: number, { min, max, minOpen, maxOpen }: RangeOptions): boolean {
  if (min !== undefined && (minOpen ? value <= min : value < min)) return false;
  if (max !== undefined && (maxOpen ? value >= max : value > max)) return false;
  return true;
}

/** A finite number, optionally within a range. */
export function checkNumber(where: string, name: string, value: unknown, range: RangeOptions = {}): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !inRange(value, range)) {
    throw invalidParameterError(where, name, rangeText('a finite number', range), value);
  }
  return value;
}

/** An integer, optionally within a range. */
export function checkInteger(where: string, name: string, value: unknown, range: RangeOptions = {}): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || !inRange(value, range)) {
    throw invalidParameterError(where, name, rangeText('an integer', range), value);
  }
  return value;
}

/** A probability or fraction in [0, 1]. */
export function checkProbability(where: string, name: string, value: unknown): number {
  return checkNumber(where, name, value, { min: 0, max: 1 });
}

export function checkBoolean(where: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw invalidParameterError(where, name, 'true or false', value);
  return value;
}

/** A non-empty string. */
export function checkString(where: string, name: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw invalidParameterError(where, name, 'a non-empty string', value);
  return value;
}

export function checkFunction<T extends (...args: never[]) => unknown>(where: string, name: string, value: unknown): T {
  if (typeof value !== 'function') throw invalidParameterError(where, name, 'a function', value);
  return value as T;
}

export function checkOneOf<T extends string>(where: string, name: string, value: unknown, choices: readonly T[]): T {
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw invalidParameterError(where, name, `one of ${choices.map((c) => `'${c}'`).join(', ')}`, value);
  }
  return value as T;
}

/** A size given as one side (square) or as [height, width], in positive integers. */
export function checkImageSize(where: string, name: string, value: unknown): [number, number] {
  const ok = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 1;
  if (ok(value)) return [value, value];
  if (Array.isArray(value) && value.length === 2 && ok(value[0]) && ok(value[1])) return [value[0], value[1]];
  throw invalidParameterError(where, name, 'a positive integer or [height, width] of positive integers', value);
}

/** An options object (undefined reads as {}), with no key outside `known`: a typo would otherwise be ignored. */
export function checkOptions(where: string, value: unknown, known: readonly string[], name = 'options'): Record<string, unknown> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalidParameterError(where, name, 'an options object', value);
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      const hint = closest(key, known);
      throw invalidParameterError(where, `${name}`, `one of the keys ${known.join(', ')}${hint ? ` (did you mean '${hint}'?)` : ''}`, key);
    }
  }
  return value as Record<string, unknown>;
}

/** The known name nearest to `word` by edit distance, when it is near enough to be a typo. */
export function closest(word: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] as number;
}
