// The sizes of the demo on Fashion-MNIST: the default run, --quick, and the test's.
//
// The default is sized for a first run (data trees and pretraining included) of about six
// minutes on an idle 2-core CPU. Where the time goes: ResNet-18 costs about half of ResNet-34 per
// image, so the budget buys more source images (a better body); 48 px costs about 1.4× of 28 px
// per image and gives the network a 2×2 map after layer4 instead of 1×1; the target task has
// 20 labelled images per class, where transfer's advantage shows (fastai's point is few labels),
// and 1000 validation images so that one image is 0.1 point of error rate.
import { resnet18, type Architecture } from '../vision/architectures.js';
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
  arch: resnet18,
  size: 48,
  source: { trainPerClass: 2400, validPerClass: 100 },
  pretrain: { bs: 64, epochs: 1, lr: 3e-3, seed: 42 },
  target: { trainPerClass: 20, validPerClass: 200 },
  bs: 8,
  valBs: 100,
  walkthrough: { epochs: [4, 8, 2], frozenLr: 3e-3, lrFindIt: 40 },
  predictions: 8,
};

/**
 * `npm run demo -- --quick`: the same steps with a small body of its own, or the default run's
 * body when an earlier `npm run demo` left it in the cache.
 */
export const QUICK: FashionPreset = {
  name: 'quick',
  arch: resnet18,
  size: 48,
  source: { trainPerClass: 400, validPerClass: 40 },
  pretrain: { bs: 64, epochs: 1, lr: 3e-3, seed: 42 },
  target: { trainPerClass: 20, validPerClass: 100 },
  bs: 8,
  valBs: 100,
  walkthrough: { epochs: [2, 4, 1], frozenLr: 3e-3, lrFindIt: 20 },
  predictions: 4,
  borrowBody: FULL,
};

/** The smallest run in which transfer still wins, for the end-to-end test. */
export const TINY: FashionPreset = {
  name: 'tiny',
  arch: resnet18,
  size: 28,
  source: { trainPerClass: 300, validPerClass: 20 },
  pretrain: { bs: 64, epochs: 1, lr: 3e-3, seed: 42 },
  target: { trainPerClass: 12, validPerClass: 60 },
  bs: 8,
  valBs: 100,
  walkthrough: { epochs: [3, 2, 1], frozenLr: 3e-3, lrFindIt: 12 },
  predictions: 2,
};
