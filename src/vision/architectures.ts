// The architectures visionLearner can build, described by plain objects (fastai passes the
// torchvision constructor; here the native side builds the network from the name).
import { invalidParameterError } from '../core/validate.js';
import type { PretrainedArch } from './pretrained.js';

/** A network body visionLearner can build, with fastai's head on top. */
export interface Architecture {
  /** torchvision's name of the architecture. */
  readonly name: PretrainedArch;
  /** The weights `pretrained: true` loads unless told otherwise (torchvision's DEFAULT). */
  readonly defaultWeights: string;
}

/**
 * ResNet-34 (torchvision's layout and parameter names): cut before its pooling and classifier,
 * split into fastai's three parameter groups (stem + layer1 + layer2, layer3 + layer4, head).
 * Pretrained weights: torchvision's `IMAGENET1K_V1`.
 */
export const resnet34: Architecture = Object.freeze({ name: 'resnet34', defaultWeights: 'IMAGENET1K_V1' });

const ARCHITECTURES: readonly Architecture[] = [resnet34];

/** The architecture given as a descriptor (e.g. `resnet34`) or by its name. */
export function checkArchitecture(where: string, value: unknown): Architecture {
  const name = typeof value === 'string' ? value : (value as Partial<Architecture> | null)?.name;
  const found = ARCHITECTURES.find((a) => a.name === name);
  if (found) return found;
  // A descriptor is shown by its name.
  throw invalidParameterError(where, 'arch', `one of ${ARCHITECTURES.map((a) => a.name).join(', ')} (import { resnet34 } from 'fasttune')`, name ?? value);
}
