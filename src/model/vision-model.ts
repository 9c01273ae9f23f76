// fastai's vision model (ResNet-34 body + fastai head) living in native memory: freezing,
// one-call training and evaluation steps, snapshots, weights, device and precision.
import { imagenetStats, type Stats } from '../augment/normalize.js';
import { withCallerStack } from '../core/errors.js';
import { checkAugmentParams } from '../augment/apply.js';
import type { AugmentParams } from '../augment/batch-transform.js';
import type { Batch } from '../data/loader-contract.js';
import type { WeightsTensor } from '../io/weights.js';
import { native, type NativeGradScalerOptions, type NativeModel } from '../native.js';
import { checkBoolean, checkInteger, checkNumber, checkOneOf, checkString, invalidParameterError, type RangeOptions } from '../core/validate.js';
import { checkBatch, checkHypers, checkImages } from './step-checks.js';
import type { EvalResult, GroupHypers, LossKind, LossSpec, ModelArchitecture, ModelCore, ModelSettings, StepOptions } from './types.js';
import { ARCH_NAMES, type ArchName } from './arch-names.js';
import { checkCut } from './body-layout.js';
import { HEAD_OPTION_KEYS, checkHead, headFromOptions, type Head, type HeadOptions } from './head.js';
import type { ProcessGroup } from './process-group.js';

/** Where the model lives. `'auto'` is the first CUDA device when there is one, else the CPU. */
export type DeviceName = 'cpu' | 'cuda' | `cuda:${number}` | 'auto';

/** Autocast dtype: bf16 works on CPU and CUDA; fp16 (with loss scaling) needs CUDA. */
export type Precision = 'fp32' | 'bf16' | 'fp16';

/** Dynamic loss scaling, PyTorch GradScaler's defaults. */
export interface GradScalerOptions {
  /** Starting scale (default 2^16). */
  initScale?: number;
  /** Factor after `growthInterval` steps without inf/NaN gradients (default 2). */
  growthFactor?: number;
  /** Factor after a step with inf/NaN gradients, which is skipped (default 0.5). */
  backoffFactor?: number;
  /** Clean steps before the scale grows (default 2000). */
  growthInterval?: number;
}

/** Where the loss scaler stands. */
export interface GradScalerState {
  scale: number;
  /** Clean steps since the scale last changed. */
  growthTracker: number;
  /** Steps skipped because scaled gradients were not finite. */
  skippedSteps: number;
}

/**
 * Options of {@link createVisionModel}; the defaults are fastai's. The head options are
 * `createHead`'s (fastai's `create_head`), for the head built on the body; `head` replaces that
 * head with another one.
 */
export interface VisionModelOptions extends Omit<HeadOptions, 'yRange'> {
  /** Architecture, torchvision's name (default `'resnet34'`). */
  arch?: ArchName;
  /** Number of classes. */
  nOut: number;
  /** Default `'auto'`. Asking for CUDA where there is none is an error. */
  device?: DeviceName;
  /** Keep BatchNorm parameters trainable in frozen groups (fastai's `train_bn`, default true). */
  trainBn?: boolean;
  /** Apply weight decay to BatchNorm and bias parameters too (fastai's `wd_bn_bias`, default false). */
  wdBnBias?: boolean;
  /** fastai's Adam (default) or SGD with momentum; both with decoupled weight decay. */
  optimizer?: 'adam' | 'sgd';
  /** Input normalization (default ImageNet statistics); `false` feeds pixels in [0, 1]. */
  normalize?: Stats | false;
  /** Label smoothing of the cross-entropy loss, as `nn.CrossEntropyLoss(label_smoothing)` (default 0). */
  labelSmoothing?: number;
  /**
   * fastai's `y_range`: `sigmoid(x)·(high − low) + low` on every output of the head, so that
   * regression outputs stay in [low, high] (default none).
   */
  yRange?: readonly [number, number];
  /**
   * fastai's `cut`: the body is torchvision's children before this index (Python's
   * `children[:cut]`; default: the architecture's, everything before the pooling).
   */
  cut?: number;
  /**
   * A head of your own (fastai's `custom_head`), as `createHead` describes one: its layers must
   * take the body's channels and end in `nOut` features. Not with the other head options.
   */
  head?: Head;
  /** Mixed precision (default `'fp32'`); see {@link VisionModel.toFp16}. */
  precision?: Precision;
  /** Loss scaling: default on for fp16 and off otherwise; options or true turn it on for any precision. */
  gradScaler?: boolean | GradScalerOptions;
  /** Channels-last memory format for weights and inputs (often faster on GPUs). */
  channelsLast?: boolean;
  /**
   * Evaluation and prediction in fp32 run a copy of the network with every BatchNorm folded into
   * the convolution before it or the linear layer after it; on the CPU its convolutions keep
   * weights and activations in oneDNN's own layout (default true; the copy is rebuilt after the
   * weights change). Only float32 rounding differs: against the model evaluated in float64,
   * folded logits stay within 1e-5 of the largest logit, as PyTorch's own float32 forward does.
   * `false` computes exactly what PyTorch's modules compute. Mixed precision always runs the
   * unfolded network.
   */
  foldBn?: boolean;
  /** Seeds the random initialisation and the dropout masks (default 0). */
  seed?: number;
}

