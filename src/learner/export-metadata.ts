// What an exported model file says about itself, beside its weights: enough to predict without
// the training data. Stored as JSON in the safetensors metadata and read back field by field.
import type { PadMode, ResampleMode } from '../augment/batch-transform.js';
import type { ItemTransformConfig } from '../data/item-transforms.js';
import { FasttuneError } from '../core/errors.js';
import { ARCH_NAMES, type ArchName } from '../model/arch-names.js';
import { FieldReader } from './metadata-reader.js';

/** The metadata key holding the JSON, and the value of `format`. */
export const EXPORT_KEY = 'fasttune.export';
export const EXPORT_FORMAT = 'fasttune-export';
/** Bumped when the metadata changes in a way older readers cannot follow. */
export const EXPORT_FORMAT_VERSION = 1;

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
  loss: { kind: 'crossEntropy'; labelSmoothing: number };
  /** What turns logits into probabilities. */
  activation: 'softmax';
  /** Head dropout the model was built with (no effect on predictions). */
  ps: number;
}

const ARCHS = ARCH_NAMES;
const RESIZE_METHODS = ['crop', 'pad', 'squish'] as const;
const PAD_MODES = ['reflection', 'zeros', 'border'] as const;
const RESAMPLE_MODES = ['bilinear', 'nearest', 'bicubic'] as const;

/** The safetensors metadata entries of an export. */
export function exportMetadataEntries(meta: ExportMetadata): Record<string, string> {
  return { format: EXPORT_FORMAT, [EXPORT_KEY]: JSON.stringify(meta) };
}

function itemTfmConfig(r: FieldReader): ItemTransformConfig {
  const name = r.string('name', ['Resize', 'RandomResizedCrop']);
  if (name === 'Resize') {
    r.only(['name', 'size', 'method', 'padMode']);
    return { name, size: r.size('size'), method: r.string('method', RESIZE_METHODS) as (typeof RESIZE_METHODS)[number], padMode: r.string('padMode', PAD_MODES) as PadMode };
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
    const what = metadata['fasttune.state'] !== undefined ? 'a training state saved by learn.save (use learn.load)' : 'weights without fasttune export metadata';
    throw new FasttuneError(`${file} is not a model exported by fasttune: it holds ${what}; export one with learn.export(path)`, 'E_IO');
  }
  const r = FieldReader.parse(file, EXPORT_KEY, metadata[EXPORT_KEY]);
  const formatVersion = r.integer('formatVersion', 1);
  if (formatVersion > EXPORT_FORMAT_VERSION) {
    throw new FasttuneError(`${file} was exported in format ${formatVersion} by a newer fasttune; this version reads format ${EXPORT_FORMAT_VERSION}`, 'E_IO');
  }
  r.only(['formatVersion', 'libraryVersion', 'arch', 'nOut', 'vocab', 'normalize', 'itemTfm', 'validResize', 'loss', 'activation', 'ps']);
  const arch = r.string('arch');
  if (!(ARCHS as readonly string[]).includes(arch)) {
    throw new FasttuneError(`${file}: architecture '${arch}' is not supported by this fasttune (${ARCHS.join(', ')})`, 'E_IO');
  }
  const nOut = r.integer('nOut', 1, 1_000_000);
  const vocab = r.strings('vocab');
  if (vocab.length !== nOut) throw r.fail('vocab', `${nOut} class names (nOut)`);
  if (new Set(vocab).size !== vocab.length) throw r.fail('vocab', 'distinct class names');
  const norm = r.object('normalize', true);
  norm?.only(['mean', 'std']);
  const loss = r.object('loss');
  loss.only(['kind', 'labelSmoothing']);
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
    loss: { kind: loss.string('kind', ['crossEntropy']) as 'crossEntropy', labelSmoothing: loss.number('labelSmoothing', 0, 1 - Number.EPSILON) },
    activation: r.string('activation', ['softmax']) as 'softmax',
    ps: r.number('ps', 0, 1),
  };
}
