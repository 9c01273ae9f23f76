// loadLearner: a Learner rebuilt from an exported file, ready to predict without the training data.
import { readWeights } from '../io/weights.js';
import { ImageDataLoaders } from '../data/dataloaders.js';
import { itemTransformFromConfig } from '../data/item-transforms.js';
import { FasttuneError } from '../core/errors.js';
import { checkOptions, checkString } from '../core/validate.js';
import { checkLoss } from '../learner/loss.js';
import type { ProgressOutput } from '../learner/learner-state.js';
import { createVisionModel, type DeviceName } from '../model/vision-model.js';
import { checkArchitecture } from './architectures.js';
import { VisionLearner } from './vision-learner.js';
import { parseExportMetadata, type ExportMetadata } from '../learner/export-metadata.js';
import { validResizeTransform } from '../learner/valid-resize.js';

/** A loaded Learner: its `dls` are ImageDataLoaders without items, for `testDl`. Free it with `dispose()`. */
export type InferenceLearner = VisionLearner & { readonly dls: ImageDataLoaders };

/** Options of {@link loadLearner}. */
export interface LoadLearnerOptions {
  /** Where the model runs (default 'cpu', as fastai's `cpu=True`). */
  device?: DeviceName;
  /** Batch size of `dls.testDl` (default 64). */
  bs?: number;
  /** Where a later fit would write its table (default process.stdout). */
  output?: ProgressOutput;
}

/**
 * Reads a file written by `learn.export`: checks the file and its metadata (JSON, read field by
 * field — nothing in it is run), builds the model, loads the weights, and returns a Learner whose
 * `dls` hold the vocab and the validation transforms but no items: use `predict(image)`, or
 * `getPreds({ ds: learn.dls.testDl(files) })`.
 *
 * @throws FasttuneError E_IO naming the file when it is missing, truncated or altered, or not a
 * fasttune export; E_WEIGHTS when its weights do not fit the architecture and classes it declares.
 *
 * @example
 * const learn = await loadLearner('pets.safetensors');
 * const { label, probs } = await learn.predict('cat.jpg');
 */
export async function loadLearner(path: string, options: LoadLearnerOptions = {}): Promise<InferenceLearner> {
  checkString('loadLearner', 'path', path);
  checkOptions('loadLearner', options, ['device', 'bs', 'output']);
  const file = await readWeights(path);
  if (file.format !== 'safetensors') throw new FasttuneError(`${path} is not a model exported by fasttune (it is a PyTorch checkpoint)`, 'E_IO');
  const meta = parseExportMetadata(file.metadata, path);
  const itemTfm = rebuildItemTfm(meta, path);
  const model = await createVisionModel({
    arch: meta.arch,
    nOut: meta.nOut,
    device: options.device ?? 'cpu',
    normalize: meta.normalize ?? false,
    labelSmoothing: meta.loss.labelSmoothing,
    // Format 3 records the head; older files have fastai's default head for their ps.
    ...(meta.head
      ? { head: { layers: meta.head, ...(meta.yRange && { yRange: meta.yRange }) } }
      : { ps: meta.ps, ...(meta.yRange && { yRange: meta.yRange }) }),
    ...(meta.cut !== null && { cut: meta.cut }),
  });
  try {
    await model.loadStateDict(file.tensors, path);
    const dls = ImageDataLoaders.forInference({
      vocab: meta.vocab,
      targetKind: meta.targetKind,
      itemTfm,
      batchTfm: meta.validResize ? validResizeTransform(meta.validResize) : undefined,
      normalize: meta.normalize,
      bs: options.bs,
    });
    const learnerOptions = { lossFunc: checkLoss('loadLearner', 'loss', meta.loss), progress: false, ...(options.output ? { output: options.output } : {}) };
    return new VisionLearner(dls, model, learnerOptions, checkArchitecture('loadLearner', meta.arch), false) as InferenceLearner;
  } catch (error) {
    model.dispose();
    throw error;
  }
}

function rebuildItemTfm(meta: ExportMetadata, path: string) {
  if (!meta.itemTfm) return undefined;
  try {
    return itemTransformFromConfig(meta.itemTfm);
  } catch (error) {
    throw new FasttuneError(`${path}: metadata field 'itemTfm' does not describe a valid transform: ${(error as Error).message}`, 'E_IO');
  }
}
