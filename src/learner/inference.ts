// After training: predictions over a loader (getPreds), one item (predict), test-time
// augmentation (tta) and a grid of predictions (showResults). The Learner's methods call these.
import { checkBoolean, checkInteger, checkOptions, checkProbability, checkString, invalidParameterError } from '../core/validate.js';
import type { BatchTransform } from '../augment/batch-transform.js';
import { loadImage } from '../data/load-image.js';
import { DEFAULT_MAX_PIXELS, type ImageInput } from '../data/decode-image.js';
import type { RawImage } from '../data/pixels.js';
import { StreamRng } from '../core/rng.js';
import type { ItemTransform } from '../data/item-transforms.js';
import type { Batch, DataLoader } from '../data/loader-contract.js';
import { FasttuneError } from '../core/errors.js';
import { writeImageGrid, type GridCell } from '../plot/image-grid.js';
import { displayedBatch } from './display.js';
import type { LearnerState } from './learner-state.js';
import {
  aboveThreshold,
  activate,
  activationOf,
  argmaxRows,
  checkActivation,
  collectLogits,
  concat,
  labelled,
  predictionsFrom,
  type Activation,
  type Predictions,
} from './predictions.js';
import { serially } from './serial.js';
import { combineTta, type TtaCombined } from './tta.js';

/** Which items: the validation or training set, or any loader (e.g. `dls.testDl(files)`). */
export type DatasetChoice = 'valid' | 'train' | DataLoader;

/** Options of `learn.getPreds`. */
export interface GetPredsOptions {
  /** Default 'valid'. The training set is read unshuffled, without drop-last, with its (random) transforms. */
  ds?: DatasetChoice;
  /** Also return the unreduced loss per item (computed as the model's loss, label smoothing included). */
  withLoss?: boolean;
  /** Also return the argmax of each row. */
  withDecoded?: boolean;
  /** Activation of the logits (default the loss's: softmax, sigmoid for BCE, none for regression). */
  act?: Activation;
  signal?: AbortSignal;
}

/**
 * One item's prediction, as fastai's `predict`. Single-label: the label, its index and the
 * probabilities. Multi-label: `labels` above the loss's threshold (also joined by ';' in `label`;
 * `index` −1) and every probability. Regression: the `values` (also in `probs`; `label` their
 * text, `index` −1).
 */
export interface Prediction {
  label: string;
  index: number;
  /** One probability per class, in vocab order (regression: the predicted values). */
  probs: Float32Array;
  /** Multi-label: the classes whose probability is above the threshold, in vocab order. */
  labels?: string[];
  /** Regression: the predicted values. */
  values?: Float32Array;
}

/** Options of `learn.tta`; defaults are fastai's. */
export interface TtaOptions {
  /** Default 'valid'. */
  ds?: DatasetChoice;
  /** Passes with the training transforms (default 4). */
  n?: number;
  /** Weight of the plain pass (default 0.25). */
  beta?: number;
  /** Element-wise maximum over all passes instead (default false). */
  useMax?: boolean;
  signal?: AbortSignal;
}

/** What `learn.tta` returns: the blended probabilities, both parts, and the targets. */
export interface TtaResult extends TtaCombined {
  readonly n: number;
  readonly nOut: number;
  readonly targets: Int32Array;
}

/** Options of `learn.showResults`. */
export interface ShowResultsOptions {
  /** Default 'valid'. */
  ds?: DatasetChoice;
  /** Items shown, the first ones of the set (default 9). */
  maxN?: number;
  /** Grid columns (default: a square grid). */
  ncols?: number;
}

