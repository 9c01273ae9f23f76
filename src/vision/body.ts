// createBody: fastai's create_body as a description: which architecture, where it is cut, and how
// wide its features are, so that createHead(body.nf, nOut) composes with it and visionLearner
// builds the two together.
import { checkOptions, checkString, invalidParameterError } from '../core/validate.js';
import type { ArchName } from '../model/arch-names.js';
import { checkCut } from '../model/body-layout.js';
import { checkArchitecture, type Architecture } from './architectures.js';

/** A body as {@link createBody} describes it; `visionLearner` takes it in place of an architecture. */
export interface Body {
  readonly kind: 'body';
  /** torchvision's name of the architecture. */
  readonly arch: ArchName;
  /** fastai's cut: the body is torchvision's children before this index. */
  readonly cut: number;
  /** Channels of the feature maps the body gives the head (fastai's `num_features_model`). */
  readonly nf: number;
  /** The pretrained weights visionLearner loads into it (a name or a file); absent: the architecture's default. */
  readonly weights?: string;
}

/** Options of {@link createBody}. */
export interface CreateBodyOptions {
  /**
   * fastai's cut (default the architecture's: ResNets `-2`, ConvNeXt `1`): the body is torchvision's
   * children before this index, e.g. `-3` drops a ResNet's last stage too.
   */
  cut?: number;
  /** The pretrained weights to load into the body (a weights name or a file; default the architecture's). */
  weights?: string;
}

/**
 * fastai's `create_body`, described: the architecture cut at `cut`, with the width `nf` of what it
 * gives the head. Pass it to `visionLearner` instead of the architecture, with a head from
 * `createHead(body.nf, nOut, …)`.
 *
 * @example
 * ```ts
 * const body = createBody(resnet34, { cut: -3 });          // without layer4: nf 256
 * const head = createHead(body.nf, dls.c, { linFtrs: [128] });
 * const learn = await visionLearner(dls, body, { head });
 * ```
 */
export function createBody(arch: Architecture | ArchName, options: CreateBodyOptions = {}): Body {
  const where = 'createBody';
  const architecture = checkArchitecture(where, arch);
  const o = checkOptions(where, options, ['cut', 'weights']) as CreateBodyOptions;
  const { nf } = checkCut(where, 'cut', architecture.name, o.cut ?? architecture.cut);
  const body: Body = { kind: 'body', arch: architecture.name, cut: o.cut ?? architecture.cut, nf };
  return Object.freeze(o.weights === undefined ? body : { ...body, weights: checkString(where, 'weights', o.weights) });
}

/** Whether `value` is a {@link Body} (as opposed to an architecture); a malformed one is refused. */
export function isBody(where: string, value: unknown): value is Body {
  if (value === null || typeof value !== 'object' || (value as { kind?: unknown }).kind !== 'body') return false;
  const body = value as Body;
  const fresh = createBody(body.arch, { cut: body.cut, ...(body.weights !== undefined && { weights: body.weights }) });
  if (fresh.nf !== body.nf) throw invalidParameterError(where, 'arch', `a body from createBody (nf ${fresh.nf} for ${body.arch} cut at ${body.cut})`, body.nf);
  return true;
}
