// Building the DataLoaders and the Learner from the options of `train` and `lr-find` (loaded when
// a command runs, so that `fasttune --help` and `doctor` never load the addon or sharp).
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { augTransforms } from '../augment/aug-transforms.js';
import { ImageDataLoaders } from '../data/dataloaders.js';
import { getImageFiles } from '../data/files.js';
import { Resize } from '../data/transforms.js';
import { FasttuneError } from '../core/errors.js';
import { errorRate } from '../learner/metrics.js';
import type { ProgressOutput } from '../learner/progress.js';
import type { DeviceName } from '../model/vision-model.js';
import { checkArchitecture } from '../vision/architectures.js';
import { visionLearner, type VisionLearner } from '../vision/vision-learner.js';
import { type OptionValues, UsageError } from './command.js';
import { numberOption } from './options.js';

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isDirectory(), () => false);
}

/** The DataLoaders the options describe: by folder (train/valid or a random split) or by a name pattern. */
export async function dataFromOptions(dir: string, values: OptionValues): Promise<ImageDataLoaders> {
  // Every option is read before any file is: a bad command line is a usage error (exit 2).
  const size = numberOption(values, 'size', 224, { integer: true, min: 8, max: 4096 });
  const common = {
    bs: numberOption(values, 'bs', 64, { integer: true, min: 1 }),
    seed: numberOption(values, 'seed', 42, { integer: true, min: 0 }),
    // fastai's presizing: a larger item size (460 for 224), then augmentation and the final size
    // in one resample on the device.
    ...(values['no-augment']
      ? { itemTfms: Resize(size) }
      : { itemTfms: Resize(Math.round((size * 460) / 224)), batchTfms: augTransforms({ size, minScale: 0.75 }) }),
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
  if (pattern) {
    const files = await getImageFiles(dir);
    if (files.length === 0) throw new FasttuneError(`no image files under ${dir}`, 'E_IO');
    return ImageDataLoaders.fromNameRe(dir, files, pattern, { ...common, validPct: validPct ?? 0.2 });
  }
  const split = (await isDirectory(join(dir, 'train'))) && (await isDirectory(join(dir, 'valid')));
  return ImageDataLoaders.fromFolder(dir, { ...common, ...(split && validPct === undefined ? {} : { validPct: validPct ?? 0.2 }) });
}

/** fastai's vision learner for the options: the --arch body (pretrained unless told not to, then frozen) and a fresh head. */
export async function learnerFromOptions(dls: ImageDataLoaders, values: OptionValues, output: ProgressOutput): Promise<VisionLearner> {
  const pretrained = !values['no-pretrained'];
  try {
    return await visionLearner(dls, checkArchitecture('--arch', values.arch ?? 'resnet34'), {
      pretrained,
      ...(pretrained && typeof values.weights === 'string' && { weights: values.weights }),
      device: (values.device ?? 'auto') as DeviceName,
      metrics: [errorRate],
      output,
    });
  } catch (error) {
    // The library's hint names its option; on the command line it is a flag.
    if (error instanceof FasttuneError) error.message = error.message.replace('pass pretrained: false', 'pass --no-pretrained');
    throw error;
  }
}
