// learn.export: one safetensors file with the weights and what predicting needs (architecture,
// classes, normalization, validation transforms, loss), written atomically.
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ImageDataLoader } from '../data/loader.js';
import { FasttuneError } from '../core/errors.js';
import type { Learner } from '../learner/learner.js';
import { effectiveLoss } from '../learner/predictions.js';
import { VisionModel } from '../model/vision-model.js';
import { libraryVersion } from '../core/version.js';
import { EXPORT_FORMAT_VERSION, exportMetadataEntries, type ExportMetadata } from './metadata.js';
import { validResizeOf } from './valid-resize.js';

function loaderOptions(learn: Learner): ImageDataLoader['options'] | undefined {
  const options = (learn.dls.valid as Partial<ImageDataLoader>).options;
  return options !== null && typeof options === 'object' ? options : undefined;
}

/** The size of the images entering the batch transforms: the item transform's, else a batch's. */
async function inputSize(learn: Learner, options: ImageDataLoader['options']): Promise<[number, number]> {
  if (options.itemTfm) return [options.itemTfm.size[0], options.itemTfm.size[1]];
  const valid = learn.dls.valid as Partial<ImageDataLoader>;
  if (typeof valid.oneBatch !== 'function' || valid.n === 0) {
    throw new FasttuneError('export: without an item transform the input size comes from a validation batch, and there is none', 'E_ARG');
  }
  const [, height, width] = (await valid.oneBatch()).shape;
  return [height, width];
}

/** The metadata `learn.export` writes for `learn`. */
async function exportMetadata(learn: Learner): Promise<ExportMetadata> {
  const model = learn.model;
  if (!(model instanceof VisionModel)) throw new FasttuneError('export: only a VisionModel (createVisionModel, visionLearner) can be exported', 'E_ARG');
  const options = loaderOptions(learn);
  const itemTfm = options?.itemTfm;
  const batchTfm = options?.batchTfm;
  const { settings } = model;
  const loss = effectiveLoss(model, learn.lossFunc);
  return {
    formatVersion: EXPORT_FORMAT_VERSION,
    libraryVersion: libraryVersion(),
    arch: settings.arch,
    nOut: settings.nOut,
    vocab: [...learn.dls.vocab],
    normalize: settings.normalize ? { mean: [...settings.normalize.mean], std: [...settings.normalize.std] } : null,
    itemTfm: itemTfm ? itemTfm.config : null,
    validResize: batchTfm && options ? validResizeOf(batchTfm, await inputSize(learn, options)) : null,
    loss: { kind: 'crossEntropy', labelSmoothing: loss.labelSmoothing },
    activation: 'softmax',
    ps: settings.ps,
  };
}

/**
 * Writes `learn`'s model as one safetensors file: every weight and buffer, plus the metadata
 * `loadLearner` needs. Written to a temporary file and renamed, so a crash never leaves half a
 * file behind. Resolves to the path.
 */
export async function exportLearner(learn: Learner, path: string): Promise<string> {
  if (typeof path !== 'string' || path === '') throw new FasttuneError('export: path must be a non-empty string', 'E_ARG');
  const meta = await exportMetadata(learn);
  if (meta.vocab.length !== meta.nOut) {
    throw new FasttuneError(`export: the data has ${meta.vocab.length} classes but the model ${meta.nOut} outputs`, 'E_ARG');
  }
  await mkdir(dirname(path), { recursive: true });
  await (learn.model as VisionModel).saveWeights(path, exportMetadataEntries(meta));
  return path;
}
