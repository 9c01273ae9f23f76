// The sizes of the demo on Fashion-MNIST: the default run, --quick, and the test's. Fashion-MNIST's
// own 28 px (no resize) keeps the default within a few minutes on two cores, pretraining included.
import type { TaskSize } from './fashion-data.js';
import type { PretrainSettings } from './pretrain.js';
import type { WalkthroughSettings } from './walkthrough.js';

/** Everything that sizes a run of the demo on Fashion-MNIST. */
export interface FashionPreset {
  name: string;
  /** Image side in pixels (Fashion-MNIST's are 28). */
  size: number;
  /** Source task (classes 0–4), for pretraining. */
  source: TaskSize;
  pretrain: Omit<PretrainSettings, 'size' | 'seed'>;
  /** Target task (classes 5–9): few training images, the test set's images for validation. */
  target: TaskSize;
  /** Batch size on the target task. */
  bs: number;
  walkthrough: Omit<WalkthroughSettings, 'seed'>;
  /** Files of the validation set the exported model predicts. */
  predictions: number;
}

/** `npm run demo`. */
export const FULL: FashionPreset = {
  name: 'full',
  size: 28,
  source: { trainPerClass: 1000, validPerClass: 100 },
  pretrain: { bs: 64, epochs: 1, lr: 2e-3 },
  target: { trainPerClass: 60, validPerClass: 100 },
  bs: 32,
  walkthrough: { epochs: [3, 6, 2], frozenLr: 3e-3, lrFindIt: 40 },
  predictions: 8,
};

/** `npm run demo -- --quick`: the same steps, smaller. */
export const QUICK: FashionPreset = {
  name: 'quick',
  size: 28,
  source: { trainPerClass: 200, validPerClass: 40 },
  pretrain: { bs: 64, epochs: 1, lr: 2e-3 },
  target: { trainPerClass: 30, validPerClass: 40 },
  bs: 32,
  walkthrough: { epochs: [1, 2, 1], frozenLr: 3e-3, lrFindIt: 12 },
  predictions: 4,
};

/** The smallest run that still goes through every step, for the end-to-end test. */
export const TINY: FashionPreset = {
  name: 'tiny',
  size: 28,
  source: { trainPerClass: 60, validPerClass: 12 },
  pretrain: { bs: 64, epochs: 1, lr: 2e-3 },
  target: { trainPerClass: 12, validPerClass: 12 },
  bs: 16,
  walkthrough: { epochs: [1, 1, 1], frozenLr: 3e-3, lrFindIt: 6 },
  predictions: 2,
};
