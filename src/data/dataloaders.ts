// ImageDataLoaders: fastai's factories (from a folder tree, file-name patterns, functions, a CSV
// or plain lists) building a training and a validation loader over one shared image source.
import { readdir, readFile, stat } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { basename, dirname, join, sep } from 'node:path';
import type { BatchTransform } from '../augment/batch-transform.js';
import type { Normalize } from '../augment/normalize.js';
import { FasttuneError } from '../core/errors.js';
import { checkFunction, checkInteger, checkNumber, checkOneOf, checkOptions, checkString, invalidParameterError } from '../core/validate.js';
import { checkBatchTfms, type NormalizeStats } from './batch-tfms.js';
import { parseCsv } from './csv.js';
import { checkImage, DEFAULT_MAX_PIXELS } from './decode-image.js';
import { createDecoder, type CacheInfo } from './batch-decoder.js';
import { getImageFiles } from './files.js';
import { compareCodePoints, labelByRegex, labelWith, resolveFiles, type Labelled, type RawTarget } from './labels.js';
import { encodeTarget, inferTargetKind, normalizeTarget, outputsOf, vocabOf, type TargetKind } from './targets.js';
import { Limiter } from './limiter.js';
import { ImageDataLoader, type LoaderItem } from './loader.js';
import { defaultDecodeWorkers } from './pool.js';
import { randomSeed } from '../core/rng.js';
import { showBatch, type ShowBatchOptions } from './show-batch.js';
import { GrandparentSplitter, IndexSplitter, RandomSplitter, type Splitter } from './splitters.js';
import { defaultDecodeSlots } from './threads.js';
import type { ItemTransform } from './item-transforms.js';
import type { DataLoaders } from './loader-contract.js';

/** Options every factory takes. */
export interface ImageDataLoadersOptions {
  /** Batch size (default 64). */
  bs?: number;
  /** Validation batch size (default `bs`). */
  valBs?: number;
  /** Item transform run on the CPU, e.g. `Resize(460)`. Without one all images must share a size. */
  itemTfms?: ItemTransform | readonly ItemTransform[];
  /**
   * Batch transforms, e.g. `augTransforms({ size: 224 })`; their parameters ride on each batch. A
   * `Normalize.fromStats(...)` here sets the normalization (as `normalize` does).
   */
  batchTfms?: BatchTransform | Normalize | readonly (BatchTransform | Normalize)[];
  /** Statistics the model normalizes with on the device (default ImageNet's; null for none). */
  normalize?: 'imagenet' | NormalizeStats | null;
  /** Seeds the split, the shuffles, the crops and the batch transforms. */
  seed?: number;
  /** Class names in index order (default: the sorted training labels). */
  vocab?: readonly string[];
  /**
   * What the labels are, as fastai's blocks: `'category'` (one class per item, the default),
   * `'multiCategory'` (several classes per item: arrays of labels, or `labelDelim` in a CSV;
   * the default when labels are arrays) or `'regression'` (a number per item).
   */
  yBlock?: TargetKind;
  /** 'error' (default): a bad image fails the epoch that reads it. 'skip': check every file first and leave bad ones out, with one warning. */
  onBadImage?: 'skip' | 'error';
  /** Largest width × height decoded (default 178,956,970, PIL's decompression-bomb limit). */
  maxPixels?: number;
  /** Memory for decoded images kept between epochs (default a quarter of RAM; 0 turns caching off). */
  cacheBytes?: number;
  /** Batches decoded ahead of the one being used (default 2). */
  prefetch?: number;
  /** Images decoded at once (default UV_THREADPOOL_SIZE, i.e. 4 unless set when Node starts). */
  decodeSlots?: number;
  /**
   * Worker threads that decode (default one per four cores, at most 4, or FASTTUNE_DECODE_WORKERS;
   * 0 decodes on the main thread). The threads are shared by all loaders of the process; the
   * first count asked for wins.
   */
  decodeWorkers?: number;
  /** Where warnings go (default console.warn). */
  warn?: (message: string) => void;
}

/** Options of the factories that split at random unless given a splitter. */
export interface SplitOptions {
  /** Fraction held out for validation (default 0.2). */
  validPct?: number;
  /** A splitter instead of `RandomSplitter(validPct, seed)`. */
  splitter?: Splitter;
}

export interface FromFolderOptions extends ImageDataLoadersOptions {
  /** Training folder name (default 'train'). */
  train?: string;
  /** Validation folder name (default 'valid'). */
  valid?: string;
  /** Split all images at random instead of by the train/valid folders. */
  validPct?: number;
}