/** One parameter tensor and how the optimizer treats it. */
export interface ParamInfo {
  /** State-dict key, fastai's (e.g. `0.4.0.conv1.weight`, `1.8.weight`). */
  name: string;
  shape: number[];
  /** Parameter group (fastai's split; ResNets: 0 stem + layer1 + layer2, 1 layer3 + layer4, 2 head; ConvNeXt: 0 body, 1 head). */
  group: number;
  /** Belongs to a norm layer, BatchNorm or LayerNorm (stays trainable when frozen, with trainBn). */
  isNorm: boolean;
  /** Excluded from weight decay. */
  noDecay: boolean;
  /** Receives gradients now. */
  trainable: boolean;
}

/** What a model was built with: its architecture and its loss (as last configured). */
export interface VisionModelSettings extends ModelArchitecture {
  /** Label smoothing ε of the model's cross-entropy loss. */
  readonly labelSmoothing: number;
  /** The loss its steps compute. */
  readonly loss: LossSpec;
}

/** Which part of the model a weights file fills. */
export type WeightsPart = 'auto' | 'full' | 'body';

/** Options of {@link VisionModel.loadWeights}. */
export interface LoadWeightsOptions {
  /**
   * `'full'`: the whole model in our keys. `'body'`: the body, from a torchvision state dict of
   * the same architecture (timm's too for ResNets; the classifier dropped), from our body keys,
   * or from a whole model of ours.
   * `'auto'` (default): `'body'` for torchvision/timm keys or when head keys are absent, else `'full'`.
   */
  part?: WeightsPart;
}

/** A parameter's gradient; `data` is null when it has none (frozen since the start). */
export interface NamedGradient {
  name: string;
  data: Float32Array | null;
}

const WHERE = 'createVisionModel';

function resolveScaler(where: string, value: boolean | GradScalerOptions | undefined, precision: Precision): NativeGradScalerOptions | null {
  if (value === undefined) value = precision === 'fp16';
  if (value === false) return null;
  const o = value === true ? {} : value;
  if (typeof o !== 'object' || o === null)
    throw invalidParameterError(where, 'gradScaler', 'a boolean or { initScale, growthFactor, backoffFactor, growthInterval }', o);
  return {
    initScale: checkNumber(where, 'gradScaler.initScale', o.initScale ?? 65536, { min: 0, minOpen: true }),
    growthFactor: checkNumber(where, 'gradScaler.growthFactor', o.growthFactor ?? 2, { min: 1 }),
    backoffFactor: checkNumber(where, 'gradScaler.backoffFactor', o.backoffFactor ?? 0.5, { min: 0, minOpen: true, max: 1 }),
    growthInterval: checkInteger(where, 'gradScaler.growthInterval', o.growthInterval ?? 2000, { min: 1 }),
  };
}

