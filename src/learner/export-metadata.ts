// What an exported model file says about itself, beside its weights: enough to predict without
// the training data. Stored as JSON in the safetensors metadata and read back field by field.
import type { PadMode, ResampleMode } from '../augment/batch-transform.js';
import type { ItemTransformConfig } from '../data/item-transforms.js';
import { FasttuneError } from '../core/errors.js';
import { ARCH_NAMES, type ArchName } from '../model/arch-names.js';
import { FieldReader } from './metadata-reader.js';
import type { TargetKind } from '../core/batch.js';
import type { LossKind } from '../model/types.js';
import { checkCut } from '../model/body-layout.js';
import { checkHead, type HeadLayer } from '../model/head.js';

/** The metadata key holding the JSON, and the value of `format`. */
export const EXPORT_KEY = 'fasttune.export';
export const EXPORT_FORMAT = 'fasttune-export';
/** Bumped when the metadata changes in a way older readers cannot follow (3: the head and the cut). */
export const EXPORT_FORMAT_VERSION = 3;

/**
 * The validation draw of the batch transforms for one image: a resample of the `inputSize` image
 * (what the item transform produced) to `size`, through `affine` when a crop is folded in.
 */
export interface ValidResizeConfig {
  inputSize: [number, number];
  size: [number, number];
  /** Row-major 3×3 matrix on normalized coordinates (output → input); null: identity. */
  affine: number[] | null;
  mode: ResampleMode;
  padMode: PadMode;
  alignCorners: boolean;
}

/** What `learn.export` writes beside the weights, and `loadLearner` reads back. */
export interface ExportMetadata {
  formatVersion: number;
  /** The fasttune version that wrote the file. */
  libraryVersion: string;
  arch: ArchName;
  nOut: number;
  /** Class names in index order. */
  vocab: string[];
  /** The model's input normalization; null when it takes pixels in [0, 1]. */
  normalize: { mean: number[]; std: number[] } | null;
  /** The item transform, whose validation behaviour predict applies. */
  itemTfm: ItemTransformConfig | null;
  validResize: ValidResizeConfig | null;
  /** The loss (format 1: cross-entropy only); `thresh` is where multi-label predictions start. */
  loss: ExportedLoss;
  /** What turns logits into probabilities (none: regression values). */
  activation: 'softmax' | 'sigmoid' | 'none';
  /** Head dropout the model was built with (no effect on predictions). */
  ps: number | number[];
  /** The head's layers (format 3; before: fastai's default head for `ps`). */
  head: HeadLayer[] | null;
  /** fastai's cut of the body (format 3); null: the architecture's. */
  cut: number | null;
  /** What the targets are (format 1: 'category'). */
  targetKind: TargetKind;
  /** fastai's SigmoidRange on the head's outputs; null: none. */
  yRange: [number, number] | null;
}

/** The loss as an export records it. */
export interface ExportedLoss {
  kind: LossKind;
  labelSmoothing: number;
  weight?: number[];
  gamma?: number;
  thresh?: number;
}

const ARCHS = ARCH_NAMES;
const RESIZE_METHODS = ['crop', 'pad', 'squish'] as const;
const PAD_MODES = ['reflection', 'zeros', 'border'] as const;
const RESAMPLE_MODES = ['bilinear', 'nearest', 'bicubic'] as const;
const TARGET_KINDS = ['category', 'multiCategory', 'regression'] as const;
const LOSS_KINDS = ['crossEntropy', 'focal', 'bceWithLogits', 'mse', 'l1'] as const;

/** The safetensors metadata entries of an export. */
export function exportMetadataEntries(meta: ExportMetadata): Record<string, string> {
  return { format: EXPORT_FORMAT, [EXPORT_KEY]: JSON.stringify(meta) };
}

function itemTfmConfig(r: FieldReader): ItemTransformConfig {
  const name = r.string('name', ['Resize', 'RandomResizedCrop']);
  if (name === 'Resize') {
    r.only(['name', 'size', 'method', 'padMode']);
    return {
      name,
      size: r.size('size'),
      method: r.string('method', RESIZE_METHODS) as (typeof RESIZE_METHODS)[number],
      padMode: r.string('padMode', PAD_MODES) as PadMode,
    };
  }
  r.only(['name', 'size', 'minScale', 'maxScale', 'ratio', 'valXtra']);
  const ratio = r.numbers('ratio', 2, Number.MIN_VALUE);
  return {
    name: 'RandomResizedCrop',
    size: r.size('size'),
    minScale: r.number('minScale', Number.MIN_VALUE, 1),
    maxScale: r.number('maxScale', Number.MIN_VALUE, 1),
    ratio: [ratio[0] as number, ratio[1] as number],
    valXtra: r.number('valXtra', 0),
  };
}

function yRangeOf(r: FieldReader): [number, number] | null {
  const range = r.numbersOrNull('yRange', 2);
  if (range && !((range[0] as number) < (range[1] as number))) throw r.fail('yRange', '[low, high] with low < high');
  return range as [number, number] | null;
}

