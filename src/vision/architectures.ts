// The architectures visionLearner can build, described by plain objects (fastai passes the
// torchvision constructor; here the native side builds the network from the name, and this
// record holds fastai's meta for it).
import { imagenetStats, type Stats } from '../augment/normalize.js';
import { invalidParameterError } from '../core/validate.js';
import type { ArchName } from '../model/arch-names.js';

/** A network body visionLearner can build, with fastai's head on top. */
export interface Architecture {
  /** torchvision's name of the architecture. */
  readonly name: ArchName;
  /** The weights `pretrained: true` loads unless told otherwise (torchvision's DEFAULT). */
  readonly defaultWeights: string;
  /**
   * fastai's cut: the body is the network's children before this index (ResNets: `-2`, dropping
   * pooling and classifier; ConvNeXt: `1`, fastai's default of cutting before the last child with
   * a pooling layer, which keeps `features` only).
   */
  readonly cut: number;
  /**
   * fastai's parameter groups, as body child indices where a new group starts (the head is always
   * its own last group): ResNets `[6]` (`_resnet_split`: body[:6], body[6:], head); ConvNeXt `[]`
   * (`default_split`: body, head).
   */
  readonly splitAt: readonly number[];
  /** Channels out of the body; the head's input is twice that with concat pooling. */
  readonly bodyFeatures: number;
  /** The statistics the pretrained weights expect. */
  readonly stats: Readonly<Stats>;
}

function resnet(name: ArchName, defaultWeights: string, bodyFeatures: number): Architecture {
  return Object.freeze({ name, defaultWeights, cut: -2, splitAt: Object.freeze([6]), bodyFeatures, stats: imagenetStats });
}

/** ResNet-18 (BasicBlocks 2, 2, 2, 2). Pretrained: torchvision's `IMAGENET1K_V1`. */
export const resnet18 = resnet('resnet18', 'IMAGENET1K_V1', 512);
/**
 * ResNet-34 (torchvision's layout and parameter names): cut before its pooling and classifier,
 * split into fastai's three parameter groups (stem + layer1 + layer2, layer3 + layer4, head).
 * Pretrained weights: torchvision's `IMAGENET1K_V1`.
 */
export const resnet34 = resnet('resnet34', 'IMAGENET1K_V1', 512);
/** ResNet-50 (Bottlenecks 3, 4, 6, 3). Pretrained: torchvision's DEFAULT, `IMAGENET1K_V2`. */
export const resnet50 = resnet('resnet50', 'IMAGENET1K_V2', 2048);
/** ResNet-101 (Bottlenecks 3, 4, 23, 3). Pretrained: torchvision's DEFAULT, `IMAGENET1K_V2`. */
export const resnet101 = resnet('resnet101', 'IMAGENET1K_V2', 2048);
/** ResNet-152 (Bottlenecks 3, 8, 36, 3). Pretrained: torchvision's DEFAULT, `IMAGENET1K_V2`. */
export const resnet152 = resnet('resnet152', 'IMAGENET1K_V2', 2048);
/**
 * torchvision's `convnext_tiny`: body = `features` (LayerNorm2d, depthwise 7x7 blocks with layer
 * scale, stochastic depth up to 0.1 in training), two parameter groups (body, head) as fastai's
 * default split. ImageNet statistics (fastai's timm path normalizes with them; torchvision's
 * weights expect them). Pretrained: torchvision's `IMAGENET1K_V1`.
 */
export const convnextTiny: Architecture = Object.freeze({
  name: 'convnext_tiny',
  defaultWeights: 'IMAGENET1K_V1',
  cut: 1,
  splitAt: Object.freeze([]),
  bodyFeatures: 768,
  stats: imagenetStats,
});

const ARCHITECTURES: readonly Architecture[] = [resnet18, resnet34, resnet50, resnet101, resnet152, convnextTiny];

/** The architecture given as a descriptor (e.g. `resnet34`) or by its name. */
export function checkArchitecture(where: string, value: unknown): Architecture {
  const name = typeof value === 'string' ? value : (value as Partial<Architecture> | null)?.name;
  const found = ARCHITECTURES.find((a) => a.name === name);
  if (found) return found;
  // A descriptor is shown by its name.
  throw invalidParameterError(where, 'arch', `one of ${ARCHITECTURES.map((a) => a.name).join(', ')} (import { resnet34 } from 'fasttune')`, name ?? value);
}
