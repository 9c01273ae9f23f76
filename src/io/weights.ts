import { FasttuneError, withCallerStack } from '../core/errors.js';
import { native, type WeightsContents, type WeightsTensor } from '../native.js';

export type { WeightsArray, WeightsContents, WeightsDtype, WeightsTensor } from '../native.js';

/**
 * Reads every tensor of a safetensors file or a PyTorch zip checkpoint (what `torch.save` writes
 * since PyTorch 1.6), chosen by the file's first bytes. A checkpoint may hold a bare state dict
 * or one under `model` (fastai's `learn.save`, beside `opt`) or `state_dict`; its pickle is
 * decoded, never run, and any global a state dict does not need is refused by name. Tensors come
 * back contiguous, in file order; `requires_grad` is dropped.
 *
 * @throws FasttuneError `E_IO` naming the file when it is missing, corrupt, hostile, a legacy
 * (pre-1.6) checkpoint, or holds no state dict.
 */
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
