import { FasttuneError, withCallerStack } from '../errors.js';
import { native } from '../native.js';

/** Element types of weight files, by their safetensors names. */
export type WeightsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

export type WeightsArray = Float32Array | Float64Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;

export interface WeightsTensor {
  name: string;
  /** The dtype in the file; F16/BF16 values arrive widened to a Float32Array. */
  dtype: WeightsDtype;
  shape: number[];
  data: WeightsArray;
}

export interface WeightsContents {
  format: 'safetensors' | 'pytorch';
  metadata: Record<string, string>;
  tensors: WeightsTensor[];
}

/** Reads every tensor of a safetensors file or a PyTorch zip checkpoint. */
export async function readWeights(path: string): Promise<WeightsContents> {
  if (typeof path !== 'string' || path === '') {
    throw new FasttuneError(`readWeights: path must be a non-empty string, got ${String(path)}`, 'E_ARG');
  }
  return withCallerStack(native().readWeights(path));
}

/** Writes tensors (and string metadata) as a safetensors file, atomically. */
export async function writeWeights(
  path: string,
  tensors: ReadonlyArray<Pick<WeightsTensor, 'name' | 'shape' | 'data'>>,
  metadata: Record<string, string> = {},
): Promise<void> {
  if (typeof path !== 'string' || path === '') {
    throw new FasttuneError(`writeWeights: path must be a non-empty string, got ${String(path)}`, 'E_ARG');
  }
  const seen = new Set<string>();
  for (const t of tensors) {
    if (seen.has(t.name)) throw new FasttuneError(`writeWeights: tensor name '${t.name}' appears twice`, 'E_ARG');
    seen.add(t.name);
  }
  return withCallerStack(native().writeWeights(path, tensors, metadata));
}