export interface FromCsvOptions extends ImageDataLoadersOptions, SplitOptions {
  /** CSV file name inside `path` (default 'labels.csv'). */
  csvFname?: string;
  /** First row holds column names (default true). */
  header?: boolean;
  delimiter?: string;
  /** File-name column: index or header name (default 0). */
  fnCol?: number | string;
  /** Label column: index or header name (default 1). */
  labelCol?: number | string;
  /** Column of true/false values marking validation rows (instead of a random split). */
  validCol?: number | string;
  /** Sub-folder of `path` the file names are relative to. */
  folder?: string;
  /** Suffix appended to every file name (e.g. '.jpg'). */
  suff?: string;
  /** Splits each label cell into several labels (multi-label, fastai's `label_delim`), e.g. `' '`. */
  labelDelim?: string;
}

const LOADER_KEYS = [
  'bs',
  'valBs',
  'itemTfms',
  'batchTfms',
  'normalize',
  'seed',
  'vocab',
  'yBlock',
  'onBadImage',
  'maxPixels',
  'cacheBytes',
  'prefetch',
  'decodeSlots',
  'decodeWorkers',
  'warn',
];
const SPLIT_KEYS = [...LOADER_KEYS, 'validPct', 'splitter'];
const FOLDER_KEYS = [...LOADER_KEYS, 'train', 'valid', 'validPct'];
const CSV_KEYS = [...SPLIT_KEYS, 'csvFname', 'header', 'delimiter', 'fnCol', 'labelCol', 'validCol', 'folder', 'suff', 'labelDelim'];

function positiveInt(where: string, name: string, value: unknown, fallback: number): number {
  return value === undefined ? fallback : checkInteger(where, name, value, { min: 1 });
}

function nonNegativeInt(where: string, name: string, value: unknown): number {
  return checkInteger(where, name, value, { min: 0 });
}

function singleItemTfm(where: string, value: ImageDataLoadersOptions['itemTfms']): ItemTransform | undefined {
  const list = value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];
  const tfm = list[0] as ItemTransform | undefined;
  if (list.length > 1 || (tfm !== undefined && !(typeof tfm.render === 'function' && Array.isArray(tfm.size)))) {
    throw invalidParameterError(where, 'itemTfms', 'one item transform, from Resize() or RandomResizedCrop()', value);
  }
  return tfm;
}

/** The training and validation loaders of one dataset, with its vocab. */
export class ImageDataLoaders implements DataLoaders {
  readonly vocab: readonly string[];
  readonly c: number;
  readonly targetKind: TargetKind;
  /** Statistics the model should normalize with (null: none). */
  readonly normalize: NormalizeStats | null;
  /** Files left out by `onBadImage: 'skip'`. */
  readonly skipped: readonly string[];

  private constructor(
    readonly path: string,
    readonly train: ImageDataLoader,
    readonly valid: ImageDataLoader,
    vocab: string[],
    normalize: NormalizeStats | null,
    skipped: string[],
    targetKind: TargetKind,
  ) {
    this.vocab = Object.freeze(vocab);
    this.targetKind = targetKind;
    this.c = outputsOf(targetKind, vocab);
    this.normalize = normalize;
    this.skipped = Object.freeze(skipped);
  }

  /** Decoded images held for later epochs (shared by both loaders). */
  get cached(): CacheInfo {
    return this.train.imageDecoder.cacheInfo();
  }

  /** Decode worker threads in use (0: the main thread decodes). */
  get decodeWorkers(): number {
    return this.train.imageDecoder.workers;
  }

  /** Frees the decoded-image cache; the loaders cannot be used afterwards. */
  close(): void {
    this.train.imageDecoder.release();
  }

  /** The item transform (for export), if any. */
  get itemTfm(): ItemTransform | undefined {
    return this.train.options.itemTfm;
  }

