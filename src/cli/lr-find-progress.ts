// Progress of the LR finder for the command line: how many batches it will try, then a line every
// tenth of them with the learning rate and smoothed loss reached, so that a long search shows life.
import type { Callback } from '../learner/callback.js';
import type { Learner } from '../learner/learner.js';
import type { ProgressOutput } from '../learner/learner-state.js';

/** Idle outside `lrFind`; kept on the Learner so that `train --lr-find` reports the same way. */
export function lrFindProgress(output: ProgressOutput): Callback {
  let every = 1;
  let last = 0;
  return {
    name: 'LrFindProgress',
    // After the Recorder has smoothed the loss, before the LR finder ends the search on its last batch.
    order: 59,
    runValid: false,
    beforeFit(learn: Learner) {
      if (!learn.lrFinder) return;
      const { numIt } = learn.lrFinder.options;
      every = Math.max(1, Math.round(numIt / 10));
      last = 0;
      output.write(`lr-find: up to ${numIt} batches of ${learn.dls.train.bs} images\n`);
    },
    afterBatch(learn: Learner) {
      if (!learn.lrFinder) return;
      const { numIt } = learn.lrFinder.options;
      last = learn.trainIter;
      if (last % every !== 0 && last !== numIt) return;
      const lr = learn.recorder.lrs.at(-1) ?? Number.NaN;
      output.write(`lr-find: batch ${last}/${numIt}  lr ${lr.toExponential(2)}  loss ${learn.smoothLoss.toFixed(4)}\n`);
    },
    afterFit(learn: Learner) {
      if (!learn.lrFinder) return;
      const { numIt } = learn.lrFinder.options;
      if (last < numIt) output.write(`lr-find: stopped after ${last} batches (the loss diverged or the data ran out)\n`);
    },
  };
}
