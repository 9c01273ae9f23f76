// fastai's transfer-learning walkthrough, step by step: a frozen one-cycle fit of the new head,
// unfreeze, the LR finder, a one-cycle fit at the rate it suggests, then one with discriminative
// rates. The same steps run from random weights as the control.
import { join } from 'node:path';
import type { DataLoaders } from '../data/loader-contract.js';
import { slice } from '../learner/hypers.js';
import { errorRate } from '../learner/metrics.js';
import type { ProgressOutput } from '../learner/learner-state.js';
import type { Architecture } from '../vision/architectures.js';
import { visionLearner, type VisionLearner } from '../vision/vision-learner.js';
import { formatSeconds, type Stages } from './stages.js';
import { TableCapture, type FitTable } from './table-capture.js';

/** The numbers of the walkthrough. */
export interface WalkthroughSettings {
  /** Epochs of the frozen fit, the fit at the LR finder's rate, and the discriminative fit. */
  epochs: readonly [frozen: number, unfrozen: number, discriminative: number];
  /** Peak learning rate of the frozen fit (fastai's guide: 3e-3). */
  frozenLr: number;
  /** Batches the LR finder sweeps (fastai: 100). */
  lrFindIt: number;
  /** Seeds the head's initialisation (and the body's, from scratch) and the dropout masks. */
  seed: number;
}

/** Where the model's body comes from. */
export type BodyWeights = { pretrained: true; weights: string } | { pretrained: false };

/** One fit: the call as written, its table and its time. */
export interface FitRecord {
  call: string;
  table: FitTable;
  seconds: number;
}

/** What one run of the walkthrough did and reached. */
export interface RunRecord {
  name: string;
  pretrained: boolean;
  fits: FitRecord[];
  /** The LR finder's suggestion (fastai's default, `valley`), and the rates used after it. */
  valley: number;
  lr: number;
  slice: [lo: number, hi: number];
  lrFindSeconds: number;
  /** After the last fit. */
  errorRate: number;
  validLoss: number;
  /** Validation error rate after each epoch of the three fits, in order. */
  errorByEpoch: number[];
}

/** When the LR finder's curve is too short or flat to suggest anything. */
const FALLBACK_LR = 1e-4;

/** The discriminative rates of the last fit: the head at `lr`, the first layers 100× lower. */
export function discriminativeRange(lr: number): [number, number] {
  return [lr / 100, lr];
}

/** A learning rate as the calls are written: 3e-3, 2.3e-4. */
function exp(value: number): string {
  return value.toExponential(1).replace('.0e', 'e');
}

/**
 * Runs the walkthrough on `dls`. With `plotsDir`, writes `lr_find.png` after the LR finder and
 * `loss.png` and `schedule.png` after the last fit. Resolves to the record and the Learner
 * (still holding its native model: dispose it when done).
 */
export async function walkthrough(
  name: string,
  dls: DataLoaders,
  arch: Architecture,
  body: BodyWeights,
  settings: WalkthroughSettings,
  stages: Stages,
  output: ProgressOutput,
  plotsDir?: string,
): Promise<{ record: RunRecord; learn: VisionLearner }> {
  const tables = new TableCapture();
  const [frozenEpochs, unfrozenEpochs, sliceEpochs] = settings.epochs;
  const fits: FitRecord[] = [];
  const fit = async (call: string, run: () => Promise<void>) => {
    const start = performance.now();
    await run();
    fits.push({ call, table: tables.fits.at(-1) as FitTable, seconds: (performance.now() - start) / 1000 });
  };

  const learn = await visionLearner(dls, arch, {
    ...(body.pretrained ? { weights: body.weights } : { pretrained: false }),
    metrics: [errorRate],
    cbs: [tables],
    seed: settings.seed,
    output,
  });
  try {
    const where = body.pretrained ? 'body frozen: the new head (and BatchNorm) learns' : 'every layer learns';
    await stages.run(`${name} · fitOneCycle(${frozenEpochs}, ${exp(settings.frozenLr)}) — ${where}`, () =>
      fit(`fitOneCycle(${frozenEpochs}, ${exp(settings.frozenLr)})`, () => learn.fitOneCycle(frozenEpochs, settings.frozenLr)),
    );

    let valley = Number.NaN;
    const lrFindStart = performance.now();
    await stages.run(`${name} · unfreeze(), lrFind()`, async () => {
      learn.unfreeze();
      // A run whose loss blows up at once can leave the finder without a suggestion.
      valley = (await learn.lrFind({ numIt: settings.lrFindIt })).valley ?? Number.NaN;
      if (plotsDir) await learn.recorder.plotLrFind(join(plotsDir, 'lr_find.png'));
      stages.say(`   lrFind suggests valley = ${valley.toExponential(2)}${plotsDir ? ` (plot: ${join(plotsDir, 'lr_find.png')})` : ''}`);
    });
    const lrFindSeconds = (performance.now() - lrFindStart) / 1000;
    const lr = Number.isFinite(valley) ? valley : FALLBACK_LR;
    if (!Number.isFinite(valley)) stages.say(`   the curve gave no suggestion; using ${exp(FALLBACK_LR)}`);

    await stages.run(`${name} · fitOneCycle(${unfrozenEpochs}, { lrMax: ${exp(lr)} })`, () =>
      fit(`fitOneCycle(${unfrozenEpochs}, { lrMax: ${exp(lr)} })`, () => learn.fitOneCycle(unfrozenEpochs, { lrMax: lr })),
    );

    const [lo, hi] = discriminativeRange(lr);
    await stages.run(`${name} · fitOneCycle(${sliceEpochs}, { lrMax: slice(${exp(lo)}, ${exp(hi)}) }) — discriminative rates`, () =>
      fit(`fitOneCycle(${sliceEpochs}, { lrMax: slice(${exp(lo)}, ${exp(hi)}) })`, () => learn.fitOneCycle(sliceEpochs, { lrMax: slice(lo, hi) })),
    );

    if (plotsDir) {
      await learn.recorder.plotLoss(join(plotsDir, 'loss.png'), { showEpochs: true });
      await learn.recorder.plotSched(join(plotsDir, 'schedule.png'));
    }
    const errorCol = (table: FitTable) => table.header.indexOf('error_rate') - 1;
    const errorByEpoch = fits.flatMap((f) => f.table.values.map((v) => v[errorCol(f.table)] as number));
    const last = fits.at(-1)?.table.values.at(-1) ?? [];
    const record: RunRecord = {
      name,
      pretrained: body.pretrained,
      fits,
      valley,
      lr,
      slice: [lo, hi],
      lrFindSeconds,
      errorRate: errorByEpoch.at(-1) ?? Number.NaN,
      validLoss: last[1] ?? Number.NaN,
      errorByEpoch,
    };
    stages.say(
      `   ${name}: error rate ${(record.errorRate * 100).toFixed(2)} % after ${errorByEpoch.length} epochs (${formatSeconds(fits.reduce((s, f) => s + f.seconds, 0) + lrFindSeconds)} of training)`,
    );
    return { record, learn };
  } catch (error) {
    learn.dispose();
    throw error;
  }
}