function checkStats(stats: Stats): { mean: number[]; std: number[] } {
  if (typeof stats !== 'object' || stats === null) throw invalidParameterError(WHERE, 'options.normalize', 'false or { mean, std }', stats);
  const triple = (name: 'mean' | 'std', range: RangeOptions) => {
    const v = stats[name];
    if (!Array.isArray(v) || v.length !== 3) throw invalidParameterError(WHERE, `options.normalize.${name}`, 'an array of 3 numbers', v);
    return v.map((x, i) => checkNumber(WHERE, `options.normalize.${name}[${i}]`, x, range));
  };
  return { mean: triple('mean', {}), std: triple('std', { min: 0, minOpen: true }) };
}

function checkTensorList(where: string, tensors: unknown): void {
  if (!Array.isArray(tensors)) throw invalidParameterError(where, 'tensors', 'an array of { name, shape, data }', tensors);
  tensors.forEach((t: unknown, i) => {
    const ok =
      t !== null &&
      typeof t === 'object' &&
      typeof (t as WeightsTensor).name === 'string' &&
      Array.isArray((t as WeightsTensor).shape) &&
      ArrayBuffer.isView((t as WeightsTensor).data);
    if (!ok) throw invalidParameterError(where, `tensors[${i}]`, '{ name, shape, data } with a typed array', t);
  });
}

const LOSS_KINDS: readonly LossKind[] = ['crossEntropy', 'focal', 'bceWithLogits', 'mse', 'l1'];

function checkLossSpec(where: string, loss: unknown, nOut: number): LossSpec {
  const spec = loss as LossSpec;
  if (typeof loss !== 'object' || loss === null || !LOSS_KINDS.includes(spec.kind)) {
    throw invalidParameterError(where, 'settings.loss', `{ kind: ${LOSS_KINDS.map((k) => `'${k}'`).join(' | ')}, labelSmoothing, weight?, gamma? }`, loss);
  }
  checkNumber(
    where,
    'settings.loss.labelSmoothing',
    spec.labelSmoothing,
    spec.kind === 'crossEntropy' ? { min: 0, max: 1, maxOpen: true } : { min: 0, max: 0 },
  );
  if (spec.gamma !== undefined) checkNumber(where, 'settings.loss.gamma', spec.gamma, { min: 0 });
  if (spec.weight !== undefined && spec.weight !== null) {
    if (!Array.isArray(spec.weight) || spec.weight.length !== nOut || spec.kind === 'mse' || spec.kind === 'l1') {
      throw invalidParameterError(where, 'settings.loss.weight', `one weight ≥ 0 per class (${nOut}), for a classification loss`, spec.weight);
    }
    spec.weight.forEach((w, i) => checkNumber(where, `settings.loss.weight[${i}]`, w, { min: 0 }));
  }
  return Object.freeze({ ...spec });
}

function checkStepOptions(where: string, step: StepOptions | undefined): { lossFactor: number; clipNorm: number } | undefined {
  if (step === undefined) return undefined;
  if (typeof step !== 'object' || step === null) throw invalidParameterError(where, 'step', 'an object { lossFactor?, clipNorm? }', step);
  return {
    lossFactor: checkNumber(where, 'step.lossFactor', step.lossFactor ?? 1, { min: 0, minOpen: true }),
    clipNorm: checkNumber(where, 'step.clipNorm', step.clipNorm ?? 0, { min: 0 }),
  };
}

function checkDevice(device: unknown): string {
  if (typeof device !== 'string' || !/^(cpu|cuda|auto|cuda:\d{1,3})$/.test(device)) {
    throw invalidParameterError(WHERE, 'options.device', "'cpu', 'cuda', 'cuda:N' or 'auto'", device);
  }
  return device;
}

