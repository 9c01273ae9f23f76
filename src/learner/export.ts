// learn.export: one safetensors file with the weights and what predicting needs (architecture,
// classes, normalization, validation transforms, loss), written atomically.
import { checkString } from '../core/validate.js';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { FasttuneError } from '../core/errors.js';
import { libraryVersion } from '../core/version.js';
import type { DataLoader } from '../data/loader-contract.js';
import { EXPORT_FORMAT_VERSION, exportMetadataEntries, type ExportMetadata, type ExportedLoss } from './export-metadata.js';
import type { LearnerState } from './learner-state.js';
import { validResizeOf } from './valid-resize.js';
import { activationOf } from './predictions.js';
import type { LossSpec } from '../model/types.js';

/** The size of the images entering the batch transforms: the item transform's, else a batch's. */
async function inputSize(valid: DataLoader): Promise<[number, number]> {
  const itemTfm = valid.options?.itemTfm;
  if (itemTfm) return [itemTfm.size[0], itemTfm.size[1]];
  if (!valid.oneBatch || valid.n === 0) {
    throw new FasttuneError('export: without an item transform the input size comes from a validation batch, and there is none', 'E_ARG');
  }
  const [, height, width] = (await valid.oneBatch()).shape;
  return [height, width];
}

/** The loss's settings that predictions depend on (the threshold) or a later fit would reuse. */
function exportedLoss(loss: LossSpec): ExportedLoss {
  return {
    kind: loss.kind,
    labelSmoothing: loss.labelSmoothing,
    ...(loss.weight && { weight: [...loss.weight] }),
    ...(loss.gamma !== undefined && { gamma: loss.gamma }),
    ...(loss.thresh !== undefined && { thresh: loss.thresh }),
  };
}

/** The metadata `learn.export` writes for `learn`. */
async function exportMetadata(learn: LearnerState): Promise<ExportMetadata> {
  const { architecture } = learn.model;
  if (!architecture)
    throw new FasttuneError('export: this model does not describe its architecture (a VisionModel from createVisionModel or visionLearner does)', 'E_ARG');
  const valid = learn.dls.valid;
  const itemTfm = valid.options?.itemTfm;
  const batchTfm = valid.options?.batchTfm;
  return {
    formatVersion: EXPORT_FORMAT_VERSION,
    libraryVersion: libraryVersion(),
    arch: architecture.arch,
    nOut: architecture.nOut,
    vocab: [...learn.dls.vocab],
    normalize: architecture.normalize ? { mean: [...architecture.normalize.mean], std: [...architecture.normalize.std] } : null,
    itemTfm: itemTfm ? itemTfm.config : null,
    validResize: batchTfm ? validResizeOf(batchTfm, await inputSize(valid)) : null,
    // The Learner configured the model with its loss.
    loss: exportedLoss(learn.lossFunc),
    activation: activationOf(learn.lossFunc),
    ps: typeof architecture.ps === 'number' ? architecture.ps : [...architecture.ps],
    targetKind: learn.dls.targetKind ?? 'category',
    yRange: architecture.yRange ? [architecture.yRange[0], architecture.yRange[1]] : null,
    head: architecture.head.layers.map((layer) => ({ ...layer })),
    cut: architecture.cut ?? null,
  };
}

/**
 * Writes `learn`'s model as one safetensors file: every weight and buffer, plus the metadata
 * `loadLearner` needs. Written to a temporary file and renamed, so a crash never leaves half a
 * file behind. Resolves to the path.
 */
export async function exportLearner(learn: LearnerState, path: string): Promise<string> {
  checkString('export', 'path', path);
  const { model } = learn;
  if (!model.saveWeights) throw new FasttuneError('export: this model cannot write its weights (a VisionModel can)', 'E_ARG');
  const meta = await exportMetadata(learn);
  if (meta.targetKind !== 'regression' && meta.vocab.length !== meta.nOut) {
    throw new FasttuneError(`export: the data has ${meta.vocab.length} classes but the model ${meta.nOut} outputs`, 'E_ARG');
  }
  await mkdir(dirname(path), { recursive: true });
  await model.saveWeights(path, exportMetadataEntries(meta));
  return path;
}
