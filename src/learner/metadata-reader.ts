// Field-by-field readers for the JSON metadata of our files: each value is checked for its type
// and range, and a failure names the file and the field. Nothing in the metadata is ever run.
import { FasttuneError } from '../core/errors.js';

/** Reads the fields of one JSON object of a file's metadata. */
export class FieldReader {
  constructor(
    readonly file: string,
    readonly prefix: string,
    private readonly values: Record<string, unknown>,
  ) {}

  /** Parses `text` (a metadata value) as a JSON object. */
  static parse(file: string, key: string, text: string | undefined): FieldReader {
    if (text === undefined) throw new FasttuneError(`${file}: the metadata has no '${key}' entry`, 'E_IO');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new FasttuneError(`${file}: the metadata entry '${key}' is not valid JSON`, 'E_IO');
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new FasttuneError(`${file}: the metadata entry '${key}' is not a JSON object`, 'E_IO');
    }
    return new FieldReader(file, key, value as Record<string, unknown>);
  }

  fail(field: string, expected: string): FasttuneError {
    const value = this.values[field];
    const shown = value === undefined ? 'nothing' : JSON.stringify(value).slice(0, 60);
    return new FasttuneError(`${this.file}: metadata field '${this.prefix}.${field}' must be ${expected}, got ${shown}`, 'E_IO');
  }

  /** Whether the object has `field` at all (for fields newer files add). */
  has(field: string): boolean {
    return this.values[field] !== undefined;
  }

  isNull(field: string): boolean {
    return this.values[field] === null;
  }

  /** Refuses fields this version does not know (a file we did not write). */
  only(fields: readonly string[]): void {
    for (const key of Object.keys(this.values)) {
      if (!fields.includes(key)) throw new FasttuneError(`${this.file}: metadata field '${this.prefix}.${key}' is not one fasttune writes`, 'E_IO');
    }
  }

  string(field: string, choices?: readonly string[]): string {
    const v = this.values[field];
    if (typeof v !== 'string' || (choices && !choices.includes(v)))
      throw this.fail(field, choices ? `one of ${choices.map((c) => `'${c}'`).join(', ')}` : 'a string');
    return v;
  }

  boolean(field: string): boolean {
    const v = this.values[field];
    if (typeof v !== 'boolean') throw this.fail(field, 'true or false');
    return v;
  }

  number(field: string, min = -Infinity, max = Infinity): number {
    const v = this.values[field];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) throw this.fail(field, `a number in [${min}, ${max}]`);
    return v;
  }

  integer(field: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    const v = this.values[field];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw this.fail(field, `an integer in [${min}, ${max}]`);
    return v;
  }

  numbers(field: string, length: number, min = -Infinity): number[] {
    const v = this.values[field];
    if (!Array.isArray(v) || v.length !== length || !v.every((x) => typeof x === 'number' && Number.isFinite(x) && x >= min)) {
      throw this.fail(field, `an array of ${length} finite numbers${min > -Infinity ? ` ≥ ${min}` : ''}`);
    }
    return v as number[];
  }

  /** As {@link numbers}, or null. */
  numbersOrNull(field: string, length: number): number[] | null {
    return this.isNull(field) ? null : this.numbers(field, length);
  }

  /** `[height, width]`, positive integers. */
  size(field: string): [number, number] {
    const v = this.values[field];
    if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => Number.isInteger(x) && x >= 1 && x <= 65536)) {
      throw this.fail(field, '[height, width] in pixels');
    }
    return [v[0] as number, v[1] as number];
  }

  strings(field: string): string[] {
    const v = this.values[field];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw this.fail(field, 'an array of strings');
    return v as string[];
  }

  /** A nested object, or null when `nullable` and the value is null. */
  object(field: string): FieldReader;
  object(field: string, nullable: true): FieldReader | null;
  object(field: string, nullable = false): FieldReader | null {
    const v = this.values[field];
    if (v === null && nullable) return null;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw this.fail(field, nullable ? 'an object or null' : 'an object');
    return new FieldReader(this.file, `${this.prefix}.${field}`, v as Record<string, unknown>);
  }

  /** The field's JSON value as it is, for a checker of its own (which must fail through {@link fail}). */
  value(field: string): unknown {
    return this.values[field];
  }

  /** An array of objects. */
  objects(field: string): FieldReader[] {
    const v = this.values[field];
    if (!Array.isArray(v) || !v.every((x) => x !== null && typeof x === 'object' && !Array.isArray(x))) throw this.fail(field, 'an array of objects');
    return v.map((x, i) => new FieldReader(this.file, `${this.prefix}.${field}[${i}]`, x as Record<string, unknown>));
  }
}
