// Chart specifications for the Recorder's plots, labelled like fastai's matplotlib figures.
import type { TopLevelSpec } from 'vega-lite';

/** A learning rate suggested by the LR finder, and the point of the curve it marks. */
export interface ChartSuggestion {
  readonly name: string;
  readonly lr: number;
  readonly point: { readonly lr: number; readonly loss: number };
}

/** The part of the Recorder the charts read. */
export interface RecordedTraining {
  readonly losses: readonly number[];
  readonly lrs: readonly number[];
  readonly moms: readonly number[];
  readonly iters: readonly number[];
  readonly values: readonly (readonly number[])[];
  readonly metricNames: readonly string[];
  readonly hps: Readonly<Record<string, readonly number[] | undefined>>;
  readonly lrFindSuggestions: readonly ChartSuggestion[];
}

export interface LossPlotOptions {
  /** Training steps left out at the start (default 5). */
  skipStart?: number;
  /** Also plot the validation loss at each epoch's end (default true). */
  withValid?: boolean;
  /** Log scale on both axes (default false). */
  log?: boolean;
  /** Dotted vertical lines at epoch ends (default false). */
  showEpochs?: boolean;
}

export interface LrFindPlotOptions {
  /** Points left out at the end, where the loss usually explodes (default 5). */
  skipEnd?: number;
}

const WIDTH = 480;
const HEIGHT = 320;
const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** The smoothed training loss per step and the validation loss per epoch ("learning curve"). */
export function lossChart(rec: RecordedTraining, { skipStart = 5, withValid = true, log = false, showEpochs = false }: LossPlotOptions = {}): TopLevelSpec {
  const train: { step: number; loss: number; series: string }[] = [];
  rec.losses.forEach((loss, step) => {
    if (step >= skipStart && Number.isFinite(loss)) train.push({ step, loss, series: 'train' });
  });
  const valid: typeof train = [];
  const validCol = rec.metricNames.indexOf('valid_loss') - 1;
  if (withValid && validCol >= 0) {
    rec.iters.forEach((step, e) => {
      const loss = rec.values[e]?.[validCol];
      if (step >= skipStart && loss !== undefined && Number.isFinite(loss)) valid.push({ step, loss, series: 'valid' });
    });
  }
  const scale = log ? { type: 'log' as const } : { zero: false };
  const encoding = {
    x: { field: 'step', type: 'quantitative', title: 'steps', scale },
    y: { field: 'loss', type: 'quantitative', title: 'loss', scale },
    color: { field: 'series', type: 'nominal', title: null, scale: { domain: ['train', 'valid'] } },
  } as const;
  const epochLines = {
    data: { values: rec.iters.map((step) => ({ step })) },
    mark: { type: 'rule', color: 'grey', strokeDash: [2, 3] },
    encoding: { x: { field: 'step', type: 'quantitative' } },
  } as const;
  return {
    $schema: SCHEMA,
    title: 'learning curve',
    width: WIDTH,
    height: HEIGHT,
    background: 'white',
    layer: [
      ...(showEpochs ? [epochLines] : []),
      { data: { values: train }, mark: 'line', encoding },
      { data: { values: valid }, mark: { type: 'line', point: { filled: true, size: 40 } }, encoding },
    ],
  } as TopLevelSpec;
}

/** Each scheduled hyper-parameter (lr, mom) of the last group against the training step. */
export function schedChart(rec: RecordedTraining): TopLevelSpec {
  const recorded = Object.entries(rec.hps).filter((e): e is [string, readonly number[]] => Array.isArray(e[1]) && e[1].length > 0);
  const series =
    recorded.length > 0
      ? recorded
      : ([
          ['lr', rec.lrs],
          ['mom', rec.moms],
        ] as [string, readonly number[]][]);
  return {
    $schema: SCHEMA,
    background: 'white',
    columns: 2,
    concat: series.map(([name, values]) => ({
      width: WIDTH * 0.75,
      height: HEIGHT * 0.75,
      data: { values: values.map((value, step) => ({ step, value })) },
      mark: 'line',
      encoding: {
        x: { field: 'step', type: 'quantitative', title: 'steps' },
        y: { field: 'value', type: 'quantitative', title: name, scale: { zero: false }, axis: name === 'lr' ? { format: '.1~e' } : {} },
      },
    })),
  } as TopLevelSpec;
}

/** Loss against learning rate on a log axis, each suggestion a coloured marker with a legend. */
export function lrFindChart(rec: RecordedTraining, { skipEnd = 5 }: LrFindPlotOptions = {}): TopLevelSpec {
  const end = Math.max(rec.lrs.length - skipEnd, 0);
  const curve: { lr: number; loss: number }[] = [];
  for (let i = 0; i < end; i++) {
    const lr = rec.lrs[i] as number;
    const loss = rec.losses[i] as number;
    if (lr > 0 && Number.isFinite(loss)) curve.push({ lr, loss });
  }
  const marks = rec.lrFindSuggestions
    .filter((s) => s.point.lr > 0 && Number.isFinite(s.point.loss))
    .map((s) => ({ lr: s.point.lr, loss: s.point.loss, suggestion: `${s.name}: ${s.lr.toExponential(2)}` }));
  const x = { field: 'lr', type: 'quantitative', title: 'Learning Rate', scale: { type: 'log' }, axis: { format: '.0e' } } as const;
  const y = { field: 'loss', type: 'quantitative', title: 'Loss', scale: { zero: false } } as const;
  return {
    $schema: SCHEMA,
    width: WIDTH,
    height: HEIGHT,
    background: 'white',
    layer: [
      { data: { values: curve }, mark: 'line', encoding: { x, y } },
      {
        data: { values: marks },
        mark: { type: 'point', filled: true, size: 120, opacity: 1 },
        encoding: { x, y, color: { field: 'suggestion', type: 'nominal', title: 'suggestions', scale: { scheme: 'category10' } } },
      },
    ],
  } as TopLevelSpec;
}