  /**
   * Images in an ImageNet-style tree: `path/train/<label>/*` and `path/valid/<label>/*` (split
   * by folder), or with `validPct` every image under `path` split at random; labels are the
   * parent folder names.
   * @example await ImageDataLoaders.fromFolder('data/fmnist', { itemTfms: Resize(32) })
   */
  static async fromFolder(path: string, options: FromFolderOptions = {}): Promise<ImageDataLoaders> {
    checkOptions('fromFolder', options, FOLDER_KEYS);
    checkString('fromFolder', 'path', path);
    const train = options.train ?? 'train';
    const valid = options.valid ?? 'valid';
    const random = options.validPct !== undefined;
    const paths = await getImageFiles(path, random ? {} : { folders: [train, valid] });
    if (!random) {
      for (const name of [train, valid]) {
        const isDir = await stat(join(path, name)).then(
          (st) => st.isDirectory(),
          () => false,
        );
        if (!isDir) {
          throw new FasttuneError(
            `fromFolder: ${path} has no '${name}' folder; expected ${join(path, train)}/<label>/… and ${join(path, valid)}/<label>/…, ` +
              'or pass validPct to split at random',
            'E_IO',
          );
        }
      }
      await checkNoEmptyClasses([join(path, train), join(path, valid)], paths);
    }
    if (paths.length === 0) throw new FasttuneError(`fromFolder: no image files under ${path}`, 'E_IO');
    const labelled = labelWith(paths, (p) => basename(dirname(p)), 'fromFolder');
    const splitter = random ? RandomSplitter(options.validPct, options.seed) : GrandparentSplitter({ train, valid });
    return ImageDataLoaders.build(path, labelled, splitter, options, 'fromFolder');
  }

  /**
   * Labels from a regular expression on each file *name*: group 1 is the label.
   * @example fromNameRe(dir, files, /^(.*)_\d+\.jpg$/i, { itemTfms: Resize(460) })  // Oxford Pets
   */
  static async fromNameRe(
    path: string,
    fnames: readonly string[],
    pattern: RegExp | string,
    options: ImageDataLoadersOptions & SplitOptions = {},
  ): Promise<ImageDataLoaders> {
    checkOptions('fromNameRe', options, SPLIT_KEYS);
    const paths = resolveFiles(path, fnames, 'fromNameRe');
    return ImageDataLoaders.build(path, labelByRegex(paths, pattern, false, 'fromNameRe'), splitterOf('fromNameRe', options), options, 'fromNameRe');
  }

  /** Labels from a regular expression on each full path ('/'-separated): group 1 is the label. */
  static async fromPathRe(
    path: string,
    fnames: readonly string[],
    pattern: RegExp | string,
    options: ImageDataLoadersOptions & SplitOptions = {},
  ): Promise<ImageDataLoaders> {
    checkOptions('fromPathRe', options, SPLIT_KEYS);
    const paths = resolveFiles(path, fnames, 'fromPathRe');
    return ImageDataLoaders.build(path, labelByRegex(paths, pattern, true, 'fromPathRe'), splitterOf('fromPathRe', options), options, 'fromPathRe');
  }

  /**
   * Labels from a function of each file name (no folders): a class, an array of classes
   * (multi-label) or, with `yBlock: 'regression'`, a number.
   */
  static async fromNameFunc(
    path: string,
    fnames: readonly string[],
    labelFunc: (name: string) => RawTarget,
    options: ImageDataLoadersOptions & SplitOptions = {},
  ): Promise<ImageDataLoaders> {
    checkOptions('fromNameFunc', options, SPLIT_KEYS);
    checkFunction('fromNameFunc', 'labelFunc', labelFunc);
    const paths = resolveFiles(path, fnames, 'fromNameFunc');
    return ImageDataLoaders.build(
      path,
      labelWith(paths, (p) => labelFunc(basename(p)), 'fromNameFunc'),
      splitterOf('fromNameFunc', options),
      options,
      'fromNameFunc',
    );
  }

  /** Labels from a function of each file path (as {@link fromNameFunc}'s). */
  static async fromPathFunc(
    path: string,
    fnames: readonly string[],
    labelFunc: (path: string) => RawTarget,
    options: ImageDataLoadersOptions & SplitOptions = {},
  ): Promise<ImageDataLoaders> {
    checkOptions('fromPathFunc', options, SPLIT_KEYS);
    checkFunction('fromPathFunc', 'labelFunc', labelFunc);
    const paths = resolveFiles(path, fnames, 'fromPathFunc');
    return ImageDataLoaders.build(path, labelWith(paths, labelFunc, 'fromPathFunc'), splitterOf('fromPathFunc', options), options, 'fromPathFunc');
  }

