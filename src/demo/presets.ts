// The sizes of the demo on Fashion-MNIST: the default run, --quick, and the test's. Fashion-MNIST's
// own 28 px (no resize) keeps the default within a few minutes on two cores, pretraining included.
import { resnet18, resnet34, type Architecture } from '../vision/architectures.js';
import type { TaskSize } from './fashion-data.js';
import type { PretrainSettings } from './pretrain.js';
import type { WalkthroughSettings } from './walkthrough.js';

/** Everything that sizes a run of the demo on Fashion-MNIST. */
export interface FashionPreset {
  name: string;
  /** The network, pretrained and transferred. */
  arch: Architecture;
  /** Image side in pixels (Fashion-MNIST's are 28, resized to this). */
  size: number;
  /** Source task (classes 0–4), for pretraining. */
  source: TaskSize;
  /** The pretraining's own seed: the body is one fixed file, shared by runs of any `--seed`. */
  pretrain: Omit<PretrainSettings, 'size' | 'arch'>;
  /** Target task (classes 5–9): few training images, the test set's images for validation. */
  target: TaskSize;
  /** Batch size on the target task, and for validating it. */
  bs: number;
  valBs: number;
  walkthrough: Omit<WalkthroughSettings, 'seed'>;
  /** Files of the validation set the exported model predicts. */
  predictions: number;
  /** A preset whose pretrained body this one uses instead of its own when the cache holds it. */
  borrowBody?: FashionPreset;
}

/** `npm run demo`. */
export const FULL: FashionPreset = {
  name: 'full',
  arch: resnet34,
  size: 28,
  source: { trainPerClass: 1000, validPerClass: 100 },
  pretrain: { bs: 64, epochs: 1, lr: 2e-3, seed: 42 },
  target: { trainPerClass: 60, validPerClass: 100 },
  bs: 32,
  valBs: 32,
  walkthrough: { epochs: [3, 6, 2], frozenLr: 3e-3, lrFindIt: 40 },
  predictions: 8,
};

/**
 * `npm run demo -- --quick`: the same steps, smaller, with a small body of its own, or the
 * default run's body when an earlier `npm run demo` left it in the cache.
 */
export const QUICK: FashionPreset = {
  name: 'quick',
  arch: resnet34,
  size: 28,
  source: { trainPerClass: 200, validPerClass: 40 },
  pretrain: { bs: 64, epochs: 1, lr: 2e-3, seed: 42 },
  target: { trainPerClass: 30, validPerClass: 40 },
  bs: 32,
  valBs: 32,
  walkthrough: { epochs: [1, 2, 1], frozenLr: 3e-3, lrFindIt: 12 },
  predictions: 4,
  borrowBody: FULL,
};

/**
 * The smallest run that goes through every step, for the end-to-end test. Its body (1000 source
 * images, three epochs: 16 % source error) puts transfer far ahead after the first fit; by the
 * end, with five more epochs on 60 images, the network from random weights catches up.
 */
export const TINY: FashionPreset = {
  name: 'tiny',
  arch: resnet18,
  size: 28,
  source: { trainPerClass: 200, validPerClass: 20 },
  pretrain: { bs: 32, epochs: 3, lr: 5e-3, seed: 42 },
  target: { trainPerClass: 12, validPerClass: 60 },
  bs: 8,
  valBs: 100,
  walkthrough: { epochs: [3, 2, 1], frozenLr: 3e-3, lrFindIt: 12 },
  predictions: 2,
};
