// The counters every schedule reads: fastai's TrainEvalCallback.
import type { Callback } from './callback.js';
import type { LearnerState } from './learner-state.js';

/**
 * Keeps `learn.trainIter` (training batches done in this fit) and `learn.pctTrain` (the training
 * position in [0, 1)). The position is accumulated batch by batch and re-based at every epoch,
 * exactly as fastai does, so schedules see the same floating-point positions.
 */
export class TrainEvalCallback implements Callback {
  readonly name = 'TrainEvalCallback';
  readonly order = -10;
  readonly runValid = false;

  beforeFit(learn: LearnerState): void {
    learn.trainIter = 0;
    learn.pctTrain = 0;
  }

  beforeTrain(learn: LearnerState): void {
    learn.pctTrain = learn.epoch / learn.nEpoch;
    // A resumed epoch starts after some batches: step over them as if they had run.
    for (let i = 0; i < learn.resumeIter; i++) this.step(learn);
  }

  afterBatch(learn: LearnerState): void {
    this.step(learn);
  }

  private step(learn: LearnerState): void {
    learn.pctTrain += 1 / (learn.nIter * learn.nEpoch);
    learn.trainIter += 1;
  }
}