function validResizeConfig(r: FieldReader): ValidResizeConfig {
  r.only(['inputSize', 'size', 'affine', 'mode', 'padMode', 'alignCorners']);
  return {
    inputSize: r.size('inputSize'),
    size: r.size('size'),
    affine: r.numbersOrNull('affine', 9),
    mode: r.string('mode', RESAMPLE_MODES) as ResampleMode,
    padMode: r.string('padMode', PAD_MODES) as PadMode,
    alignCorners: r.boolean('alignCorners'),
  };
}

/**
 * Reads and checks the export metadata of `file`. Every field is type- and range-checked; a file
 * without it, from a newer format, or with a field we never write is refused (E_IO, naming it).
 */
export function parseExportMetadata(metadata: Record<string, string>, file: string): ExportMetadata {
  if (metadata.format !== EXPORT_FORMAT || metadata[EXPORT_KEY] === undefined) {
    const what =
      metadata['fasttune.state'] !== undefined ? 'a training state saved by learn.save (use learn.load)' : 'weights without fasttune export metadata';
    throw new FasttuneError(`${file} is not a model exported by fasttune: it holds ${what}; export one with learn.export(path)`, 'E_IO');
  }
  const r = FieldReader.parse(file, EXPORT_KEY, metadata[EXPORT_KEY]);
  const formatVersion = r.integer('formatVersion', 1);
  if (formatVersion > EXPORT_FORMAT_VERSION) {
    throw new FasttuneError(`${file} was exported in format ${formatVersion} by a newer fasttune; this version reads format ${EXPORT_FORMAT_VERSION}`, 'E_IO');
  }
  r.only([
    'formatVersion',
    'libraryVersion',
    'arch',
    'nOut',
    'vocab',
    'normalize',
    'itemTfm',
    'validResize',
    'loss',
    'activation',
    'ps',
    'targetKind',
    'yRange',
    'head',
    'cut',
  ]);
  const arch = r.string('arch');
  if (!(ARCHS as readonly string[]).includes(arch)) {
    throw new FasttuneError(`${file}: architecture '${arch}' is not supported by this fasttune (${ARCHS.join(', ')})`, 'E_IO');
  }
  const nOut = r.integer('nOut', 1, 1_000_000);
  const targetKind = r.has('targetKind') ? (r.string('targetKind', TARGET_KINDS) as TargetKind) : 'category';
  const vocab = r.strings('vocab');
  if (targetKind === 'regression' ? vocab.length !== 0 : vocab.length !== nOut)
    throw r.fail('vocab', targetKind === 'regression' ? 'empty for regression' : `${nOut} class names (nOut)`);
  if (new Set(vocab).size !== vocab.length) throw r.fail('vocab', 'distinct class names');
  const norm = r.object('normalize', true);
  norm?.only(['mean', 'std']);
  const loss = r.object('loss');
  loss.only(['kind', 'labelSmoothing', 'weight', 'gamma', 'thresh']);
  const lossKind = loss.string('kind', LOSS_KINDS) as LossKind;
  const exportedLoss: ExportedLoss = { kind: lossKind, labelSmoothing: loss.number('labelSmoothing', 0, 1 - Number.EPSILON) };
  if (loss.has('weight')) exportedLoss.weight = loss.numbers('weight', nOut, 0);
  if (loss.has('gamma')) exportedLoss.gamma = loss.number('gamma', 0);
  if (loss.has('thresh')) exportedLoss.thresh = loss.number('thresh', Number.MIN_VALUE, 1 - Number.EPSILON);
  const item = r.object('itemTfm', true);
  const resize = r.object('validResize', true);
  return {
    formatVersion,
    libraryVersion: r.string('libraryVersion'),
    arch: arch as ArchName,
    nOut,
    vocab,
    normalize: norm ? { mean: norm.numbers('mean', 3), std: norm.numbers('std', 3, Number.MIN_VALUE) } : null,
    itemTfm: item ? itemTfmConfig(item) : null,
    validResize: resize ? validResizeConfig(resize) : null,
    loss: exportedLoss,
    activation: r.string('activation', ['softmax', 'sigmoid', 'none']) as ExportMetadata['activation'],
    ps: Array.isArray(r.value('ps')) ? r.numbers('ps', (r.value('ps') as unknown[]).length, 0) : r.number('ps', 0, 1),
    targetKind,
    yRange: r.has('yRange') ? yRangeOf(r) : null,
    ...headAndCut(r, arch as ArchName, nOut),
  };
}

/** The head's layers and the cut, each checked as createVisionModel checks them. */
function headAndCut(r: FieldReader, arch: ArchName, nOut: number): Pick<ExportMetadata, 'head' | 'cut'> {
  const cut = r.has('cut') && !r.isNull('cut') ? r.value('cut') : undefined;
  let nf: number;
  try {
    nf = checkCut('loadLearner', 'cut', arch, cut).nf;
  } catch (error) {
    throw r.fail('cut', `a cut of ${arch}: ${(error as Error).message}`);
  }
  if (!r.has('head') || r.isNull('head')) return { head: null, cut: (cut as number | undefined) ?? null };
  try {
    return { head: [...checkHead('loadLearner', 'head', { layers: r.value('head') }, nf, nOut).layers], cut: (cut as number | undefined) ?? null };
  } catch (error) {
    throw r.fail('head', `the layers of a head for ${arch}: ${(error as Error).message}`);
  }
}
