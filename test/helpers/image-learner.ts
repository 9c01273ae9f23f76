// A small image-classification setup for end-to-end tests: a folder of generated PNGs in three
// class folders, its DataLoaders and a visionLearner around a native ResNet-34 (or another arch;
// CI-sized: 32 px).
import { join } from 'node:path';
import {
  augTransforms,
  errorRate,
  ImageDataLoaders,
  Resize,
  resnet34,
  visionLearner,
  type Architecture,
  type VisionLearner,
  type VisionModel,
} from '../../src/index.js';
import { writeTree } from './images.js';

export const CLASSES = ['cat', 'dog', 'fox'];

/** 8 images of 40×30 per class under `root/<class>/`; returns the paths. */
export async function writeClassFolders(root: string, perClass = 8): Promise<string[]> {
  return writeTree(root, Object.fromEntries(CLASSES.map((c) => [c, perClass])), { width: 40, height: 30 });
}

export interface SmallLearner {
  learn: VisionLearner;
  model: VisionModel;
  dls: ImageDataLoaders;
  dispose(): void;
}

/**
 * Resize(32) items, fastai's batch augmentation, bs 4, a quarter held out (`seed`); visionLearner
 * without pretrained weights, initialised from `modelSeed`.
 */
export async function smallLearner(
  root: string,
  {
    seed = 1,
    modelSeed = seed,
    augment = true,
    path,
    arch = resnet34,
  }: { seed?: number; modelSeed?: number; augment?: boolean; path?: string; arch?: Architecture } = {},
): Promise<SmallLearner> {
  const dls = await ImageDataLoaders.fromFolder(root, {
    validPct: 0.25,
    seed,
    bs: 4,
    itemTfms: Resize(32),
    ...(augment ? { batchTfms: augTransforms() } : {}),
    decodeWorkers: 0,
  });
  const learn = await visionLearner(dls, arch, {
    pretrained: false,
    device: 'cpu',
    seed: modelSeed,
    metrics: [errorRate],
    progress: false,
    path: path ?? join(root, '..'),
  });
  return {
    learn,
    model: learn.model,
    dls,
    dispose() {
      learn.dispose();
      dls.close();
    },
  };
}
