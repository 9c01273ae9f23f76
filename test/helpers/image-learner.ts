// A small image-classification setup for end-to-end tests: a folder of generated PNGs in three
// class folders, its DataLoaders and a Learner around the native ResNet-34 (CI-sized: 32 px).
import { join } from 'node:path';
import { augTransforms, createVisionModel, errorRate, ImageDataLoaders, Learner, Resize, type VisionModel } from '../../src/index.js';
import { writeTree } from './images.js';

export const CLASSES = ['cat', 'dog', 'fox'];

/** 8 images of 40×30 per class under `root/<class>/`; returns the paths. */
export async function writeClassFolders(root: string, perClass = 8): Promise<string[]> {
  return writeTree(root, Object.fromEntries(CLASSES.map((c) => [c, perClass])), { width: 40, height: 30 });
}

export interface SmallLearner {
  learn: Learner;
  model: VisionModel;
  dls: ImageDataLoaders;
  dispose(): void;
}

/** Resize(32) items, fastai's batch augmentation, bs 4, a quarter held out (`seed`); the model from `modelSeed`. */
export async function smallLearner(
  root: string,
  { seed = 1, modelSeed = seed, augment = true, path }: { seed?: number; modelSeed?: number; augment?: boolean; path?: string } = {},
): Promise<SmallLearner> {
  const dls = await ImageDataLoaders.fromFolder(root, {
    validPct: 0.25,
    seed,
    bs: 4,
    itemTfms: Resize(32),
    ...(augment ? { batchTfms: augTransforms() } : {}),
    decodeWorkers: 0,
  });
  const model = await createVisionModel({ nOut: dls.c, device: 'cpu', seed: modelSeed, normalize: dls.normalize ?? false });
  const learn = new Learner(dls, model, { metrics: [errorRate], progress: false, path: path ?? join(root, '..') });
  return {
    learn,
    model,
    dls,
    dispose() {
      model.dispose();
      dls.close();
    },
  };
}
