// The head of a vision model as plain data: a list of layers the native side builds (fastai's
// create_head gives that list for its options; a custom head is another list). Serializable, so
// an export records it and loadLearner builds the same model again.
import { FasttuneError } from '../core/errors.js';
import { checkBoolean, checkInteger, checkNumber, checkOneOf, checkOptions, checkProbability, invalidParameterError } from '../core/validate.js';

/**
 * One layer of a {@link Head}, as PyTorch names it. Linear weights start kaiming-normal and biases
 * at 0 (fastai's `apply_init` on the head); BatchNorm weights start at 1 and biases at `biasInit`.
 */
export type HeadLayer =
  /** fastai's `AdaptiveConcatPool2d`: max and average pooling to 1×1, concatenated (twice the channels). */
  | { readonly type: 'adaptiveConcatPool' }
  /** `nn.AdaptiveAvgPool2d(1)`. */
  | { readonly type: 'adaptiveAvgPool' }
  /** fastai's `Flatten`: n × c × 1 × 1 to n × c. */
  | { readonly type: 'flatten' }
  /** `nn.BatchNorm1d(features, momentum)`; fastai's `BatchNorm` starts its bias at 1e-3, PyTorch's at 0. */
  | { readonly type: 'batchNorm1d'; readonly features: number; readonly momentum: number; readonly biasInit: number }
  /** `nn.Dropout(p)`. */
  | { readonly type: 'dropout'; readonly p: number }
  /** `nn.Linear(inFeatures, outFeatures, bias)`. */
  | { readonly type: 'linear'; readonly inFeatures: number; readonly outFeatures: number; readonly bias: boolean }
  /** `nn.ReLU(inplace=True)`. */
  | { readonly type: 'relu' };

/** The layer types of a {@link Head}. */
export type HeadLayerType = HeadLayer['type'];

/**
 * A model head as data: what {@link createHead} returns and `visionLearner`'s `head` option takes
 * (fastai's `custom_head`, described rather than written as a module).
 */
export interface Head {
  readonly layers: readonly HeadLayer[];
  /** fastai's `SigmoidRange(low, high)` after the last layer; absent: none. */
  readonly yRange?: readonly [number, number];
}

/** fastai's create_head options. */
export interface HeadOptions {
  /** Widths of the hidden linear layers (default `[512]`). */
  linFtrs?: readonly number[];
  /**
   * Dropout: one value `p` gives `p/2` before every hidden layer and `p` before the output
   * (default 0.5); a list gives one value per linear layer.
   */
  ps?: number | readonly number[];
  /** Pool the body's feature maps first (default true); a head without pooling takes flat features. */
  pool?: boolean;
  /** With `pool`: fastai's concat pooling, max and average (default true), else average pooling only. */
  concatPool?: boolean;
  /** BatchNorm before the first linear layer (default true). */
  firstBn?: boolean;
  /** BatchNorm (momentum 0.01) on the outputs (default false). */
  bnFinal?: boolean;
  /** Each block as Linear, ReLU, BatchNorm, Dropout instead of BatchNorm, Dropout, Linear, ReLU (default false). */
  linFirst?: boolean;
  /** fastai's `y_range`: `sigmoid(x)·(high − low) + low` on the outputs (default none). */
  yRange?: readonly [number, number];
}

export const HEAD_OPTION_KEYS = ['linFtrs', 'ps', 'pool', 'concatPool', 'firstBn', 'bnFinal', 'linFirst', 'yRange'] as const;

const LAYER_TYPES: readonly HeadLayerType[] = ['adaptiveConcatPool', 'adaptiveAvgPool', 'flatten', 'batchNorm1d', 'dropout', 'linear', 'relu'];

