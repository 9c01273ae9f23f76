import { withCallerStack } from '../core/errors.js';
import { checkString, invalidParameterError } from '../core/validate.js';
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
  return withCallerStack(native().readWeights(checkString('readWeights', 'path', path)));
}

/** Writes tensors (and string metadata) as a safetensors file, atomically. */
export async function writeWeights(
  path: string,
  tensors: ReadonlyArray<Pick<WeightsTensor, 'name' | 'shape' | 'data'>>,
  metadata: Record<string, string> = {},
): Promise<void> {
  checkString('writeWeights', 'path', path);
  const seen = new Set<string>();
  tensors.forEach((t, i) => {
    if (seen.has(t.name)) throw invalidParameterError('writeWeights', `tensors[${i}].name`, 'a name no other tensor has (each name appears once)', t.name);
    seen.add(t.name);
  });
  return withCallerStack(native().writeWeights(path, tensors, metadata));
}
