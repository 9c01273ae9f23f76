// The demo's comparison: validation error rate after each epoch, transfer against from scratch.
import type { TopLevelSpec } from 'vega-lite';
import { writeChart } from '../plot/write-chart.js';
import type { RunRecord } from './walkthrough.js';

/** Error rate (in %) per epoch for each run, with the fits' boundaries as dotted lines. */
export function compareChart(runs: readonly RunRecord[]): TopLevelSpec {
  const points = runs.flatMap((run) => run.errorByEpoch.map((error, i) => ({ epoch: i + 1, error: error * 100, run: run.name })));
  const first = runs[0];
  const boundaries: { epoch: number }[] = [];
  let done = 0;
  for (const fit of first?.fits.slice(0, -1) ?? []) {
    done += fit.table.rows.length;
    boundaries.push({ epoch: done + 0.5 });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'validation error rate: transfer vs from scratch',
    width: 480,
    height: 300,
    background: 'white',
    layer: [
      { data: { values: boundaries }, mark: { type: 'rule', color: 'grey', strokeDash: [2, 3] }, encoding: { x: { field: 'epoch', type: 'quantitative' } } },
      {
        data: { values: points },
        mark: { type: 'line', point: { filled: true, size: 36 } },
        encoding: {
          x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 } },
          y: { field: 'error', type: 'quantitative', title: 'error rate (%)', scale: { type: 'log' } },
          color: { field: 'run', type: 'nominal', title: null, scale: { domain: runs.map((r) => r.name) } },
        },
      },
    ],
  } as TopLevelSpec;
}

/** Writes {@link compareChart} as PNG or SVG. */
export async function plotCompare(runs: readonly RunRecord[], file: string): Promise<string> {
  return writeChart(compareChart(runs), file);
}