/** `[low, high]` with low < high, both finite. */
export function checkYRange(where: string, name: string, value: unknown): [number, number] {
  if (!Array.isArray(value) || value.length !== 2) throw invalidParameterError(where, name, '[low, high] with low < high', value);
  const low = checkNumber(where, `${name}[0]`, value[0]);
  const high = checkNumber(where, `${name}[1]`, value[1]);
  if (!(low < high)) throw invalidParameterError(where, name, '[low, high] with low < high', value);
  return [low, high];
}

/** fastai's `LinBnDrop(nIn, nOut, bn, p, act, linFirst)` as layers. */
function linBnDrop(nIn: number, nOut: number, bn: boolean, p: number, relu: boolean, linFirst: boolean): HeadLayer[] {
  const norm: HeadLayer[] = bn ? [{ type: 'batchNorm1d', features: linFirst ? nOut : nIn, momentum: 0.1, biasInit: 1e-3 }] : [];
  if (p !== 0) norm.push({ type: 'dropout', p });
  const lin: HeadLayer[] = [{ type: 'linear', inFeatures: nIn, outFeatures: nOut, bias: !bn }];
  if (relu) lin.push({ type: 'relu' });
  return linFirst ? [...lin, ...norm] : [...norm, ...lin];
}

/**
 * fastai's `create_head`: the head for a body of `nf` channels and `nOut` outputs, as a
 * {@link Head} description (`visionLearner`'s `head` option, or what it builds from the same
 * options). Layer for layer what fastai builds, zip of linear widths, BatchNorms, dropouts and
 * activations included (with `linFirst`, the first dropout comes before the blocks and a last
 * Linear with bias after them).
 *
 * @example
 * ```ts
 * const body = createBody(resnet18);
 * const head = createHead(body.nf, 3, { concatPool: false, linFtrs: [256, 128], ps: [0.1, 0.2, 0.3] });
 * const learn = await visionLearner(dls, body, { head });
 * ```
 */
export function createHead(nf: number, nOut: number, options: HeadOptions = {}): Head {
  checkInteger('createHead', 'nf', nf, { min: 1 });
  checkInteger('createHead', 'nOut', nOut, { min: 1 });
  return headFromOptions('createHead', '', nf, nOut, checkOptions('createHead', options, HEAD_OPTION_KEYS) as HeadOptions);
}

/** {@link createHead} for checked `nf` and `nOut`; errors name the options as `<prefix><name>`. */
export function headFromOptions(where: string, prefix: string, nf: number, nOut: number, o: HeadOptions): Head {
  const pool = checkBoolean(where, `${prefix}pool`, o.pool ?? true);
  const concatPool = checkBoolean(where, `${prefix}concatPool`, o.concatPool ?? true);
  const firstBn = checkBoolean(where, `${prefix}firstBn`, o.firstBn ?? true);
  const bnFinal = checkBoolean(where, `${prefix}bnFinal`, o.bnFinal ?? false);
  const linFirst = checkBoolean(where, `${prefix}linFirst`, o.linFirst ?? false);
  if (o.linFtrs !== undefined && !Array.isArray(o.linFtrs)) throw invalidParameterError(where, `${prefix}linFtrs`, 'an array of positive integers', o.linFtrs);
  const hidden = (o.linFtrs ?? [512]).map((n, i) => checkInteger(where, `${prefix}linFtrs[${i}]`, n, { min: 1 }));

  const nIn = pool && concatPool ? 2 * nf : nf;
  const ftrs = [nIn, ...hidden, nOut];
  const bns = [firstBn, ...ftrs.slice(1).map(() => true)];
  const ps = checkPs(where, `${prefix}ps`, o.ps ?? 0.5, ftrs.length - 1);
  const relus = ftrs.slice(2).map(() => true);
  relus.push(false);

  const layers: HeadLayer[] = pool ? [{ type: concatPool ? 'adaptiveConcatPool' : 'adaptiveAvgPool' }, { type: 'flatten' }] : [];
  if (linFirst) layers.push({ type: 'dropout', p: ps.shift() as number });
  // zip(): as many blocks as the shortest list, fewer than the widths once linFirst took a dropout.
  const blocks = Math.min(ftrs.length - 1, ps.length);
  for (let i = 0; i < blocks; i++) {
    layers.push(...linBnDrop(ftrs[i] as number, ftrs[i + 1] as number, bns[i] as boolean, ps[i] as number, relus[i] as boolean, linFirst));
  }
  if (linFirst) layers.push({ type: 'linear', inFeatures: ftrs[ftrs.length - 2] as number, outFeatures: nOut, bias: true });
  if (bnFinal) layers.push({ type: 'batchNorm1d', features: nOut, momentum: 0.01, biasInit: 0 });
  const head: Head = { layers: Object.freeze(layers.map((l) => Object.freeze(l))) };
  return Object.freeze(o.yRange === undefined ? head : { ...head, yRange: checkYRange(where, `${prefix}yRange`, o.yRange) });
}