/** `ds` of a prediction method: a split of the Learner's data or a loader such as `dls.testDl(files)`. */
function checkDataset(where: string, learn: LearnerState, ds: unknown): DataLoader {
  if (ds === undefined || ds === 'valid' || ds === 'train') {
    const dl = ds === 'train' ? learn.dls.train : learn.dls.valid;
    if (dl.n === 0) {
      const set = ds === 'train' ? 'training' : 'validation';
      throw new FasttuneError(
        `${where}: the ${set} set has no items (a Learner from loadLearner keeps none); pass the images as ds, e.g. { ds: learn.dls.testDl(files) }`,
        'E_ARG',
      );
    }
    return dl;
  }
  const ok = ds !== null && typeof ds === 'object' && typeof (ds as DataLoader)[Symbol.asyncIterator] === 'function';
  if (!ok) throw invalidParameterError(where, 'ds', "'valid', 'train' or a DataLoader", ds);
  return ds as DataLoader;
}

/** The loader of `ds`, unshuffled and without drop-last where it can be re-made so. */
export function predictionLoader(learn: LearnerState, where: string, ds: unknown = 'valid'): DataLoader {
  const dl = checkDataset(where, learn, ds);
  if (ds !== 'valid' && ds !== 'train') return dl;
  if (dl.derive) return dl.derive({ shuffle: false, dropLast: false });
  if (ds === 'train') {
    throw new FasttuneError(`${where}: ds 'train' needs loaders that can be re-made unshuffled (ImageDataLoaders); pass a loader instead`, 'E_ARG');
  }
  return dl;
}

/** The validation item transform and batch transform of the Learner's data, if any. */
function validTransforms(learn: LearnerState): { itemTfm: ItemTransform | undefined; batchTfm: BatchTransform | undefined } {
  const { options } = learn.dls.valid;
  return { itemTfm: options?.itemTfm, batchTfm: options?.batchTfm };
}

/**
 * fastai's `get_preds`: the model in eval mode over every item of `ds`, in order.
 */
export async function getPreds(learn: LearnerState, options: GetPredsOptions = {}): Promise<Predictions> {
  const o = checkOptions('getPreds', options, ['ds', 'withLoss', 'withDecoded', 'act', 'signal']);
  const withLoss = o.withLoss === undefined ? false : checkBoolean('getPreds', 'withLoss', o.withLoss);
  const withDecoded = o.withDecoded === undefined ? false : checkBoolean('getPreds', 'withDecoded', o.withDecoded);
  const act = checkActivation('getPreds', 'act', o.act, activationOf(learn.lossFunc));
  const dl = predictionLoader(learn, 'getPreds', o.ds);
  const { logits, targets, targetValues } = await collectLogits(learn.model, dl, o.signal as AbortSignal | undefined);
  return predictionsFrom(logits, targets, learn.model.nOut, { act, withDecoded, withLoss, loss: learn.lossFunc, targetValues });
}

/**
 * fastai's `predict`: one image (a file path, a Buffer of an image file, or a sharp pipeline)
 * through the validation item transform and the validation resize of the batch transforms.
 */
export async function predict(learn: LearnerState, item: ImageInput): Promise<Prediction> {
  const { itemTfm, batchTfm } = validTransforms(learn);
  const image = await loadImage(item, itemTfm ? { itemTfms: itemTfm, split: 'valid' } : {});
  const nOut = learn.model.nOut;
  const batch: Batch = { images: image.data, shape: [1, image.height, image.width, 3], labels: new Int32Array(1), targets: new Float32Array(nOut) };
  if (batchTfm) batch.augment = batchTfm.draw(1, image.height, image.width, new StreamRng(0), 'valid');
  const { logits } = await serially(learn.model, () => learn.model.evalStep(batch));
  return decodePrediction(learn, logits);
}

/** A regression value as a caption shows it: four significant digits. */
function formatValue(v: number): string {
  return String(Number(v.toPrecision(4)));
}

/** An item's target as text (as `predict` writes its label), or undefined when unlabelled. */
function targetText(learn: LearnerState, label: number, row: Float32Array | undefined): string | undefined {
  if (activationOf(learn.lossFunc) === 'softmax') return label < 0 ? undefined : (learn.dls.vocab[label] ?? String(label));
  if (row === undefined) return undefined;
  if (activationOf(learn.lossFunc) === 'none') return Array.from(row, formatValue).join(' ');
  return learn.dls.vocab.filter((_, j) => row[j] === 1).join(';');
}

