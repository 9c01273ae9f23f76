// What fastai's cut keeps of each architecture the native core builds, and how wide the kept
// body's output is: torchvision's top-level children and the channels each one gives.
import { invalidParameterError } from '../core/validate.js';
import type { ArchName } from './arch-names.js';

interface Layout {
  /** torchvision's top-level children, which fastai's cut indexes (ResNets 10, ConvNeXt 3). */
  readonly children: number;
  /** Channels out of each child the body may keep (those before the pooling). */
  readonly widths: readonly number[];
}

/** conv1, bn1, relu, maxpool, layer1 … layer4 (then avgpool, fc). */
function resnet(expansion: number): Layout {
  return { children: 10, widths: [64, 64, 64, 64, 64 * expansion, 128 * expansion, 256 * expansion, 512 * expansion] };
}

const LAYOUTS: Record<ArchName, Layout> = {
  resnet18: resnet(1),
  resnet34: resnet(1),
  resnet50: resnet(4),
  resnet101: resnet(4),
  resnet152: resnet(4),
  convnext_tiny: { children: 3, widths: [768] }, // features (then avgpool, classifier)
};

/** A body as fastai's cut leaves it: how many children it keeps and its output channels. */
export interface BodyLayout {
  /** The cut as given (Python's `children[:cut]`); undefined: the whole body. */
  readonly cut: number | undefined;
  /** Children kept. */
  readonly length: number;
  /** Channels of the feature maps the head receives (fastai's `num_features_model`). */
  readonly nf: number;
}

/**
 * The body `cut` leaves of `arch`: a cut must keep at least one child and end before the pooling
 * (ResNets: 1 to 8 or -9 to -2; ConvNeXt: 1 or -2). Undefined: the whole body.
 */
export function checkCut(where: string, name: string, arch: ArchName, cut: unknown): BodyLayout {
  const { children, widths } = LAYOUTS[arch];
  if (cut === undefined) return { cut: undefined, length: widths.length, nf: widths[widths.length - 1] as number };
  const length = typeof cut === 'number' && Number.isSafeInteger(cut) ? (cut < 0 ? children + cut : cut) : NaN;
  if (!(length >= 1 && length <= widths.length)) {
    const range = widths.length === 1 ? `1 or ${1 - children}` : `1 to ${widths.length}, or ${1 - children} to ${widths.length - children}`;
    throw invalidParameterError(where, name, `an integer that keeps part of ${arch}'s body before its pooling (${range})`, cut);
  }
  return { cut: cut as number, length, nf: widths[length - 1] as number };
}