  /**
   * Files and their labels given as two lists of the same length: class names, arrays of class
   * names (multi-label) or, with `yBlock: 'regression'`, numbers.
   */
  static async fromLists(
    path: string,
    fnames: readonly string[],
    labels: readonly RawTarget[],
    options: ImageDataLoadersOptions & SplitOptions = {},
  ): Promise<ImageDataLoaders> {
    checkOptions('fromLists', options, SPLIT_KEYS);
    const paths = resolveFiles(path, fnames, 'fromLists');
    if (!Array.isArray(labels) || labels.length !== paths.length) {
      throw invalidParameterError('fromLists', 'labels', `an array of ${paths.length} labels (one per file)`, labels);
    }
    const kind = options.yBlock ?? inferTargetKind(labels);
    const checked = labels.map((label, i) => normalizeTarget(kind, label, `labels[${i}]`, 'fromLists'));
    return ImageDataLoaders.build(path, { paths, labels: checked }, splitterOf('fromLists', options), { ...options, yBlock: kind }, 'fromLists');
  }

  /**
   * A CSV of file names and labels (`path/labels.csv` by default). Files are
   * `path[/folder]/<name><suff>`. `validCol` marks validation rows; otherwise the split is random.
   * `labelDelim` makes it multi-label (each cell split into classes); `yBlock: 'regression'` reads
   * the label column as numbers.
   */
  static async fromCsv(path: string, options: FromCsvOptions = {}): Promise<ImageDataLoaders> {
    checkOptions('fromCsv', options, CSV_KEYS);
    checkString('fromCsv', 'path', path);
    const labelDelim = options.labelDelim === undefined ? undefined : checkString('fromCsv', 'labelDelim', options.labelDelim);
    const kind = checkOneOf('fromCsv', 'yBlock', options.yBlock ?? (labelDelim === undefined ? 'category' : 'multiCategory'), [
      'category',
      'multiCategory',
      'regression',
    ] as const);
    if (labelDelim !== undefined && kind !== 'multiCategory') throw invalidParameterError('fromCsv', 'yBlock', "'multiCategory' with labelDelim", kind);
    const csvPath = join(path, options.csvFname ?? 'labels.csv');
    const text = await readFile(csvPath, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new FasttuneError(`fromCsv: cannot read ${csvPath}: ${error.code === 'ENOENT' ? 'no such file' : (error.code ?? error.message)}`, 'E_IO');
    });
    const rows = parseCsv(text, options.delimiter ?? ',');
    const header = options.header ?? true;
    const names = header ? (rows.shift() ?? []) : [];
    if (rows.length === 0) throw new FasttuneError(`fromCsv: ${csvPath} has no data rows`, 'E_IO');
    const width = Math.max(...rows.map((r) => r.length), names.length);
    const column = (key: number | string, what: string): number => {
      const index = typeof key === 'number' ? key : names.indexOf(key);
      if (!Number.isInteger(index) || index < 0 || index >= width) {
        const known = header ? `columns are ${names.map((n) => `'${n}'`).join(', ')}` : `it has ${width} columns`;
        throw new FasttuneError(`fromCsv: ${what} column ${JSON.stringify(key)} is not in ${csvPath} (${known})`, 'E_ARG');
      }
      return index;
    };
    const fnCol = column(options.fnCol ?? 0, 'file-name');
    const labelCol = column(options.labelCol ?? 1, 'label');
    const validCol = options.validCol === undefined ? undefined : column(options.validCol, 'validation');
    const cell = (row: string[], col: number, line: number, what: string): string => {
      const value = row[col];
      if (value === undefined || value === '') {
        throw new FasttuneError(`fromCsv: row ${line} of ${csvPath} has no ${what} (column ${col})`, 'E_ARG');
      }
      return value;
    };
    const first = header ? 2 : 1;
    const base = options.folder ? join(path, options.folder) : path;
    const paths = rows.map((r, i) => join(base, cell(r, fnCol, i + first, 'file name') + (options.suff ?? '')));
    const labels = rows.map((r, i) => {
      const text = cell(r, labelCol, i + first, 'label');
      const raw = labelDelim === undefined ? text : text.split(labelDelim).filter((l) => l !== '');
      return normalizeTarget(kind, raw, `row ${i + first} of ${csvPath}`, 'fromCsv');
    });
    let splitter = splitterOf('fromCsv', options);
    if (validCol !== undefined) {
      const flags = rows.map((r, i) => {
        const v = (r[validCol] ?? '').trim().toLowerCase();
        if (['true', '1', 'yes'].includes(v)) return true;
        if (['false', '0', 'no', ''].includes(v)) return false;
        throw new FasttuneError(`fromCsv: row ${i + first} of ${csvPath} has '${r[validCol]}' in the validation column; expected true or false`, 'E_ARG');
      });
      const validPaths = new Set(paths.filter((_, i) => flags[i]));
      splitter = (items) => IndexSplitter(items.flatMap((p, i) => (validPaths.has(p) ? [i] : [])))(items);
    }
    return ImageDataLoaders.build(path, { paths, labels }, splitter, { ...options, yBlock: kind }, 'fromCsv');
  }

  private static async build(path: string, labelled: Labelled, splitter: Splitter, options: ImageDataLoadersOptions, what: string): Promise<ImageDataLoaders> {
    const bs = positiveInt(what, 'bs', options.bs, 64);
    const valBs = positiveInt(what, 'valBs', options.valBs, bs);
    const prefetch = nonNegativeInt(what, 'prefetch', options.prefetch ?? 2);
    const slots = positiveInt(what, 'decodeSlots', options.decodeSlots, defaultDecodeSlots());
    const maxPixels = positiveInt(what, 'maxPixels', options.maxPixels, DEFAULT_MAX_PIXELS);
    const cacheBytes = checkNumber(what, 'cacheBytes', options.cacheBytes ?? Math.floor(totalmem() / 4), { min: 0 });
    const onBadImage = checkOneOf(what, 'onBadImage', options.onBadImage ?? 'error', ['skip', 'error'] as const);
    const seed = nonNegativeInt(what, 'seed', options.seed ?? randomSeed());
    const itemTfm = singleItemTfm(what, options.itemTfms);
    const { batchTfm, normalize } = checkBatchTfms(what, options.batchTfms, options.normalize);
    const warn = options.warn ?? ((m: string) => console.warn(m));

    // Sorted by path, so that splits and orders do not depend on how the files were listed.
    const order = labelled.paths.map((_, i) => i).sort((a, b) => compareCodePoints(labelled.paths[a] as string, labelled.paths[b] as string));
    let paths = order.map((i) => labelled.paths[i] as string);
    let labels = order.map((i) => labelled.labels[i] as RawTarget);
    let skipped: string[] = [];
    if (onBadImage === 'skip') {
      const bad = await findBadImages(paths, maxPixels, slots);
      if (bad.length > 0) {
        const shown = bad.slice(0, 20).map((e) => `  ${e.message}`);
        if (bad.length > 20) shown.push(`  … and ${bad.length - 20} more`);
        warn(`${what}: skipping ${bad.length} unreadable image${bad.length > 1 ? 's' : ''} of ${paths.length}:\n${shown.join('\n')}`);
        const badPaths = new Set(bad.map((e) => e.path));
        skipped = paths.filter((p) => badPaths.has(p));
        const keep = paths.map((p) => !badPaths.has(p));
        paths = paths.filter((_, i) => keep[i]);
        labels = labels.filter((_, i) => keep[i]);
      }
      if (paths.length === 0) throw new FasttuneError(`${what}: none of the images could be read`, 'E_IO');
    }

    const kind = checkOneOf(what, 'yBlock', options.yBlock ?? inferTargetKind(labels), ['category', 'multiCategory', 'regression'] as const);
    labels = labels.map((label, i) => normalizeTarget(kind, label, paths[i] as string, what));
    const split = splitter(paths);
    if (split.train.length === 0) throw new FasttuneError(`${what}: the training set is empty (${paths.length} images, none assigned to training)`, 'E_ARG');
    const vocab =
      options.vocab && kind !== 'regression'
        ? checkVocab(what, options.vocab)
        : vocabOf(
            kind,
            split.train.map((i) => labels[i] as RawTarget),
          );
    const index = new Map(vocab.map((v, i) => [v, i]));
    const itemsOf = (indices: number[], role: string): LoaderItem[] =>
      indices.map((i) => {
        const unknown = (label: string): never => {
          const why = options.vocab ? 'is not in the vocab given' : 'does not occur in the training set';
          throw new FasttuneError(`${what}: ${role} label '${label}' (${paths[i]}) ${why}`, 'E_ARG');
        };
        return { path: paths[i] as string, ...encodeTarget(kind, labels[i] as RawTarget, index, unknown) };
      });
    const trainItems = itemsOf(split.train, 'training');
    const validItems = itemsOf(split.valid, 'validation');
    if (trainItems.length < bs) {
      throw new FasttuneError(`${what}: the training set has ${trainItems.length} images, fewer than one batch (bs ${bs}); lower bs`, 'E_ARG');
    }

    const workers = nonNegativeInt(what, 'decodeWorkers', options.decodeWorkers ?? defaultDecodeWorkers());
    const decoder = createDecoder({ maxPixels, cacheBytes, slots }, workers);
    const common = { itemTfm, batchTfm, seed, prefetch };
    const train = new ImageDataLoader(trainItems, decoder, { ...common, bs, shuffle: true, dropLast: true, split: 'train' });
    const valid = new ImageDataLoader(validItems, decoder, { ...common, bs: valBs, shuffle: false, dropLast: false, split: 'valid' });
    return new ImageDataLoaders(path, train, valid, vocab, normalize, skipped, kind);
  }

  /**
   * Loaders without items that keep a vocab and transforms: what `loadLearner` rebuilds from an
   * exported model, ready for `testDl`. Nothing is cached (each file is read once).
   */
  static forInference(options: {
    vocab: readonly string[];
    targetKind?: TargetKind;
    itemTfm?: ItemTransform;
    batchTfm?: BatchTransform;
    normalize?: NormalizeStats | null;
    bs?: number;
    path?: string;
    decodeWorkers?: number;
  }): ImageDataLoaders {
    const where = 'forInference';
    const targetKind = options.targetKind ?? 'category';
    const vocab = targetKind === 'regression' ? [] : checkVocab(where, options.vocab);
    const bs = positiveInt(where, 'bs', options.bs, 64);
    const workers = nonNegativeInt(where, 'decodeWorkers', options.decodeWorkers ?? defaultDecodeWorkers());
    const decoder = createDecoder({ maxPixels: DEFAULT_MAX_PIXELS, cacheBytes: 0, slots: defaultDecodeSlots() }, workers);
    const common = { itemTfm: options.itemTfm, batchTfm: options.batchTfm, seed: 0, prefetch: 2 };
    const train = new ImageDataLoader([], decoder, { ...common, bs, shuffle: true, dropLast: true, split: 'train' });
    const valid = new ImageDataLoader([], decoder, { ...common, bs, shuffle: false, dropLast: false, split: 'valid' });
    return new ImageDataLoaders(options.path ?? '.', train, valid, [...vocab], options.normalize ?? null, [], targetKind);
  }

  /**
   * A loader over other files with the validation transforms, e.g. for predictions. Labels are -1
   * (unlabelled).
   */
  testDl(fnames: readonly string[], options: { bs?: number } = {}): ImageDataLoader {
    const paths = resolveFiles(this.path, fnames, 'testDl');
    const bs = positiveInt('testDl', 'bs', options.bs, this.valid.bs);
    return this.valid.derive({ bs }).withItems(paths.map((path) => ({ path, label: -1 })));
  }

  /**
   * Writes a PNG grid of one batch with each image's label (training batch by default).
   * `pixels` replaces the displayed images, e.g. with device-augmented ones.
   */
  async showBatch(options: ShowBatchOptions): Promise<void> {
    const loader = options.split === 'valid' ? this.valid : this.train;
    await showBatch(await loader.oneBatch(), this.vocab, options);
  }
}