/**
 * fastai's vision model for image classification: a ResNet-34 body with torchvision's parameter
 * names and fastai's head, in three parameter groups. Each step is one native call that runs off
 * the event loop; a model runs one call at a time (a concurrent call fails with `E_BUSY`).
 *
 * @example
 * ```ts
 * using model = await createVisionModel({ nOut: 37 });   // or call dispose()
 * await model.loadWeights('resnet34-b627a593.safetensors');     // pretrained body
 * model.freeze();
 * const loss = await model.trainStep(batch, hypers);
 * ```
 */
export class VisionModel implements ModelCore {
  readonly #native: NativeModel;
  #optimizer: 'adam' | 'sgd';
  /** Number of parameter groups (3: fastai's ResNet split). */
  readonly nGroups: number;
  /** Number of classes. */
  readonly nOut: number;
  /** The device, e.g. `'cpu'` or `'cuda:0'`. */
  readonly device: string;
  #settings: VisionModelSettings;

  /** @internal Use {@link createVisionModel}. */
  constructor(model: NativeModel, optimizer: 'adam' | 'sgd', settings: VisionModelSettings) {
    this.#native = model;
    this.#optimizer = optimizer;
    this.#settings = Object.freeze({ ...settings });
    this.nGroups = model.nGroups;
    this.nOut = model.nOut;
    this.device = model.device;
  }

  /** Architecture, classes, normalization, loss (as last configured) and head settings. */
  get settings(): VisionModelSettings {
    return this.#settings;
  }

  /** Architecture, classes, normalization and head dropout: what an export records. */
  get architecture(): ModelArchitecture {
    return this.#settings;
  }

  /** Current mixed precision. */
  get precision(): Precision {
    return this.#native.precision as Precision;
  }

  /** True after {@link dispose}. */
  get disposed(): boolean {
    return this.#native.disposed;
  }

