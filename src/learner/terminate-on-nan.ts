// Stops a fit whose loss is no longer a finite number, instead of training on garbage.
import { FasttuneError } from '../core/errors.js';
import { CancelFitError, type Callback } from './callback.js';
import type { LearnerState } from './learner-state.js';

/**
 * A default callback: after every batch (training and validation) a NaN or infinite loss cancels
 * the fit; `afterFit` hooks still run (the Recorder keeps what it had), then the fit rejects with
 * an `E_NAN` FasttuneError saying where it happened. Inactive during `lrFind`, whose own rule
 * stops on divergence. Remove it with `learn.removeCb('TerminateOnNaN')` to keep fastai's
 * behaviour of training on.
 */
export class TerminateOnNaNCallback implements Callback {
  readonly name = 'TerminateOnNaN';
  readonly order = -9;

  afterBatch(learn: LearnerState): void {
    if (learn.lrFinder || Number.isFinite(learn.loss)) return;
    const phase = learn.training ? 'training' : 'validation';
    const lr = learn.hypers?.at(-1)?.lr;
    const where = `epoch ${learn.epoch}, ${phase} batch ${learn.iter + 1}/${learn.nIter}`;
    const hint = learn.training ? ` at learning rate ${lr}; lower the learning rate or check the data` : '; check the data and the model';
    const error = new FasttuneError(`training stopped: the ${phase} loss is ${learn.loss} (${where})${hint}`, 'E_NAN');
    throw new CancelFitError(error.message, { cause: error });
  }
}
