// visionLearner: fastai's vision_learner. A body (pretrained by default) with fastai's head (or
// one described by createHead) for the DataLoaders' classes, normalizing with the DataLoaders'
// statistics, in a Learner that starts frozen when the body is pretrained.
import { imagenetStats, type Stats } from '../augment/normalize.js';
import type { DataLoaders } from '../data/loader-contract.js';
import { FasttuneError } from '../core/errors.js';
import { checkBoolean, checkInteger, checkOptions, checkString, invalidParameterError } from '../core/validate.js';
import { Learner } from '../learner/learner.js';
import { LEARNER_OPTION_KEYS, checkDataLoaders, type LearnerOptions } from '../learner/options.js';
import { createVisionModel, resolveHead, type DeviceName, type GradScalerOptions, type Precision, type VisionModel } from '../model/vision-model.js';
import type { ArchName } from '../model/arch-names.js';
import { checkCut } from '../model/body-layout.js';
import { HEAD_OPTION_KEYS, type Head, type HeadOptions } from '../model/head.js';
import { checkArchitecture, type Architecture } from './architectures.js';
import { isBody, type Body } from './body.js';
import { loadPretrainedWeights } from './exported-weights.js';
import { resolvePretrained } from './pretrained.js';

/**
 * Options of {@link visionLearner}; the defaults are fastai's. The head options (`linFtrs`, `ps`,
 * `pool`, `concatPool`, `firstBn`, `bnFinal`, `linFirst`, `yRange`) are `createHead`'s, for the
 * head built on the body; `head` replaces that head with another one.
 */
export interface VisionLearnerOptions extends LearnerOptions, HeadOptions {
  /** Start from pretrained weights and freeze the body (default true). */
  pretrained?: boolean;
  /**
   * With `pretrained`: a weights name (`'IMAGENET1K_V1'`, the default, found in the torch hub
   * cache or downloaded) or the path of a `.pth`/`.pt`/`.safetensors` file. A torchvision/timm
   * state dict fills the body (the head starts fresh). A learner exported by fasttune
   * (`learn.export`) fills the body, and the head too when it fits; when it does not (another
   * number of classes, another head), the head starts fresh and a line on the learner's `output`
   * says what differed. A whole model saved without export metadata fills body and head, whose
   * class count must then match.
   */
  weights?: string;
  /** Outputs of the head (default `dls.c`, one per class; the Learner needs exactly that). */
  nOut?: number;
  /**
   * fastai's `cut`: the body is torchvision's children before this index (default the
   * architecture's: ResNets `-2`, ConvNeXt `1`). Not with a body from `createBody`, which has its cut.
   */
  cut?: number;
  /** A head of your own (fastai's `custom_head`), as `createHead` describes one; not with the other head options. */
  head?: Head;
  /** Default `'auto'`: the first CUDA device if there is one, else the CPU. */
  device?: DeviceName;
  /** Mixed precision (default `'fp32'`); also `learn.toFp16()` / `toBf16()` / `toFp32()`. */
  precision?: Precision;
  /** Channels-last memory format (often faster on GPUs; default false). */
  channelsLast?: boolean;
  /** Seeds the head's (and, without pretrained weights, the body's) initialisation and the dropout masks. */
  seed?: number;
  /**
   * Evaluate and predict in fp32 with every BatchNorm folded into its neighbouring layer (default
   * true: faster, and within float32 rounding of the unfolded network); `false` computes exactly
   * what PyTorch's modules compute. See `createVisionModel`'s `foldBn`.
   */
  foldBn?: boolean;
}

const MODEL_KEYS = ['pretrained', 'weights', 'nOut', 'cut', 'head', ...HEAD_OPTION_KEYS, 'device', 'precision', 'channelsLast', 'seed', 'foldBn'] as const;

/**
 * A {@link Learner} over fastai's vision model: `learn.model` is the native {@link VisionModel}.
 * Free it with `dispose()` (or `using`) when done.
 */
export class VisionLearner extends Learner {
  declare readonly model: VisionModel;
  /** The architecture of the body. */
  readonly arch: Architecture;
  /** Whether the body started from pretrained weights. */
  readonly pretrained: boolean;

  /** @internal Use {@link visionLearner}. */
  constructor(dls: DataLoaders, model: VisionModel, options: LearnerOptions, arch: Architecture, pretrained: boolean) {
    super(dls, model, options);
    this.arch = arch;
    this.pretrained = pretrained;
  }

  /** fp16 autocast with dynamic loss scaling (CUDA only); weights and optimizer stay fp32. */
  toFp16(scaler: GradScalerOptions = {}): this {
    this.model.toFp16(scaler);
    return this;
  }

  /** bf16 autocast (CPU or CUDA), no loss scaling. */
  toBf16(): this {
    this.model.toBf16();
    return this;
  }

  /** Back to full fp32. */
  toFp32(): this {
    this.model.toFp32();
    return this;
  }

