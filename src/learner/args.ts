// Argument checks for the Learner's public methods: each failure is an E_ARG FasttuneError whose
// message names the argument, what was expected and what came.
import { FasttuneError } from '../core/errors.js';

/** A short, readable rendering of any value for error messages. */
export function describe(value: unknown): string {
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return `[${value.map(describe).join(', ')}]`;
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (typeof value === 'object') return value.constructor?.name && value.constructor !== Object ? `a ${value.constructor.name}` : 'an object';
  return String(value);
}

/** Throws an E_ARG error: "<where>: expected <expected>, got <actual>". */
export function argError(where: string, expected: string, actual: unknown): FasttuneError {
  return new FasttuneError(`${where}: expected ${expected}, got ${describe(actual)}`, 'E_ARG');
}

export function checkEpochs(where: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw argError(where, 'a whole number of epochs ≥ 0', value);
  }
  return value;
}

export function checkPositive(where: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw argError(where, 'a finite number > 0', value);
  }
  return value;
}

export function checkNonNegative(where: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw argError(where, 'a finite number ≥ 0', value);
  }
  return value;
}

export function checkFraction(where: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw argError(where, 'a number between 0 and 1', value);
  }
  return value;
}

export function checkInteger(where: string, value: unknown, min = -Infinity): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw argError(where, min === -Infinity ? 'an integer' : `an integer ≥ ${min}`, value);
  }
  return value;
}

export function checkBoolean(where: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw argError(where, 'true or false', value);
  return value;
}

export function checkString(where: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw argError(where, 'a non-empty string', value);
  return value;
}

/** Momentums (start, middle, end) of a one-cycle schedule, each in [0, 1). */
export function checkMoms(where: string, value: unknown): [number, number, number] {
  const ok = Array.isArray(value) && value.length === 3 && value.every((m) => typeof m === 'number' && m >= 0 && m < 1);
  if (!ok) throw argError(where, 'three momentums in [0, 1), e.g. [0.95, 0.85, 0.95]', value);
  return [value[0], value[1], value[2]] as [number, number, number];
}

/** Rejects option keys the method does not know (a typo would otherwise be silently ignored). */
export function checkKeys(where: string, options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new FasttuneError(`${where}: unknown option '${key}' (known: ${known.join(', ')})`, 'E_ARG');
    }
  }
}

export function checkOptionsObject(where: string, value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw argError(where, 'an options object', value);
  return value as Record<string, unknown>;
}