/** One row of outputs as `predict` returns it, by the loss's kind. */
function decodePrediction(learn: LearnerState, logits: Float32Array): Prediction {
  const { vocab } = learn.dls;
  const loss = learn.lossFunc;
  const act = activationOf(loss);
  if (act === 'none') {
    const values = Float32Array.from(logits);
    return { label: Array.from(values, formatValue).join(' '), index: -1, probs: values, values };
  }
  const probs = activate(logits, logits.length, act);
  if (act === 'sigmoid') {
    const flags = aboveThreshold(probs, loss.thresh ?? 0.5);
    const labels = vocab.filter((_, j) => flags[j] === 1);
    return { label: labels.join(';'), index: -1, probs, labels };
  }
  const index = argmaxRows(probs, probs.length)[0] as number;
  return { label: vocab[index] ?? String(index), index, probs };
}

/** Options of `learn.predictBatch`. */
export interface PredictBatchOptions {
  /** Largest width × height an item may decode to (default 178,956,970, as PIL's bomb check); larger items fail. */
  maxPixels?: number;
}

/**
 * Several images at once: each is decoded in parallel through the validation transforms `predict`
 * uses, and the ones that decode run through the model together, one eval step per decoded size
 * (in the order given). An item that cannot be read fails alone; its result says why.
 */
