// Argument checks for the augmentation options, with sentences that name the option.
import { FasttuneError } from '../core/errors.js';

function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`;
  if (value !== null && typeof value === 'object') return (value as object).constructor?.name ?? 'an object';
  return String(value);
}

/** A FasttuneError E_ARG: "<where>: <name> must be <expected>, got <actual>". */
export function invalid(where: string, name: string, expected: string, actual: unknown): FasttuneError {
  return new FasttuneError(`${where}: ${name} must be ${expected}, got ${show(actual)}`, 'E_ARG');
}

/** Rejects keys that are not options (a typo such as `max_rotate` would otherwise be ignored). */
export function checkKeys(where: string, options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new FasttuneError(`${where}: unknown option '${key}' (known: ${known.join(', ')})`, 'E_ARG');
    }
  }
}

export function finiteNumber(where: string, name: string, value: unknown, min = -Infinity): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw invalid(where, name, min === -Infinity ? 'a finite number' : `a finite number ≥ ${min}`, value);
  }
  return value;
}

export function probability(where: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw invalid(where, name, 'a probability between 0 and 1', value);
  }
  return value;
}

export function boolean(where: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw invalid(where, name, 'true or false', value);
  return value;
}

export function oneOf<T extends string>(where: string, name: string, value: unknown, choices: readonly T[]): T {
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw invalid(where, name, `one of ${choices.map((c) => `'${c}'`).join(', ')}`, value);
  }
  return value as T;
}

export function positiveInteger(where: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw invalid(where, name, 'a positive integer', value);
  }
  return value;
}

/** A size given as one side (square) or as [height, width]. */
export function imageSize(where: string, name: string, value: unknown): [number, number] {
  const ok = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1;
  if (ok(value)) return [value, value];
  if (Array.isArray(value) && value.length === 2 && ok(value[0]) && ok(value[1])) return [value[0], value[1]];
  throw invalid(where, name, 'a positive integer or [height, width] of positive integers', value);
}