  /**
   * Makes this model one replica of a data-parallel `group`, as PyTorch's
   * DistributedDataParallel wraps a module: every rank must call it with the same model; rank 0's
   * weights and buffers replace the others', and from then on each training backward averages
   * the gradients over the ranks (c10d's Reducer, in buckets while backward runs) and each
   * training forward first takes rank 0's BatchNorm statistics.
   */
  async distribute(group: ProcessGroup): Promise<void> {
    await withCallerStack(this.#native.distribute(group.native));
  }

  /** Every parameter tensor with its group, kind and whether it is trainable now. */
  paramInfo(): ParamInfo[] {
    return this.#native.paramInfo();
  }

  /**
   * Freezes groups below `n` (negative `n` counts from the end) and unfreezes the rest; with
   * trainBn, BatchNorm parameters stay trainable. Clears the optimizer state, as fastai does.
   */
  freezeTo(n: number): void {
    checkInteger('freezeTo', 'n', n);
    if (n >= this.nGroups) {
      process.emitWarning(`freezeTo(${n}): the model has ${this.nGroups} parameter groups; all of them are frozen`);
    }
    this.#native.freezeTo(n);
  }

  /** Only the head (and BatchNorm, with trainBn) trainable: `freezeTo(-1)`. */
  freeze(): void {
    this.freezeTo(-1);
  }

  /** Everything trainable: `freezeTo(0)`. */
  unfreeze(): void {
    this.freezeTo(0);
  }

  /**
   * The Learner's settings: the loss (label smoothing), the optimizer's update rule, weight decay
   * on BatchNorm and bias parameters, and whether BatchNorm stays trainable in frozen groups (the
   * current freeze is re-applied). Clears the optimizer state and any snapshot. Fails with E_BUSY
   * while a step runs.
   */
  configure(settings: ModelSettings): void {
    const where = 'configure';
    if (typeof settings !== 'object' || settings === null)
      throw invalidParameterError(where, 'settings', 'an object { loss, optimizer, wdBnBias, trainBn }', settings);
    const loss = checkLossSpec(where, settings.loss, this.nOut);
    const native = {
      loss: { kind: loss.kind, labelSmoothing: loss.labelSmoothing, weight: loss.weight ?? null, gamma: loss.gamma ?? 2 },
      optimizer: checkOneOf(where, 'settings.optimizer', settings.optimizer, ['adam', 'sgd'] as const),
      wdBnBias: checkBoolean(where, 'settings.wdBnBias', settings.wdBnBias),
      trainBn: checkBoolean(where, 'settings.trainBn', settings.trainBn),
    };
    this.#native.configure(native);
    this.#optimizer = native.optimizer;
    this.#settings = Object.freeze({ ...this.#settings, labelSmoothing: loss.labelSmoothing, loss });
  }

  /**
   * One training step: pixels to the device, `batch.augment` (resample, lighting) on [0, 1]
   * floats, normalize, forward in train mode, cross-entropy, backward, optimizer step with
   * `hypers[g]` for group g, gradients zeroed. Resolves to the loss.
   */
  async trainStep(batch: Batch, hypers: readonly GroupHypers[], step?: StepOptions): Promise<number> {
    checkBatch('trainStep', batch, this.nOut, this.#floatTargets());
    checkHypers('trainStep', hypers, this.nGroups, this.#optimizer);
    return withCallerStack(this.#native.trainStep(batch, hypers, false, checkStepOptions('trainStep', step)));
  }

  /** {@link trainStep} that also returns the train-mode logits (for training metrics). */
  async trainStepWithLogits(batch: Batch, hypers: readonly GroupHypers[], step?: StepOptions): Promise<EvalResult> {
    checkBatch('trainStepWithLogits', batch, this.nOut, this.#floatTargets());
    checkHypers('trainStepWithLogits', hypers, this.nGroups, this.#optimizer);
    return withCallerStack(this.#native.trainStep(batch, hypers, true, checkStepOptions('trainStepWithLogits', step)));
  }

  /**
   * Forward, loss and backward in train mode without an optimizer step: gradients add up until
   * the next {@link trainStep}, which steps with their sum (gradient accumulation). Resolves to
   * the loss; {@link gradients} shows what was accumulated.
   */
  async accumulateStep(batch: Batch, lossFactor = 1): Promise<number> {
    checkBatch('accumulateStep', batch, this.nOut, this.#floatTargets());
    checkNumber('accumulateStep', 'lossFactor', lossFactor, { min: 0, minOpen: true });
    return withCallerStack(this.#native.accumulateStep(batch, lossFactor));
  }

  /**
   * Forward and loss in eval mode without gradients (after `batch.augment`, e.g. a validation
   * resize): the loss and the logits (batch x classes).
   */
  async evalStep(batch: Batch): Promise<EvalResult> {
    checkBatch('evalStep', batch, this.nOut, this.#floatTargets());
    return withCallerStack(this.#native.evalStep(batch));
  }

  /**
   * Logits (n x classes, row-major) for uint8 RGB pixels of shape [n, height, width, 3], in eval
   * mode, after `augment` when given (as for a batch).
   */
  async predict(images: Uint8Array, shape: readonly [number, number, number, number], augment?: AugmentParams): Promise<Float32Array> {
    checkImages('predict', images, shape);
    if (augment !== undefined) checkAugmentParams('predict', augment, shape[0]);
    return withCallerStack(this.#native.predict(images, shape, augment));
  }

  /** Whether the configured loss reads `batch.targets` rather than class indices. */
  #floatTargets(): boolean {
    const { kind } = this.#settings.loss;
    return kind !== 'crossEntropy' && kind !== 'focal';
  }

  /** Keeps a copy of weights, BatchNorm buffers, optimizer state and loss-scaler state (one slot). */
  async snapshot(): Promise<void> {
    return withCallerStack(this.#native.snapshot());
  }

  /** Returns to the last snapshot, bit for bit, and frees it. */
  async restore(): Promise<void> {
    return withCallerStack(this.#native.restore());
  }

  /**
   * Loads weights from a safetensors file or a PyTorch checkpoint. Errors (`E_WEIGHTS`) list
   * missing, unexpected and mis-shaped keys by name. The optimizer state is kept.
   */
  async loadWeights(path: string, options: LoadWeightsOptions = {}): Promise<void> {
    checkString('loadWeights', 'path', path);
    const part = checkOneOf('loadWeights', 'options.part', options.part ?? 'auto', ['auto', 'full', 'body'] as const);
    return withCallerStack(this.#native.loadWeights(path, part));
  }

  /** Writes every weight and buffer (our keys) and `metadata` as a safetensors file, atomically. */
  async saveWeights(path: string, metadata: Record<string, string> = {}): Promise<void> {
    checkString('saveWeights', 'path', path);
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== 'string') throw invalidParameterError('saveWeights', `metadata.${key}`, 'a string', value);
    }
    return withCallerStack(this.#native.saveWeights(path, metadata));
  }

  /** Copies of every weight and buffer, in PyTorch's state-dict order. */
  async stateDict(): Promise<WeightsTensor[]> {
    return withCallerStack(this.#native.stateDict());
  }

  /** The parameters' current gradients (zero between steps; null where there is none). */
  async gradients(): Promise<NamedGradient[]> {
    return withCallerStack(this.#native.gradients());
  }

  /** The optimizer state as tensors named `<param>.grad_avg`, `.sqr_avg`, `.step` (fastai's names). */
  async optimizerState(): Promise<WeightsTensor[]> {
    return withCallerStack(this.#native.optimizerState());
  }

  /**
   * Replaces every weight and buffer with `tensors` (our keys, the whole model, as
   * {@link stateDict} gives them). Errors (`E_WEIGHTS`) name `source` and list missing,
   * unexpected and mis-shaped keys.
   */
  async loadStateDict(tensors: ReadonlyArray<Pick<WeightsTensor, 'name' | 'shape' | 'data'>>, source = 'state dict'): Promise<void> {
    checkTensorList('loadStateDict', tensors);
    if (typeof source !== 'string') throw invalidParameterError('loadStateDict', 'source', 'a string', source);
    return withCallerStack(this.#native.loadStateDict(tensors, source));
  }

  /**
   * Replaces the optimizer state (all or nothing) with tensors named as {@link optimizerState}
   * names them: Adam moments and step counts, SGD momentum buffers. Parameters with state take
   * part in the next step even when frozen (fastai's re-freeze behaviour), as in the run that saved
   * it. Errors (`E_WEIGHTS`) list unknown, incomplete and mis-shaped entries.
   */
  async loadOptimizerState(tensors: ReadonlyArray<Pick<WeightsTensor, 'name' | 'shape' | 'data'>>): Promise<void> {
    checkTensorList('loadOptimizerState', tensors);
    return withCallerStack(this.#native.loadOptimizerState(tensors));
  }

  /** The state of the generator that draws the dropout masks (a few kilobytes). */
  randomState(): Uint8Array {
    return this.#native.randomState();
  }

  /** Sets the dropout generator back to a state from {@link randomState}. */
  setRandomState(state: Uint8Array): void {
    if (!(state instanceof Uint8Array)) throw invalidParameterError('setRandomState', 'state', 'a Uint8Array from randomState()', state);
    this.#native.setRandomState(state);
  }

  /** fp16 autocast with dynamic loss scaling (CUDA only); weights and optimizer stay fp32. */
  toFp16(scaler: GradScalerOptions = {}): this {
    this.#native.setPrecision('fp16', resolveScaler('toFp16', scaler, 'fp16'));
    return this;
  }

  /** bf16 autocast (CPU or CUDA), no loss scaling. */
  toBf16(): this {
    this.#native.setPrecision('bf16', null);
    return this;
  }

  /** Back to full fp32, no loss scaling. */
  toFp32(): this {
    this.#native.setPrecision('fp32', null);
    return this;
  }

  /** The loss scaler's state, or null without loss scaling. */
  scalerState(): GradScalerState | null {
    return this.#native.scalerState();
  }

  /** Restarts the random stream of the dropout masks. */
  seed(seed: number): void {
    checkInteger('seed', 'seed', seed, { min: 0 });
    this.#native.seed(seed);
  }

  /** Frees the native model now. Idempotent; fails with E_BUSY while a call runs. */
  dispose(): void {
    this.#native.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** The head options (`createHead`'s) given among `options`. */
function headOptionsOf(options: HeadOptions): HeadOptions {
  const given: Record<string, unknown> = {};
  for (const key of HEAD_OPTION_KEYS) if (options[key] !== undefined) given[key] = options[key];
  return given as HeadOptions;
}

/**
 * The model's head: `options.head` checked against the body, or fastai's create_head from the
 * head options. Errors name the options as `<prefix><name>`.
 */
export function resolveHead(where: string, prefix: string, options: Pick<VisionModelOptions, keyof HeadOptions | 'head'>, nf: number, nOut: number): Head {
  const headOptions = headOptionsOf(options);
  if (options.head !== undefined) {
    const extra = Object.keys(headOptions)[0];
    if (extra !== undefined)
      throw invalidParameterError(
        where,
        `${prefix}${extra}`,
        'nothing beside a custom head (give the head its own options)',
        headOptions[extra as keyof HeadOptions],
      );
    return checkHead(where, `${prefix}head`, options.head, nf, nOut);
  }
  return headFromOptions(where, prefix, nf, nOut, headOptions);
}

/** Builds fastai's vision model of `options.arch` with a freshly initialised body and head (unfrozen). */
export async function createVisionModel(options: VisionModelOptions): Promise<VisionModel> {
  if (typeof options !== 'object' || options === null) throw invalidParameterError(WHERE, 'options', 'an object with at least nOut', options);
  const precision = checkOneOf(WHERE, 'options.precision', options.precision ?? 'fp32', ['fp32', 'bf16', 'fp16'] as const);
  const optimizer = checkOneOf(WHERE, 'options.optimizer', options.optimizer ?? 'adam', ['adam', 'sgd'] as const);
  const normalize = options.normalize ?? imagenetStats;
  const arch = checkOneOf(WHERE, 'options.arch', options.arch ?? 'resnet34', ARCH_NAMES);
  const nOut = checkInteger(WHERE, 'options.nOut', options.nOut, { min: 1, max: 1_000_000 });
  const body = checkCut(WHERE, 'options.cut', arch, options.cut);
  const head = resolveHead(WHERE, 'options.', options, body.nf, nOut);
  const ps = options.head === undefined ? (options.ps ?? 0.5) : 0.5;
  const resolved = {
    arch,
    nOut,
    device: checkDevice(options.device ?? 'auto'),
    trainBn: checkBoolean(WHERE, 'options.trainBn', options.trainBn ?? true),
    wdBnBias: checkBoolean(WHERE, 'options.wdBnBias', options.wdBnBias ?? false),
    optimizer,
    normalize: normalize === false ? null : checkStats(normalize),
    labelSmoothing: checkNumber(WHERE, 'options.labelSmoothing', options.labelSmoothing ?? 0, { min: 0, max: 1 }),
    // The native side reads ps only to build a default head itself; the head sent is complete.
    ps: typeof ps === 'number' ? ps : 0.5,
    head: head.layers,
    cut: body.cut ?? null,
    yRange: head.yRange ?? null,
    precision,
    gradScaler: resolveScaler(WHERE, options.gradScaler, precision),
    channelsLast: checkBoolean(WHERE, 'options.channelsLast', options.channelsLast ?? false),
    foldBn: checkBoolean(WHERE, 'options.foldBn', options.foldBn ?? true),
    seed: checkInteger(WHERE, 'options.seed', options.seed ?? 0, { min: 0 }),
  };
  const model = await withCallerStack(native().createVisionModel(resolved));
  const loss: LossSpec = { kind: 'crossEntropy', labelSmoothing: resolved.labelSmoothing };
  const settings: VisionModelSettings = {
    arch,
    nOut,
    labelSmoothing: resolved.labelSmoothing,
    ps: typeof ps === 'number' ? ps : [...ps],
    normalize: resolved.normalize,
    loss,
    head,
    ...(body.cut !== undefined && { cut: body.cut }),
    ...(head.yRange && { yRange: head.yRange }),
  };
  return new VisionModel(model, optimizer, settings);
}
