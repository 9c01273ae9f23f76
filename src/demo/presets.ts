// The sizes of the demo on Fashion-MNIST: the default run and --quick. Both were chosen to finish
// within their time on a two-core machine with the pretraining included (see the README).
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
  size: 32,
  source: { trainPerClass: 1200, validPerClass: 100 },
  pretrain: { bs: 128, epochs: 2, lr: 2e-3 },
  target: { trainPerClass: 40, validPerClass: 200 },
  bs: 32,
  walkthrough: { epochs: [3, 6, 2], frozenLr: 3e-3, lrFindIt: 50 },
  predictions: 8,
};

/** `npm run demo -- --quick`: the same steps, smaller. */
export const QUICK: FashionPreset = {
  name: 'quick',
  size: 32,
  source: { trainPerClass: 300, validPerClass: 40 },
  pretrain: { bs: 128, epochs: 1, lr: 2e-3 },
  target: { trainPerClass: 30, validPerClass: 60 },
  bs: 32,
  walkthrough: { epochs: [1, 2, 1], frozenLr: 3e-3, lrFindIt: 20 },
  predictions: 4,
};
