// The demo's stand-in for ImageNet pretraining (whose weights cannot be fetched everywhere): a
// ResNet trained from scratch on the source task, its body saved as torchvision names it
// (conv1, bn1, layer1…layer4; no fc) and cached, so later runs start from the file.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { augTransforms } from '../augment/aug-transforms.js';
import { ImageDataLoaders } from '../data/dataloaders.js';
import { Resize } from '../data/item-transforms.js';
import { FasttuneError } from '../core/errors.js';
import { writeWeights, type WeightsTensor } from '../io/weights.js';
import { errorRate } from '../learner/metrics.js';
import type { ProgressOutput } from '../learner/learner-state.js';
import type { Architecture } from '../vision/architectures.js';
import { visionLearner } from '../vision/vision-learner.js';
import type { Stages } from './stages.js';
import { TableCapture, type FitTable } from './table-capture.js';
import type { TaskFolder } from './fashion-data.js';

/** How the source task is trained. */
export interface PretrainSettings {
  arch: Architecture;
  /** Image side. */
  size: number;
  bs: number;
  epochs: number;
  /** Peak learning rate of the one-cycle fit. */
  lr: number;
  seed: number;
}

/** The pretrained body and how it was made. */
export interface PretrainedBody {
  /** A safetensors file with torchvision's ResNet names, without `fc`. */
  file: string;
  /** True when an earlier run had made it. */
  cached: boolean;
  /** The source task's validation error rate after pretraining. */
  sourceErrorRate: number;
  /** The pretraining's table (the one printed when it ran). */
  table: FitTable;
  /** Seconds the pretraining took when it ran. */
  seconds: number;
}

/** Our body keys (`0.<child>.…`) by torchvision's top-level module names. */
const TORCHVISION_NAMES: Record<string, string> = { '0': 'conv1', '1': 'bn1', '4': 'layer1', '5': 'layer2', '6': 'layer3', '7': 'layer4' };

/** The body of a whole fasttune model's state dict, under torchvision's ResNet names. */
export function torchvisionBody(stateDict: readonly WeightsTensor[]): WeightsTensor[] {
  return stateDict
    .filter((t) => t.name.startsWith('0.'))
    .map((t) => {
      const [, child, ...rest] = t.name.split('.');
      const module = TORCHVISION_NAMES[child as string];
      if (module === undefined) throw new FasttuneError(`torchvisionBody: unexpected body key ${t.name}`, 'E_ARG');
      return { ...t, name: `${module}.${rest.join('.')}` };
    });
}

/** The cache file name: what the body was trained on and how, hashed. */
export function cacheName(task: Pick<TaskFolder, 'classes' | 'train' | 'valid'>, settings: PretrainSettings): string {
  const key = JSON.stringify({ classes: task.classes, train: task.train, valid: task.valid, ...settings, arch: settings.arch.name });
  return `${settings.arch.name}-fmnist-source-${createHash('sha256').update(key).digest('hex').slice(0, 12)}`;
}

/** The file of a body cached in `cacheDir` under that name, or null when there is none. */
export async function cachedBody(cacheDir: string, name: string): Promise<PretrainedBody | null> {
  return readCached(join(cacheDir, name));
}

async function readCached(base: string): Promise<PretrainedBody | null> {
  try {
    const info = JSON.parse(await readFile(`${base}.json`, 'utf8')) as Omit<PretrainedBody, 'cached' | 'file'>;
    await readFile(`${base}.safetensors`).then((b) => b.length > 0 || Promise.reject());
    return { ...info, file: `${base}.safetensors`, cached: true };
  } catch {
    return null;
  }
}

/**
 * The pretrained body for `task`: from `cacheDir` when an earlier run made it with the same
 * data and settings, else trained now (a one-cycle fit from random weights, its table printed)
 * and saved there.
 */
export async function pretrainedBody(
  task: TaskFolder,
  settings: PretrainSettings,
  cacheDir: string,
  stages: Stages,
  output: ProgressOutput,
): Promise<PretrainedBody> {
  const base = join(cacheDir, cacheName(task, settings));
  const cached = await readCached(base);
  const arch = settings.arch.name;
  if (cached) {
    stages.say(`   reusing ${cached.file} (source error rate ${(cached.sourceErrorRate * 100).toFixed(2)} %; delete it to pretrain again)`);
    return cached;
  }
  stages.say(
    `   ${arch} from random weights on ${task.classes.join(', ')}: ${task.train} training images, ${settings.size} px, ` +
      `fitOneCycle(${settings.epochs}, ${settings.lr}) with batches of ${settings.bs}`,
  );
  const start = performance.now();
  const dls = await ImageDataLoaders.fromFolder(task.dir, {
    itemTfms: Resize(settings.size),
    batchTfms: augTransforms(),
    bs: settings.bs,
    seed: settings.seed,
  });
  try {
    const tables = new TableCapture();
    using learn = await visionLearner(dls, settings.arch, { pretrained: false, metrics: [errorRate], cbs: [tables], seed: settings.seed, output });
    await learn.fitOneCycle(settings.epochs, settings.lr);
    const table = tables.fits.at(-1) as FitTable;
    const result: Omit<PretrainedBody, 'cached' | 'file'> = {
      sourceErrorRate: table.values.at(-1)?.[2] ?? Number.NaN,
      table,
      seconds: (performance.now() - start) / 1000,
    };
    await mkdir(cacheDir, { recursive: true });
    // Written under temporary names and renamed, so a killed run never leaves half a cache entry.
    const tmp = `${base}.tmp-${process.pid}`;
    await writeWeights(`${tmp}.safetensors`, torchvisionBody(await learn.model.stateDict()), { source: 'fasttune demo: Fashion-MNIST classes 0-4' });
    await writeFile(`${tmp}.json`, JSON.stringify(result));
    await rename(`${tmp}.safetensors`, `${base}.safetensors`);
    await rename(`${tmp}.json`, `${base}.json`);
    stages.say(`   saved the body as ${base}.safetensors (torchvision's ${arch} names)`);
    return { ...result, file: `${base}.safetensors`, cached: false };
  } catch (error) {
    await rm(`${base}.tmp-${process.pid}.safetensors`, { force: true });
    throw error;
  } finally {
    dls.close();
  }
}