export async function predictBatch(
  learn: LearnerState,
  items: readonly ImageInput[],
  options: PredictBatchOptions = {},
): Promise<PromiseSettledResult<Prediction>[]> {
  if (!Array.isArray(items)) throw invalidParameterError('predictBatch', 'items', 'an array of images', items);
  const o = checkOptions('predictBatch', options, ['maxPixels']);
  const maxPixels = o.maxPixels === undefined ? DEFAULT_MAX_PIXELS : checkInteger('predictBatch', 'maxPixels', o.maxPixels, { min: 1 });
  const { itemTfm, batchTfm } = validTransforms(learn);
  const decoded = await Promise.allSettled(
    items.map((item) => loadImage(item, { ...(itemTfm ? { itemTfms: itemTfm, split: 'valid' as const } : {}), maxPixels })),
  );
  const results: PromiseSettledResult<Prediction>[] = new Array(items.length);
  const groups = new Map<string, number[]>();
  decoded.forEach((d, i) => {
    if (d.status === 'rejected') {
      results[i] = d;
      return;
    }
    const key = `${d.value.height}x${d.value.width}`;
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  const nOut = learn.model.nOut;
  for (const members of groups.values()) {
    const images = members.map((i) => (decoded[i] as PromiseFulfilledResult<RawImage>).value);
    const { height, width } = images[0] as RawImage;
    const bytes = height * width * 3;
    const pixels = new Uint8Array(images.length * bytes);
    images.forEach((image, r) => pixels.set(image.data, r * bytes));
    const batch: Batch = { images: pixels, shape: [images.length, height, width, 3], labels: new Int32Array(images.length) };
    if (batchTfm) batch.augment = batchTfm.draw(images.length, height, width, new StreamRng(0), 'valid');
    const { logits } = await serially(learn.model, () => learn.model.evalStep(batch));
    members.forEach((i, r) => {
      results[i] = { status: 'fulfilled', value: decodePrediction(learn, logits.slice(r * nOut, (r + 1) * nOut)) };
    });
  }
  return results;
}

/**
 * fastai's `tta`: `n` passes over `ds` with the training transforms (random item crops and batch
 * augmentation, model in eval mode), averaged, blended with a pass with the validation transforms.
 */
export async function tta(learn: LearnerState, options: TtaOptions = {}): Promise<TtaResult> {
  const o = checkOptions('tta', options, ['ds', 'n', 'beta', 'useMax', 'signal']);
  const n = o.n === undefined ? 4 : checkInteger('tta', 'n', o.n, { min: 1 });
  const beta = o.beta === undefined ? 0.25 : checkProbability('tta', 'beta', o.beta);
  const useMax = o.useMax === undefined ? false : checkBoolean('tta', 'useMax', o.useMax);
  const signal = o.signal as AbortSignal | undefined;
  const base = checkDataset('tta', learn, o.ds);
  if (!base.derive) {
    throw new FasttuneError('tta: needs an ImageDataLoader, whose items it re-reads with the training transforms', 'E_ARG');
  }
  const nOut = learn.model.nOut;
  const augmented = base.derive({ split: 'train', shuffle: false, dropLast: false });
  const act = activationOf(learn.lossFunc);
  const passes: Float32Array[] = [];
  for (let i = 0; i < n; i++) {
    // Each iteration is a new epoch of the loader: new crops and augmentation draws.
    passes.push(activate((await collectLogits(learn.model, augmented, signal)).logits, nOut, act));
  }
  const plain = await collectLogits(learn.model, base.derive({ split: 'valid', shuffle: false, dropLast: false }), signal);
  const combined = combineTta(passes, activate(plain.logits, nOut, act), { beta, useMax });
  return { ...combined, n: plain.targets.length, nOut, targets: plain.targets };
}

/**
 * fastai's `show_results`: a PNG grid of the first `maxN` items of `ds` with their actual label
 * and the prediction (green when right, red when wrong).
 */
export async function showResults(learn: LearnerState, file: string, options: ShowResultsOptions = {}): Promise<string> {
  const o = checkOptions('showResults', options, ['ds', 'maxN', 'ncols']);
  checkString('showResults', 'file', file);
  const maxN = o.maxN === undefined ? 9 : checkInteger('showResults', 'maxN', o.maxN, { min: 1 });
  const ncols = o.ncols === undefined ? undefined : checkInteger('showResults', 'ncols', o.ncols, { min: 1 });
  const dl = predictionLoader(learn, 'showResults', o.ds);
  const nOut = learn.model.nOut;
  const cells: GridCell[] = [];
  const targets: number[] = [];
  const targetRows: Array<Float32Array | undefined> = [];
  const logits: Float32Array[] = [];
  for await (const batch of dl) {
    const { logits: batchLogits } = await serially(learn.model, () => learn.model.evalStep(labelled(batch, nOut)));
    const shown = await displayedBatch(batch);
    const [, height, width] = shown.shape;
    const bytes = height * width * 3;
    const take = Math.min(batch.labels.length, maxN - cells.length);
    logits.push(batchLogits.slice(0, take * nOut));
    for (let r = 0; r < take; r++) {
      cells.push({ pixels: shown.images.slice(r * bytes, (r + 1) * bytes), width, height, caption: [] });
      targets.push(batch.labels[r] as number);
      targetRows.push(batch.targets?.slice(r * nOut, (r + 1) * nOut));
    }
    if (cells.length >= maxN) break;
  }
  if (cells.length === 0) throw new FasttuneError('showResults: the dataset has no items', 'E_ARG');
  const all = concat(logits, Float32Array);
  cells.forEach((cell, i) => {
    const predicted = decodePrediction(learn, all.slice(i * nOut, (i + 1) * nOut)).label;
    const actual = targetText(learn, targets[i] as number, targetRows[i]);
    const color =
      actual === undefined || learn.lossFunc.kind === 'mse' || learn.lossFunc.kind === 'l1' ? undefined : actual === predicted ? '#1a7f37' : '#cf222e';
    cell.caption =
      actual === undefined
        ? [{ text: predicted }]
        : [
            { text: actual, color },
            { text: predicted, color },
          ];
  });
  return writeImageGrid(file, cells, { ncols, title: 'actual / predicted' });
}
