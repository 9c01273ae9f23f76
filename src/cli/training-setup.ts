// Building the DataLoaders and the Learner from the options of `train` and `lr-find` (loaded when
// a command runs, so that `fasttune --help` and `doctor` never load the addon or sharp).
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { augTransforms } from '../augment/aug-transforms.js';
import { ImageDataLoaders } from '../data/dataloaders.js';
import { getImageFiles } from '../data/files.js';
import { Resize } from '../data/item-transforms.js';
import { FasttuneError } from '../core/errors.js';
import type { Callback } from '../learner/callback.js';
import type { ProgressOutput } from '../learner/learner-state.js';
import type { DeviceName } from '../model/vision-model.js';
import { checkArchitecture } from '../vision/architectures.js';
import { visionLearner, type VisionLearner } from '../vision/vision-learner.js';
import { type OptionValues, UsageError } from './command.js';
import { metricsOption, numberOption, VALID_FOLDER_NAMES } from './options.js';

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/** How the images are split: by two folders, or at random within one. */
type Split = { kind: 'folders'; valid: string } | { kind: 'random'; root: string; validPct: number };

/** The split the options and the folder tree call for. */
async function chooseSplit(dir: string, values: OptionValues, validPct: number | undefined): Promise<Split> {
  const hasTrain = await isDirectory(join(dir, 'train'));
  if (typeof values.valid === 'string') {
    if (!hasTrain) throw new FasttuneError(`--valid ${values.valid}: ${dir} has no train/ folder to go with it`, 'E_IO');
    if (!(await isDirectory(join(dir, values.valid)))) throw new FasttuneError(`--valid ${values.valid}: ${dir} has no ${values.valid}/ folder`, 'E_IO');
    return { kind: 'folders', valid: values.valid };
  }
  if (validPct === undefined && hasTrain) {
    for (const name of VALID_FOLDER_NAMES) if (await isDirectory(join(dir, name))) return { kind: 'folders', valid: name };
  }
  // A train/ folder without a validation one: its images are split, not those of test/ and the like.
  return { kind: 'random', root: hasTrain ? join(dir, 'train') : dir, validPct: validPct ?? 0.2 };
}

/** One line saying which images validate, and which folders beside train/ go unused, for the user to check. */
async function describeSplit(dir: string, split: Split, seed: number): Promise<string> {
  const pooled = split.kind === 'random' && split.root === dir;
  const used = split.kind === 'folders' ? split.valid : undefined;
  const unused: string[] = [];
  for (const name of [...VALID_FOLDER_NAMES, 'test']) {
    if (!pooled && name !== used && (await isDirectory(join(dir, name)))) unused.push(`${name}/`);
  }
  const note = unused.length === 0 ? '' : `; ${unused.join(', ')} not used (--valid <name> to validate on one)`;
  if (split.kind === 'folders') return `split: train/ for training, ${split.valid}/ for validation${note}`;
  const where = pooled ? `the images under ${dir}` : 'train/';
  return `split: random, ${Math.round(split.validPct * 100)}% of ${where} for validation (seed ${seed})${note}`;
}

/** The loaders, and the line describing their split. */
export interface PreparedData {
  dls: ImageDataLoaders;
  split: string;
}