/** fastai's ps: one value spread as p/2 … p/2, p; or one value per linear layer. */
function checkPs(where: string, name: string, value: unknown, nLinear: number): number[] {
  if (typeof value === 'number') return [...Array<number>(nLinear - 1).fill(checkProbability(where, name, value) / 2), value];
  if (!Array.isArray(value) || (value.length !== 1 && value.length !== nLinear)) {
    throw invalidParameterError(where, name, `a probability or a list of 1 or ${nLinear} probabilities (one per linear layer)`, value);
  }
  const ps = value.map((p, i) => checkProbability(where, `${name}[${i}]`, p));
  return ps.length === 1 && nLinear > 1 ? checkPs(where, name, ps[0], nLinear) : ps;
}

/** A layer's input width, which the layers before it fix. */
function checkWidth(where: string, name: string, value: unknown, width: number): number {
  if (value !== width) throw invalidParameterError(where, name, `${width} (the width the layers before it pass on)`, value);
  return width;
}

/** Where the tensors stand between layers: feature maps, pooled to 1×1, or flat. */
type Shape = 'maps' | 'pooled' | 'flat';

function checkLayer(where: string, name: string, value: unknown, shape: Shape, width: number): { layer: HeadLayer; shape: Shape; width: number } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalidParameterError(where, name, 'a layer object { type, ... }', value);
  const type = checkOneOf(where, `${name}.type`, (value as { type?: unknown }).type, LAYER_TYPES);
  const after = (what: Shape[], expected: string) => {
    if (!what.includes(shape)) throw invalidParameterError(where, `${name}.type`, expected, type);
  };
  const v = value as Record<string, unknown>;
  switch (type) {
    case 'adaptiveConcatPool':
    case 'adaptiveAvgPool':
      checkOptions(where, v, ['type'], name);
      after(['maps'], "a layer that takes flat features ('batchNorm1d', 'linear', 'dropout' or 'relu'): the maps are already pooled");
      return { layer: { type }, shape: 'pooled', width: type === 'adaptiveConcatPool' ? 2 * width : width };
    case 'flatten':
      checkOptions(where, v, ['type'], name);
      after(['pooled'], shape === 'maps' ? "a pooling layer ('adaptiveConcatPool' or 'adaptiveAvgPool') before 'flatten'" : 'a layer that takes flat features');
      return { layer: { type }, shape: 'flat', width };
    case 'dropout':
      checkOptions(where, v, ['type', 'p'], name);
      return { layer: { type, p: checkProbability(where, `${name}.p`, v.p) }, shape, width };
    case 'relu':
      checkOptions(where, v, ['type'], name);
      return { layer: { type }, shape, width };
    case 'batchNorm1d': {
      checkOptions(where, v, ['type', 'features', 'momentum', 'biasInit'], name);
      after(['flat'], "a pooling layer then 'flatten' first: the body gives feature maps");
      const features = checkWidth(where, `${name}.features`, v.features, width);
      const momentum = checkNumber(where, `${name}.momentum`, v.momentum ?? 0.1, { min: 0, max: 1 });
      const biasInit = checkNumber(where, `${name}.biasInit`, v.biasInit ?? 1e-3);
      return { layer: { type, features, momentum, biasInit }, shape, width };
    }
    case 'linear': {
      checkOptions(where, v, ['type', 'inFeatures', 'outFeatures', 'bias'], name);
      after(['flat'], "a pooling layer then 'flatten' first: the body gives feature maps");
      const inFeatures = checkWidth(where, `${name}.inFeatures`, v.inFeatures, width);
      const outFeatures = checkInteger(where, `${name}.outFeatures`, v.outFeatures, { min: 1 });
      const bias = checkBoolean(where, `${name}.bias`, v.bias ?? true);
      return { layer: { type, inFeatures, outFeatures, bias }, shape, width: outFeatures };
    }
  }
}