function splitterOf(where: string, options: ImageDataLoadersOptions & SplitOptions): Splitter {
  if (options.splitter !== undefined) return checkFunction(where, 'splitter', options.splitter);
  return RandomSplitter(options.validPct ?? 0.2, options.seed);
}

function checkVocab(where: string, vocab: readonly string[]): string[] {
  if (!Array.isArray(vocab) || vocab.length === 0 || !vocab.every((v) => typeof v === 'string') || new Set(vocab).size !== vocab.length) {
    throw invalidParameterError(where, 'vocab', 'a non-empty array of distinct class names', vocab);
  }
  return [...vocab];
}

/** Every class folder (a sub-folder of train/ or valid/) must hold at least one image. */
async function checkNoEmptyClasses(parents: string[], paths: string[]): Promise<void> {
  for (const parent of parents) {
    const entries = await readdir(parent, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      const prefix = join(parent, entry.name) + sep;
      if (!paths.some((p) => p.startsWith(prefix))) {
        throw new FasttuneError(`fromFolder: class folder ${join(parent, entry.name)} has no images`, 'E_IO');
      }
    }
  }
}

async function findBadImages(paths: string[], maxPixels: number, slots: number): Promise<Array<FasttuneError & { path: string }>> {
  const limiter = new Limiter(slots);
  const results = await Promise.all(paths.map((p) => limiter.run(() => checkImage(p, { maxPixels }))));
  return results.flatMap((error, i) => (error ? [Object.assign(error, { path: paths[i] as string })] : []));
}