  /** Frees the native model. Idempotent; fails with E_BUSY while a step runs. */
  dispose(): void {
    this.model.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** The statistics the model normalizes with: the DataLoaders' (ImageNet's unless they say otherwise). */
function normalizationOf(dls: DataLoaders): Stats | false {
  if (dls.normalize === undefined) return imagenetStats;
  return dls.normalize === null ? false : dls.normalize;
}

async function pretrainedPath(arch: Architecture, weights: string): Promise<string> {
  try {
    return await resolvePretrained({ arch: arch.name, weights });
  } catch (error) {
    if (error instanceof FasttuneError && error.code === 'E_IO') {
      error.message = `${error.message.replace(/\.$/, '')}, or pass pretrained: false to start from random weights.`;
    }
    throw error;
  }
}

/**
 * fastai's `vision_learner`: builds the architecture's body with fastai's head for `dls.c`
 * classes, loads pretrained weights into it (torchvision's ImageNet weights by default, from the
 * torch hub cache or downloaded), normalizes on the device with `dls.normalize` (ImageNet's by
 * default) and returns a {@link VisionLearner} whose body is frozen (BatchNorm stays trainable).
 * With `pretrained: false` the body gets torchvision's random initialisation and nothing is frozen.
 *
 * Offline without the weights file, the error says where to put it (or pass `weights: path`, or
 * `pretrained: false`). A weights file of another architecture fails with `E_WEIGHTS`, listing the
 * keys that do not fit (or, for an exported learner, naming both bodies); a learner exported for
 * other classes or with another head gives its body only, and says so on `output`.
 *
 * @example
 * ```ts
 * import { ImageDataLoaders, visionLearner, resnet34, errorRate, Resize, augTransforms, slice } from 'fasttune';
 *
 * const dls = await ImageDataLoaders.fromNameRe(dir, files, /^(.*)_\d+\.jpg$/i, {
 *   validPct: 0.2, seed: 42, itemTfms: Resize(460), batchTfms: augTransforms({ size: 224, minScale: 0.75 }),
 * });
 * const learn = await visionLearner(dls, resnet34, { metrics: [errorRate] });
 * await learn.fitOneCycle(3, 3e-3);          // body frozen: head (+ BatchNorm) only
 * learn.unfreeze();
 * const { valley } = await learn.lrFind();    // sweeps, restores weights, suggests
 * await learn.fitOneCycle(6, { lrMax: slice(1e-6, 1e-4) });   // discriminative LRs
 * await learn.recorder.plotLoss('loss.png');
 * learn.dispose();
 * ```
 */
export async function visionLearner(dls: DataLoaders, arch: Architecture | ArchName | Body, options: VisionLearnerOptions = {}): Promise<VisionLearner> {
  const where = 'visionLearner';
  const data = checkDataLoaders(where, dls);
  const body = isBody(where, arch) ? arch : undefined;
  const architecture = checkArchitecture(where, body ? body.arch : arch);
  const o = checkOptions(where, options, [...LEARNER_OPTION_KEYS, ...MODEL_KEYS]) as VisionLearnerOptions;
  if (body && o.cut !== undefined) throw invalidParameterError(where, 'cut', 'no cut beside a body from createBody (the body has its own)', o.cut);
  const cut = body ? body.cut : o.cut;
  const pretrained = o.pretrained === undefined ? true : checkBoolean(where, 'pretrained', o.pretrained);
  if (!pretrained && o.weights !== undefined) {
    throw new FasttuneError(`${where}: weights is only used with pretrained: true (got weights ${JSON.stringify(o.weights)} with pretrained: false)`, 'E_ARG');
  }
  const weights = o.weights === undefined ? (body?.weights ?? architecture.defaultWeights) : checkString(where, 'weights', o.weights);
  const nOut = o.nOut === undefined ? data.c : checkInteger(where, 'nOut', o.nOut, { min: 1 });
  if (nOut !== data.c) {
    throw new FasttuneError(`${where}: nOut is ${nOut} but the data has ${data.c} classes (dls.c); the head needs one output per class`, 'E_ARG');
  }
  // Checked here so that a bad head or cut is named as this function's option.
  resolveHead(where, '', o, checkCut(where, 'cut', architecture.name, cut).nf, nOut);
  const headOptions: HeadOptions & { head?: Head } = {};
  for (const key of [...HEAD_OPTION_KEYS, 'head'] as const) if (o[key] !== undefined) Object.assign(headOptions, { [key]: o[key] });
  const learnerOptions: LearnerOptions = { path: data.path || '.' };
  for (const key of LEARNER_OPTION_KEYS) if (o[key] !== undefined) Object.assign(learnerOptions, { [key]: o[key] });

  // Weights first: an offline machine learns what is missing before anything is built.
  const path = pretrained ? await pretrainedPath(architecture, weights) : undefined;
  const model = await createVisionModel({
    arch: architecture.name,
    nOut,
    normalize: normalizationOf(data),
    ...(o.device !== undefined && { device: o.device }),
    ...(o.precision !== undefined && { precision: o.precision }),
    ...(o.channelsLast !== undefined && { channelsLast: o.channelsLast }),
    ...(o.seed !== undefined && { seed: o.seed }),
    ...headOptions,
    ...(cut !== undefined && { cut }),
    ...(o.foldBn !== undefined && { foldBn: o.foldBn }),
  });
  try {
    const note = path === undefined ? undefined : await loadPretrainedWeights(where, model, path);
    const learn = new VisionLearner(data, model, learnerOptions, architecture, pretrained);
    if (note) learn.output.write(`${note}\n`);
    if (pretrained) learn.freeze();
    return learn;
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/** fastai's former name of {@link visionLearner}. */
export const cnnLearner = visionLearner;
