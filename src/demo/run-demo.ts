// The demo from start to end: data, pretraining (Fashion-MNIST) or ImageNet weights (a user's
// data), the walkthrough, what comes after training, the same steps from random weights, and the
// run folder with its plots, metrics.json and report.html.
import { mkdir } from 'node:fs/promises';
import { availableParallelism, homedir, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { applyAugment } from '../augment/apply.js';
import { augTransforms } from '../augment/aug-transforms.js';
import { ImageDataLoaders } from '../data/dataloaders.js';
import { Resize } from '../data/item-transforms.js';
import type { ProgressOutput } from '../learner/learner-state.js';
import { getNumThreads, versions } from '../runtime.js';
import { libraryVersion } from '../core/version.js';
import { resnet34, type Architecture } from '../vision/architectures.js';
import { afterTraining } from './after-training.js';
import { plotCompare } from './compare-chart.js';
import { ensureFashionMnist, fashionTask, SOURCE_CLASSES, TARGET_CLASSES, type AptProbe, type TaskFolder } from './fashion-data.js';
import { FULL, type FashionPreset } from './presets.js';
import { cacheName, cachedBody, pretrainedBody, type PretrainedBody } from './pretrain.js';
import { fashionMnistClasses } from '../data/fashion-mnist.js';
import { headline, writeReport } from './report.js';
import { runSweep, type SweepSummary } from './sweep.js';
import { Stages, formatSeconds } from './stages.js';
import type { DemoSummary, PlotRecord } from './summary.js';
import { userDataLoaders } from './user-data.js';
import { walkthrough, type BodyWeights, type RunRecord, type WalkthroughSettings } from './walkthrough.js';

/** What to run; every field has a default. */
export interface DemoOptions {
  /** Sizes of the Fashion-MNIST run (default {@link FULL}). */
  preset?: FashionPreset;
  /** A folder of the user's images instead of Fashion-MNIST. */
  data?: string;
  /** With `data`: labels from group 1 of this regular expression on the file names. */
  pattern?: string;
  /** With `data`: body weights (a file, or a torchvision weights name; default ImageNet's). */
  weights?: string;
  /** With `data`: image side (default 224) and batch size (default 64). */
  size?: number;
  bs?: number;
  /** Epochs of the three fits (default the preset's, or 3, 6, 3 with `data`). */
  epochs?: [number, number, number];
  /** Folder with Fashion-MNIST's IDX files (default Debian's package, installed if missing). */
  fashionMnist?: string;
  /** The run folder (default `runs/demo-<date>-<time>`). */
  runDir?: string;
  /** Where data trees and the pretrained body are kept between runs (default `<fasttune cache>/demo`). */
  cacheDir?: string;
  /** Instead of one run: the walkthrough and its control at each of these labelled images per class. */
  sweep?: readonly number[];
  /** Run the same steps from random weights too (default true). */
  control?: boolean;
  /** Seeds the data order, augmentation and initialisation (default 42). */
  seed?: number;
  /** Where the text goes (default stdout). */
  output?: ProgressOutput;
  /** How to install Fashion-MNIST when it is missing (tests pass their own). */
  apt?: AptProbe;
}

/** The fasttune cache folder: FASTTUNE_CACHE, else $XDG_CACHE_HOME/fasttune, else ~/.cache/fasttune (as the installer's). */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FASTTUNE_CACHE) return join(env.FASTTUNE_CACHE, 'demo');
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'fasttune', 'demo');
}

