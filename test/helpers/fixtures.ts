// Reads the reference fixtures written by test/reference/*.py (safetensors + JSON metadata).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const fixturesDir = fileURLToPath(new URL('../fixtures/', import.meta.url));

export type FixtureArray = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;

export interface FixtureTensor {
  shape: number[];
  data: FixtureArray;
}

export interface Fixture {
  tensors: Map<string, FixtureTensor>;
  meta: Record<string, unknown>;
  /** A tensor by name; throws when the generator did not write it. */
  get(name: string): FixtureTensor;
  /** A tensor's values as plain numbers. */
  numbers(name: string): number[];
}

const ARRAYS = {
  F32: Float32Array,
  F64: Float64Array,
  I64: BigInt64Array,
  I32: Int32Array,
  U8: Uint8Array,
  BOOL: Uint8Array,
} as const;

export function readSafetensors(path: string): Fixture {
  const bytes = readFileSync(path);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, unknown>;
  const base = 8 + headerLength;
  const tensors = new Map<string, FixtureTensor>();
  const meta: Record<string, unknown> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      for (const [k, v] of Object.entries(entry as Record<string, string>)) meta[k] = JSON.parse(v);
      continue;
    }
    const { dtype, shape, data_offsets } = entry as { dtype: keyof typeof ARRAYS; shape: number[]; data_offsets: [number, number] };
    const Ctor = ARRAYS[dtype];
    const [start, end] = data_offsets;
    const copy = bytes.subarray(base + start, base + end);
    const buffer = copy.buffer.slice(copy.byteOffset, copy.byteOffset + copy.byteLength);
    tensors.set(name, { shape, data: new Ctor(buffer) });
  }
  return {
    tensors,
    meta,
    get(name) {
      const t = tensors.get(name);
      if (!t) throw new Error(`fixture ${path} has no tensor '${name}'`);
      return t;
    },
    numbers(name) {
      return Array.from(this.get(name).data as ArrayLike<number | bigint>, Number);
    },
  };
}

/** Loads test/fixtures/<generator>/<file>.safetensors. */
export function fixture(generator: string, file = generator): Fixture {
  return readSafetensors(join(fixturesDir, generator, `${file}.safetensors`));
}
