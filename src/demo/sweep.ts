// `npm run demo -- --sweep`: the picture that explains transfer learning. The walkthrough and its
// control are run again with 5, 10, 20, 50 and 100 labelled images per target class (the same
// body, the same validation images), and the final error rates plotted against the label count.
import { readFile, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import type { ImageDataLoaders } from '../data/dataloaders.js';
import type { ProgressOutput } from '../learner/learner-state.js';
import { writeChart } from '../plot/write-chart.js';
import type { FashionPreset } from './presets.js';
import { escapeHtml, STYLE } from './report.js';
import { formatSeconds, type Stages } from './stages.js';
import { walkthrough } from './walkthrough.js';

/** Labelled images per target class the sweep tries, by default. */
export const SWEEP_LABELS: readonly number[] = [5, 10, 20, 50, 100];

/** One point of the sweep. */
export interface SweepPoint {
  perClass: number;
  transfer: number;
  scratch: number;
  /** Seconds of the two walkthroughs. */
  seconds: number;
}

/** What the sweep measured; `sweep.json` holds exactly this. */
export interface SweepSummary {
  arch: string;
  size: number;
  seed: number;
  /** The body both arms of every point compare against. */
  body: string;
  valid: number;
  epochs: number[];
  points: SweepPoint[];
  totalSeconds: number;
  /** CPU time (user + system): divided by the cores, the time on an idle machine. */
  cpuSeconds: number;
  loadBefore: number[];
  loadAfter: number[];
}

/** The target task as `preset` sizes it, twice (for each arm), and the pretrained body. */
export type PrepareTarget = (preset: FashionPreset) => Promise<{
  dls: ImageDataLoaders;
  again: () => Promise<ImageDataLoaders>;
  body: { pretrained: true; weights: string };
}>;

/** Error rate (%) against labelled images per class, transfer and from scratch, log-scaled x. */
export function sweepChart(points: readonly SweepPoint[], valid: number): TopLevelSpec {
  const values = points.flatMap((p) => [
    { perClass: p.perClass, error: p.transfer * 100, run: 'transfer' },
    { perClass: p.perClass, error: p.scratch * 100, run: 'from scratch' },
  ]);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `error rate on ${valid} validation images against labelled images per class`,
    width: 480,
    height: 300,
    background: 'white',
    data: { values },
    mark: { type: 'line', point: { filled: true, size: 48 } },
    encoding: {
      x: {
        field: 'perClass',
        type: 'quantitative',
        title: 'labelled training images per class',
        scale: { type: 'log' },
        axis: { values: points.map((p) => p.perClass) },
      },
      y: { field: 'error', type: 'quantitative', title: 'error rate (%)' },
      color: { field: 'run', type: 'nominal', title: null, scale: { domain: ['transfer', 'from scratch'] } },
    },
  } as TopLevelSpec;
}

/**
 * Runs the sweep: for each label count, the target task with that many images per class, the
 * walkthrough from `prepare`'s body and from random weights. Writes sweep.png, sweep.json and
 * report.html into `runDir`.
 */
export async function runSweep(
  preset: FashionPreset,
  labels: readonly number[],
  seed: number,
  prepare: PrepareTarget,
  runDir: string,
  stages: Stages,
  output: ProgressOutput,
): Promise<SweepSummary> {
  const loadBefore = loadavg();
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const points: SweepPoint[] = [];
  let body = '';
  for (const perClass of labels) {
    const pointStart = performance.now();
    const prepared = await prepare({ ...preset, target: { ...preset.target, trainPerClass: perClass } });
    body = prepared.body.weights;
    const settings = { ...preset.walkthrough, seed };
    const errors: number[] = [];
    for (const [name, make, weights] of [
      [`${perClass} per class · transfer`, async () => prepared.dls, prepared.body],
      [`${perClass} per class · from scratch`, prepared.again, { pretrained: false } as const],
    ] as const) {
      const dls = await make();
      try {
        const run = await walkthrough(name, dls, preset.arch, weights, settings, stages, output);
        run.learn.dispose();
        errors.push(run.record.errorRate);
      } finally {
        dls.close();
      }
    }
    const point = { perClass, transfer: errors[0] as number, scratch: errors[1] as number, seconds: (performance.now() - pointStart) / 1000 };
    points.push(point);
    stages.say(
      `   ${perClass} labelled images per class: transfer ${(point.transfer * 100).toFixed(1)} %, from scratch ${(point.scratch * 100).toFixed(1)} % (${formatSeconds(point.seconds)})`,
    );
  }
  const cpu = process.cpuUsage(cpuStart);
  const summary: SweepSummary = {
    arch: preset.arch.name,
    size: preset.size,
    seed,
    body,
    valid: preset.target.validPerClass * 5,
    epochs: [...preset.walkthrough.epochs],
    points,
    totalSeconds: (performance.now() - start) / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    loadBefore,
    loadAfter: loadavg(),
  };
  await writeChart(sweepChart(points, summary.valid), join(runDir, 'sweep.png'));
  await writeFile(join(runDir, 'sweep.json'), `${JSON.stringify(summary, null, 2)}\n`);
  await writeFile(join(runDir, 'report.html'), await sweepReport(summary, runDir));
  stages.say(
    `sweep: ${formatSeconds(summary.totalSeconds)} (CPU time ${formatSeconds(summary.cpuSeconds)}, ${formatSeconds(summary.cpuSeconds / availableParallelism())} per core)`,
  );
  return summary;
}

/** One sentence and the plot, with the numbers as a table. */
async function sweepReport(s: SweepSummary, runDir: string): Promise<string> {
  const png = (await readFile(join(runDir, 'sweep.png'))).toString('base64');
  const at = (p: SweepPoint) =>
    `with ${p.perClass} labelled images per class, ${(p.transfer * 100).toFixed(1)} % errors against ${(p.scratch * 100).toFixed(1)} % from random weights`;
  const lead =
    `The ${s.arch} pretrained on five Fashion-MNIST classes, transferred to the five others: ` +
    `${s.points.map(at).join('; ')} (${s.valid} validation images).`;
  const rows = s.points
    .map(
      (p) =>
        `<tr><td>${p.perClass}</td><td>${(p.transfer * 100).toFixed(1)} %</td><td>${(p.scratch * 100).toFixed(1)} %</td><td>${formatSeconds(p.seconds)}</td></tr>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>fasttune demo — labels sweep</title><style>${STYLE}</style></head>
<body><main>
<h1>Transfer learning against labelled images per class</h1>
<p class="lead">${escapeHtml(lead)}</p>
<figure><img src="data:image/png;base64,${png}" alt="sweep"><figcaption>final error rate on ${s.valid} validation images (seed ${s.seed}, epochs ${s.epochs.join(', ')}, ${s.size} px)</figcaption></figure>
<table><thead><tr><th>labelled per class</th><th>transfer</th><th>from scratch</th><th>time</th></tr></thead><tbody>${rows}</tbody></table>
<footer>${formatSeconds(s.totalSeconds)} (CPU time ${formatSeconds(s.cpuSeconds)}) · body ${escapeHtml(s.body)}</footer>
</main></body></html>
`;
}