function timestamp(date: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}${p(date.getMonth() + 1)}${p(date.getDate())}-${p(date.getHours())}${p(date.getMinutes())}${p(date.getSeconds())}`;
}

/** The body of `preset.borrowBody` when an earlier run left it in the cache, with its source task. */
async function borrowedBody(preset: FashionPreset, cacheDir: string) {
  const lender = preset.borrowBody;
  if (!lender) return null;
  const task = {
    classes: SOURCE_CLASSES.map((c) => fashionMnistClasses[c] as string),
    train: SOURCE_CLASSES.length * lender.source.trainPerClass,
    valid: SOURCE_CLASSES.length * lender.source.validPerClass,
  };
  const body = await cachedBody(cacheDir, cacheName(task, { ...lender.pretrain, arch: lender.arch, size: lender.size }));
  return body && { body, task, preset: lender };
}

/** The target task's data and where its body weights come from. */
interface Prepared {
  arch: Architecture;
  dls: ImageDataLoaders;
  /** Builds the same DataLoaders again, for the control. */
  again: () => Promise<ImageDataLoaders>;
  body: BodyWeights & { pretrained: true };
  dataDir: string;
  description: string;
  imageSize: number;
  settings: WalkthroughSettings;
  predictions: number;
  source?: DemoSummary['pretraining']['source'];
  /** The preset whose pretraining made the body (Fashion-MNIST runs). */
  bodyPreset?: FashionPreset;
}

async function prepareFashion(
  o: DemoOptions,
  preset: FashionPreset,
  cacheDir: string,
  seed: number,
  stages: Stages,
  output: ProgressOutput,
): Promise<Prepared> {
  // --quick takes the default run's body when the cache holds it: a better body than it can afford.
  const borrowed = await borrowedBody(preset, cacheDir);
  const { source, sourceTask, target } = await stages.run('Data: Fashion-MNIST', async () => {
    const idx = ensureFashionMnist(o.fashionMnist, (line) => stages.say(`   ${line}`), o.apt);
    const root = join(cacheDir, 'fashion-mnist');
    const tag = (s: { trainPerClass: number; validPerClass: number }) => `${s.trainPerClass}x${s.validPerClass}`;
    const sourceTask = borrowed ? null : await fashionTask(join(root, `source-${tag(preset.source)}`), idx, SOURCE_CLASSES, preset.source);
    const targetTask = await fashionTask(join(root, `target-${tag(preset.target)}`), idx, TARGET_CLASSES, preset.target);
    for (const [what, task] of [
      ['source task', sourceTask],
      ['target task', targetTask],
    ] as const) {
      if (task === null) continue;
      stages.say(
        `   ${what}: ${task.classes.join(', ')} — ${task.train} training / ${task.valid} validation images` +
          ` in ${task.dir}${task.written ? '' : ' (from an earlier run)'}`,
      );
    }
    return { sourceTask, target: targetTask, source: borrowed?.task ?? (sourceTask as TaskFolder) };
  });
  const body: PretrainedBody = await stages.run('Pretraining on the source task', async () => {
    if (!borrowed) return pretrainedBody(sourceTask as TaskFolder, { ...preset.pretrain, arch: preset.arch, size: preset.size }, cacheDir, stages, output);
    stages.say(
      `   using the body of the '${borrowed.preset.name}' run, from the cache: ${borrowed.body.file}` +
        ` (${source.train} source images; source error rate ${(borrowed.body.sourceErrorRate * 100).toFixed(2)} %)`,
    );
    return borrowed.body;
  });
  const load = () =>
    ImageDataLoaders.fromFolder(target.dir, { itemTfms: Resize(preset.size), batchTfms: augTransforms(), bs: preset.bs, valBs: preset.valBs, seed });
  return {
    arch: preset.arch,
    dls: await load(),
    again: load,
    body: { pretrained: true, weights: body.file },
    dataDir: target.dir,
    description:
      `Fashion-MNIST: ${preset.arch.name} pretrained on ${source.train} images of ${source.classes.length} classes,` +
      ` transferred to ${target.classes.length} others with ${preset.target.trainPerClass} labelled images each`,
    imageSize: preset.size,
    settings: { ...preset.walkthrough, ...(o.epochs && { epochs: o.epochs }), seed },
    predictions: preset.predictions,
    bodyPreset: borrowed?.preset ?? preset,
    source: {
      classes: source.classes,
      train: source.train,
      valid: source.valid,
      arch: preset.arch.name,
      size: borrowed?.preset.size ?? preset.size,
      cached: body.cached,
      ...(borrowed && { borrowedFrom: borrowed.preset.name }),
      errorRate: body.sourceErrorRate,
      seconds: body.seconds,
      table: body.table,
    },
  };
}

async function prepareUserData(o: DemoOptions & { data: string }, seed: number, stages: Stages): Promise<Prepared> {
  const size = o.size ?? 224;
  const load = async () => (await userDataLoaders(o.data, { size, bs: o.bs ?? 64, seed, ...(o.pattern !== undefined && { pattern: o.pattern }) })).dls;
  const { dls, description } = await stages.run(`Data: ${o.data}`, async () => {
    const loaded = await userDataLoaders(o.data, { size, bs: o.bs ?? 64, seed, ...(o.pattern !== undefined && { pattern: o.pattern }) });
    stages.say(
      `   ${loaded.dls.c} classes (${loaded.dls.vocab.slice(0, 6).join(', ')}${loaded.dls.c > 6 ? ', …' : ''}): ` +
        `${loaded.dls.train.n} training / ${loaded.dls.valid.n} validation images`,
    );
    return loaded;
  });
  return {
    arch: resnet34,
    dls,
    again: load,
    body: { pretrained: true, weights: o.weights ?? 'IMAGENET1K_V1' },
    dataDir: resolve(o.data),
    description,
    imageSize: size,
    settings: { epochs: o.epochs ?? [3, 6, 3], frozenLr: 3e-3, lrFindIt: 100, seed },
    predictions: 8,
  };
}

/** `--sweep`: error rate against labelled images per class, transfer and from scratch. */
export async function runDemoSweep(options: DemoOptions & { sweep: readonly number[] }): Promise<{ summary: SweepSummary; runDir: string }> {
  const output = options.output ?? process.stdout;
  const stages = new Stages(output);
  const seed = options.seed ?? 42;
  const preset = options.preset ?? FULL;
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const runDir = resolve(options.runDir ?? join('runs', `demo-sweep-${timestamp(new Date())}`));
  await mkdir(runDir, { recursive: true });
  stages.say(`fasttune ${libraryVersion()} — transfer learning with ${preset.arch.name} against ${options.sweep.join(', ')} labelled images per class`);
  stages.say(`run folder: ${runDir}`);
  const summary = await runSweep(preset, options.sweep, seed, (p) => prepareFashion(options, p, cacheDir, seed, stages, output), runDir, stages, output);
  stages.say(`report: ${join(runDir, 'report.html')}`);
  return { summary, runDir };
}

/** Runs the demo; resolves to what it measured and the path of report.html. */
export async function runDemo(options: DemoOptions = {}): Promise<{ summary: DemoSummary; runDir: string; report: string }> {
  const output = options.output ?? process.stdout;
  const stages = new Stages(output);
  const loadBefore = loadavg();
  const seed = options.seed ?? 42;
  const preset = options.preset ?? FULL;
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const runDir = resolve(options.runDir ?? join('runs', `demo-${timestamp(new Date())}`));
  await mkdir(runDir, { recursive: true });
  const native = versions();
  const arch = options.data !== undefined ? resnet34 : preset.arch;
  stages.say(
    `fasttune ${libraryVersion()} — transfer learning with ${arch.name} (LibTorch ${native.libtorch}, ${getNumThreads()} threads on ${availableParallelism()} cores)`,
  );
  stages.say(`run folder: ${runDir}`);
  const cpuStart = process.cpuUsage();

  const prepared =
    options.data !== undefined
      ? await prepareUserData({ ...options, data: options.data }, seed, stages)
      : await prepareFashion(options, preset, cacheDir, seed, stages, output);
  const plots: PlotRecord[] = [];
  const { dls } = prepared;
  let transfer: RunRecord;
  let after: Awaited<ReturnType<typeof afterTraining>>;
  try {
    await dls.showBatch({ path: join(runDir, 'batch.png'), nrows: 3, ncols: 6, pixels: (batch) => applyAugment(batch) });
    plots.push({ file: 'batch.png', title: 'showBatch', caption: 'a training batch as the model sees it, after augmentation' });
    const run = await walkthrough('transfer', dls, prepared.arch, prepared.body, prepared.settings, stages, output, runDir);
    transfer = run.record;
    try {
      plots.push(
        { file: 'lr_find.png', title: 'lrFind', caption: 'smoothed loss against the learning rate after unfreeze(); the marker is the suggestion' },
        { file: 'loss.png', title: 'plotLoss', caption: 'training (smoothed) and validation loss of the last fit' },
        { file: 'schedule.png', title: 'plotSched', caption: "the last fit's one-cycle learning rate and momentum of the head" },
      );
      after = await stages.run('transfer · interpretation, export, predict', () =>
        afterTraining(run.learn, runDir, prepared.dataDir, prepared.predictions, stages),
      );
      plots.push(
        { file: 'confusion.png', title: 'plotConfusionMatrix', caption: 'validation set: actual classes down, predicted across' },
        { file: 'top_losses.png', title: 'plotTopLosses', caption: 'the validation images with the largest losses (prediction/actual/loss/probability)' },
      );
    } finally {
      run.learn.dispose();
    }
  } finally {
    dls.close();
  }

  let scratch: RunRecord | undefined;
  if (options.control ?? true) {
    const again = await prepared.again();
    try {
      const run = await walkthrough('from scratch', again, prepared.arch, { pretrained: false }, prepared.settings, stages, output);
      run.learn.dispose();
      scratch = run.record;
    } finally {
      again.close();
    }
    await plotCompare([transfer, scratch], join(runDir, 'compare.png'));
    plots.push({
      file: 'compare.png',
      title: 'transfer vs from scratch',
      caption: 'validation error rate after each epoch; dotted lines separate the three fits',
    });
  }

  const summary: DemoSummary = {
    formatVersion: 1,
    fasttuneVersion: libraryVersion(),
    createdAt: new Date().toISOString(),
    mode: options.data !== undefined ? 'user data' : preset.name,
    machine: { cpus: availableParallelism(), threads: getNumThreads(), libtorch: native.libtorch, node: process.version, loadBefore, loadAfter: [] },
    data: {
      description: prepared.description,
      dir: prepared.dataDir,
      classes: [...dls.vocab],
      train: dls.train.n,
      valid: dls.valid.n,
      imageSize: prepared.imageSize,
    },
    pretraining: { weights: prepared.body.weights, ...(prepared.source && { source: prepared.source }) },
    ...(options.data === undefined && {
      recipe: {
        arch: preset.arch.name,
        size: preset.size,
        source: (prepared.bodyPreset ?? preset).source,
        pretrain: (prepared.bodyPreset ?? preset).pretrain,
        target: preset.target,
        bs: preset.bs,
        valBs: preset.valBs,
        ...prepared.settings,
        epochs: [...prepared.settings.epochs],
      },
    }),
    transfer,
    ...(scratch && { scratch }),
    ...after,
    plots,
    timings: stages.timings,
    totalSeconds: 0,
    cpuSeconds: 0,
  };
  const report = await stages.run('Report', async () => {
    summary.totalSeconds = stages.elapsed();
    const cpu = process.cpuUsage(cpuStart);
    summary.cpuSeconds = (cpu.user + cpu.system) / 1e6;
    summary.machine.loadAfter = loadavg();
    return writeReport(summary, runDir, prepared.dataDir);
  });

  stages.say();
  stages.say(headline(summary));
  stages.say(
    `error rate on ${summary.data.valid} validation images: transfer ${(transfer.errorRate * 100).toFixed(2)} %` +
      (scratch ? `, from scratch ${(scratch.errorRate * 100).toFixed(2)} %` : ''),
  );
  stages.say(
    `total ${formatSeconds(stages.elapsed())}; CPU time ${formatSeconds(summary.cpuSeconds)} (${formatSeconds(summary.cpuSeconds / availableParallelism())} per core); ` +
      `load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')} at the start, ${summary.machine.loadAfter.map((l) => l.toFixed(2)).join(' ')} at the end`,
  );
  stages.say(`report: ${report}`);
  return { summary, runDir, report };
}