/** The DataLoaders the options describe: by folder (train/ and a validation folder, or a random split) or by a name pattern. */
export async function dataFromOptions(dir: string, values: OptionValues, warn: ProgressOutput): Promise<PreparedData> {
  // Every option is read before any file is: a bad command line is a usage error (exit 2).
  const size = numberOption(values, 'size', 224, { integer: true, min: 8, max: 4096 });
  const seed = numberOption(values, 'seed', 42, { integer: true, min: 0 });
  const badMessages: string[] = [];
  const common = {
    bs: numberOption(values, 'bs', 64, { integer: true, min: 1 }),
    seed,
    // fastai's presizing: a larger item size (460 for 224), then augmentation and the final size
    // in one resample on the device.
    ...(values['no-augment']
      ? { itemTfms: Resize(size) }
      : { itemTfms: Resize(Math.round((size * 460) / 224)), batchTfms: augTransforms({ size, minScale: 0.75 }) }),
    // Every file is checked before the first epoch; whether a bad one stops the run is decided below.
    onBadImage: 'skip' as const,
    warn: (message: string) => badMessages.push(message),
  };
  const validPct = values['valid-pct'] === undefined ? undefined : numberOption(values, 'valid-pct', 0.2, { min: 0, max: 0.99 });
  let pattern: RegExp | undefined;
  if (typeof values.pattern === 'string') {
    try {
      pattern = new RegExp(values.pattern);
    } catch (error) {
      throw new UsageError(`--pattern is not a valid regular expression: ${(error as Error).message}`);
    }
  }
  if (!(await isDirectory(dir))) throw new FasttuneError(`${dir} is not a folder of images`, 'E_IO');
  let dls: ImageDataLoaders;
  let split: string;
  if (typeof values.csv === 'string') {
    const labelDelim = typeof values['label-delim'] === 'string' ? values['label-delim'] : undefined;
    const yBlock = values.regression === true ? 'regression' : labelDelim === undefined ? 'category' : 'multiCategory';
    dls = await ImageDataLoaders.fromCsv(dir, {
      ...common,
      csvFname: values.csv,
      yBlock,
      ...(labelDelim !== undefined && { labelDelim }),
      validPct: validPct ?? 0.2,
    });
    split = await describeSplit(dir, { kind: 'random', root: dir, validPct: validPct ?? 0.2 }, seed);
  } else if (pattern) {
    const files = await getImageFiles(dir);
    if (files.length === 0) throw new FasttuneError(`no image files under ${dir}`, 'E_IO');
    dls = await ImageDataLoaders.fromNameRe(dir, files, pattern, { ...common, validPct: validPct ?? 0.2 });
    split = await describeSplit(dir, { kind: 'random', root: dir, validPct: validPct ?? 0.2 }, seed);
  } else {
    const chosen = await chooseSplit(dir, values, validPct);
    dls =
      chosen.kind === 'folders'
        ? await ImageDataLoaders.fromFolder(dir, { ...common, valid: chosen.valid })
        : await ImageDataLoaders.fromFolder(chosen.root, { ...common, validPct: chosen.validPct });
    split = await describeSplit(dir, chosen, seed);
  }
  if (dls.skipped.length > 0) reportBadImages(dls, badMessages, values['skip-bad-images'] === true, warn);
  return { dls, split };
}

/** Skipped images: a count on stderr with --skip-bad-images, else the end of the command, before any training. */
function reportBadImages(dls: ImageDataLoaders, messages: readonly string[], skip: boolean, warn: ProgressOutput): void {
  const n = dls.skipped.length;
  const total = n + dls.train.n + dls.valid.n;
  // The library's warning: a first line, then one line per file with its reason.
  const reasons = messages.flatMap((m) => m.split('\n').slice(1)).join('\n');
  if (skip) {
    warn.write(`skipped ${n} of ${total} images that cannot be read:\n${reasons}\n`);
    return;
  }
  dls.close();
  throw new FasttuneError(`${n} of ${total} images cannot be read:\n${reasons}\nremove or fix them, or pass --skip-bad-images to train without them`, 'E_IO');
}

/** fastai's vision learner for the options: the --arch body (pretrained unless told not to, then frozen) and a fresh head. */
export async function learnerFromOptions(dls: ImageDataLoaders, values: OptionValues, output: ProgressOutput, cbs: Callback[] = []): Promise<VisionLearner> {
  const pretrained = !values['no-pretrained'];
  return visionLearner(dls, checkArchitecture('--arch', values.arch ?? 'resnet34'), {
    pretrained,
    ...(pretrained && typeof values.weights === 'string' && { weights: values.weights }),
    device: (values.device ?? 'auto') as DeviceName,
    seed: numberOption(values, 'seed', 42, { integer: true, min: 0 }),
    metrics: metricsOption(values),
    cbs,
    output,
  });
}

/** What the command is about to train on: the split, the image counts and the classes. */
export function describeData({ dls, split }: PreparedData): string {
  const targets =
    dls.targetKind === 'regression'
      ? 'a number per image (regression)'
      : `${dls.c} classes${dls.targetKind === 'multiCategory' ? ' (multi-label)' : ''}: ${dls.vocab.join(', ')}`;
  return `${split}\n${dls.train.n} training and ${dls.valid.n} validation images, ${targets}\n`;
}
