// Keeps the results table of each fit (the rows the progress callback prints) for the report.
import type { Callback } from '../learner/callback.js';
import type { Learner } from '../learner/learner.js';

/** One fit's table: column names, and the printed cells of each epoch. */
export interface FitTable {
  header: string[];
  rows: string[][];
  /** Per epoch: `[train_loss, valid_loss, ...metrics]`, as the Recorder holds them. */
  values: number[][];
}

/** A callback (after the Recorder) collecting a {@link FitTable} per fit. */
export class TableCapture implements Callback {
  readonly name = 'TableCapture';
  readonly order = 70;
  readonly fits: FitTable[] = [];

  beforeFit(learn: Learner): void {
    // lrFind is a fit too, but it has no table.
    if (learn.lrFinder) return;
    this.fits.push({ header: [...learn.recorder.metricNames], rows: [], values: [] });
  }

  afterEpoch(learn: Learner): void {
    if (learn.lrFinder) return;
    const table = this.fits.at(-1);
    if (!table) return;
    table.rows.push([...learn.recorder.log]);
    table.values.push([...(learn.recorder.values.at(-1) ?? [])]);
  }
}
