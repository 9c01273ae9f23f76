// fastai's ClassificationInterpretation: what the model gets wrong on a dataset, from one pass of
// predictions with per-item losses.
import { checkBoolean, checkInteger, checkOptions, invalidParameterError } from '../core/validate.js';
import { FasttuneError } from '../core/errors.js';
import type { DataLoader } from '../data/loader-contract.js';
import { itemPixels } from '../learner/display.js';
import { predictionLoader, type DatasetChoice } from '../learner/inference.js';
import type { Learner } from '../learner/learner.js';
import type { Activation, Predictions } from '../learner/predictions.js';
import { confusionChart, type ConfusionChartOptions } from '../plot/confusion.js';
import { writeImageGrid } from '../plot/image-grid.js';
import { writeChart } from '../plot/write-chart.js';

/** Options of {@link ClassificationInterpretation.fromLearner}. */
export interface InterpretationOptions {
  /** Default 'valid'. */
  ds?: DatasetChoice;
  /** Activation of the logits (default softmax). */
  act?: Activation;
}

/** Items sorted by loss, as `topLosses` returns them. */
export interface TopLosses {
  losses: number[];
  /** Positions of the items in the dataset. */
  indices: number[];
}

/** Options of {@link ClassificationInterpretation.plotTopLosses}. */
export interface PlotTopLossesOptions {
  /** Grid columns (default: a square grid). */
  ncols?: number;
  /** Smallest losses instead (default false). */
  largest?: boolean;
}

/**
 * Confusion matrix, most confused pairs and top losses of a classifier on one dataset.
 *
 * @example
 * const interp = await ClassificationInterpretation.fromLearner(learn);
 * interp.mostConfused(2);                        // [['cat', 'dog', 5], …]
 * await interp.plotConfusionMatrix('cm.png');
 * await interp.plotTopLosses('top.png', 9);
 */
export class ClassificationInterpretation {
  private constructor(
    /** The predictions (probabilities, targets, decoded classes, losses). */
    readonly preds: Required<Predictions>,
    readonly vocab: readonly string[],
    private readonly dl: DataLoader | undefined,
  ) {}

  /** Runs `learn.getPreds` with losses and decoded classes on `ds` (the validation set by default). */
  static async fromLearner(learn: Learner, options: InterpretationOptions = {}): Promise<ClassificationInterpretation> {
    const o = checkOptions('ClassificationInterpretation.fromLearner', options, ['ds', 'act']);
    const dl = predictionLoader(learn, 'ClassificationInterpretation.fromLearner', o.ds);
    const preds = await learn.getPreds({ ds: dl, withLoss: true, withDecoded: true, ...(o.act !== undefined && { act: o.act as Activation }) });
    return new ClassificationInterpretation(preds as Required<Predictions>, learn.dls.vocab, dl);
  }

  /** From predictions made elsewhere (they need `decoded` and `losses`); plots of images are then unavailable. */
  static fromPredictions(preds: Predictions, vocab: readonly string[]): ClassificationInterpretation {
    if (!preds.decoded || !preds.losses)
      throw new FasttuneError(
        'ClassificationInterpretation: the predictions need decoded classes and losses (getPreds({ withDecoded: true, withLoss: true }))',
        'E_ARG',
      );
    if (vocab.length !== preds.nOut) throw invalidParameterError('ClassificationInterpretation', 'vocab', `${preds.nOut} class names`, vocab);
    return new ClassificationInterpretation(preds as Required<Predictions>, vocab, undefined);
  }

  /** C×C counts: rows are actual classes, columns predicted ones, both in vocab order. */
  confusionMatrix(): number[][] {
    const c = this.vocab.length;
    const matrix = Array.from({ length: c }, () => new Array<number>(c).fill(0));
    const { targets, decoded } = this.preds;
    for (let i = 0; i < targets.length; i++) (matrix[targets[i] as number] as number[])[decoded[i] as number]! += 1;
    return matrix;
  }

  /** Writes the confusion matrix as a heatmap with the counts in the cells (PNG or SVG). */
  async plotConfusionMatrix(file: string, options: ConfusionChartOptions = {}): Promise<string> {
    const o = checkOptions('plotConfusionMatrix', options, ['normalize', 'title']);
    if (o.normalize !== undefined) checkBoolean('plotConfusionMatrix', 'normalize', o.normalize);
    return writeChart(confusionChart(this.confusionMatrix(), this.vocab, options), file);
  }

  /**
   * Off-diagonal cells with at least `minVal` items, as `[actual, predicted, count]`, most frequent
   * first (ties in row-major order).
   */
  mostConfused(minVal = 1): Array<[actual: string, predicted: string, count: number]> {
    checkInteger('mostConfused', 'minVal', minVal, { min: 0 });
    const out: Array<[string, string, number]> = [];
    this.confusionMatrix().forEach((row, a) =>
      row.forEach((count, p) => {
        if (a !== p && count >= minVal) out.push([this.vocab[a] as string, this.vocab[p] as string, count]);
      }),
    );
    return out.sort((x, y) => y[2] - x[2]);
  }

  /** The `k` largest (or smallest) per-item losses (all by default), ties by dataset position. */
  topLosses(k?: number, { largest = true }: { largest?: boolean } = {}): TopLosses {
    const losses = this.preds.losses;
    const n = k === undefined ? losses.length : Math.min(checkInteger('topLosses', 'k', k, { min: 0 }), losses.length);
    const order = Array.from(losses, (_, i) => i).sort((a, b) => {
      const d = (losses[b] as number) - (losses[a] as number);
      return (largest ? d : -d) || a - b;
    });
    const indices = order.slice(0, n);
    return { losses: indices.map((i) => losses[i] as number), indices };
  }

  /**
   * A PNG grid of the `k` items with the largest losses, each titled
   * `prediction/actual / loss / probability` (fastai's layout).
   */
  async plotTopLosses(file: string, k = 9, options: PlotTopLossesOptions = {}): Promise<string> {
    const o = checkOptions('plotTopLosses', options, ['ncols', 'largest']);
    if (!this.dl) throw new FasttuneError('plotTopLosses: needs the images; build the interpretation with fromLearner', 'E_ARG');
    const { indices, losses } = this.topLosses(k, { largest: o.largest === undefined ? true : checkBoolean('plotTopLosses', 'largest', o.largest) });
    if (indices.length === 0) throw new FasttuneError('plotTopLosses: no items', 'E_ARG');
    const pixels = await itemPixels(this.dl, indices);
    const { probs, targets, decoded, nOut } = this.preds;
    const cells = indices.map((item, j) => {
      const predicted = decoded[item] as number;
      let prob = -Infinity;
      for (let c = 0; c < nOut; c++) prob = Math.max(prob, probs[item * nOut + c] as number);
      const text = `${this.vocab[predicted]}/${this.vocab[targets[item] as number]} / ${(losses[j] as number).toFixed(2)} / ${prob.toFixed(2)}`;
      return { ...(pixels[j] as NonNullable<(typeof pixels)[number]>), caption: [{ text }] };
    });
    return writeImageGrid(file, cells, {
      ncols: o.ncols === undefined ? undefined : checkInteger('plotTopLosses', 'ncols', o.ncols, { min: 1 }),
      title: 'Prediction/Actual/Loss/Probability',
    });
  }
}