/**
 * A head for a body of `nf` channels and `nOut` outputs, layer by layer: known types and keys,
 * each layer's width the one before it passes on, pooled and flattened before the first
 * BatchNorm or Linear, `nOut` features at the end. Omitted `momentum`, `biasInit` and `bias`
 * take fastai's values (0.1, 1e-3, true). Returns the head with every field filled in.
 */
export function checkHead(where: string, name: string, value: unknown, nf: number, nOut: number): Head {
  const o = checkOptions(where, value, ['layers', 'yRange'], name);
  if (value === undefined || !Array.isArray(o.layers) || o.layers.length === 0) {
    throw invalidParameterError(where, `${name}.layers`, 'a non-empty array of layers (see createHead)', o.layers);
  }
  let shape = 'maps' as Shape;
  let width = nf;
  const layers = o.layers.map((layer: unknown, i) => {
    const checked = checkLayer(where, `${name}.layers[${i}]`, layer, shape, width);
    ({ shape, width } = checked);
    return Object.freeze(checked.layer);
  });
  if (shape !== 'flat' || width !== nOut) {
    const end = `${width} ${shape === 'flat' ? 'features' : 'feature maps'}`;
    throw new FasttuneError(
      `${where}: expected layers that end in ${nOut} flat features (one per output) for ${name}.layers but received layers that end in ${end}`,
      'E_ARG',
    );
  }
  const head: Head = { layers: Object.freeze(layers) };
  return Object.freeze(o.yRange === undefined ? head : { ...head, yRange: checkYRange(where, `${name}.yRange`, o.yRange) });
}

/** A head in one line, e.g. `concat pool, flatten, BatchNorm1d(1024), Dropout(0.25), Linear(1024→512), ReLU, …`. */
export function describeHead(layers: readonly HeadLayer[]): string {
  return layers
    .map((l) => {
      switch (l.type) {
        case 'adaptiveConcatPool':
          return 'concat pool';
        case 'adaptiveAvgPool':
          return 'average pool';
        case 'flatten':
          return 'flatten';
        case 'batchNorm1d':
          return `BatchNorm1d(${l.features})`;
        case 'dropout':
          return `Dropout(${l.p})`;
        case 'linear':
          return `Linear(${l.inFeatures}→${l.outFeatures}${l.bias ? '' : ', no bias'})`;
        case 'relu':
          return 'ReLU';
      }
    })
    .join(', ');
}

/** A layer's modules and shapes, what its weights depend on (not dropout, momentum or initial values). */
function weightsKey(layer: HeadLayer): string {
  if (layer.type === 'batchNorm1d') return `bn ${layer.features}`;
  if (layer.type === 'linear') return `linear ${layer.inFeatures} ${layer.outFeatures} ${layer.bias}`;
  return layer.type;
}

/** Whether the weights of a head with layers `a` fit one with layers `b`, name for name and shape for shape. */
export function headWeightsFit(a: readonly HeadLayer[], b: readonly HeadLayer[]): boolean {
  return a.length === b.length && a.every((layer, i) => weightsKey(layer) === weightsKey(b[i] as HeadLayer));
}
