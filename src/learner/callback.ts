// Callbacks: typed objects with optional event methods that receive the Learner, fastai's events
// and order values, and the exceptions that cancel a part of the training loop.
import type { LearnerState } from './learner-state.js';

/**
 * The events of the training loop, in the order fastai fires them. Each batch is one native call
 * (forward, loss, backward and optimizer step together), so fastai's `after_pred`, `after_loss`,
 * `before_backward`, `after_backward`, `before_step` and `after_step` have no counterpart:
 * `afterBatch` sees the loss (and, in validation, the logits in `learn.pred`).
 */
export const EVENTS = [
  'beforeFit',
  'beforeEpoch',
  'beforeTrain',
  'beforeBatch',
  'afterCancelBatch',
  'afterBatch',
  'afterCancelTrain',
  'afterTrain',
  'beforeValidate',
  'afterCancelValidate',
  'afterValidate',
  'afterCancelEpoch',
  'afterEpoch',
  'afterCancelFit',
  'afterFit',
] as const;

/** The name of a training-loop event, as a callback method is named (fastai's events in camelCase). */
export type EventName = (typeof EVENTS)[number];

/** Events inside the batch loop: they honour a callback's `runTrain` / `runValid`. */
export const BATCH_EVENTS: readonly EventName[] = ['beforeBatch', 'afterCancelBatch', 'afterBatch'];

/** An event handler: may be async; the loop awaits it before going on. */
export type EventHandler = (learn: LearnerState) => void | Promise<void>;

/**
 * A callback: any object with some of the event methods, each given the Learner (typed as
 * {@link LearnerState}, the part the loop keeps; a handler may declare `learn: Learner` to reach
 * the rest). Lower `order` runs first within an event (fastai's values: TrainEval −10,
 * TerminateOnNaN −9, Recorder 50, ParamScheduler and Progress 60, trackers 60, SaveModel 61);
 * callbacks of equal order run in the order they were added. Throw one of the `Cancel*Error`
 * classes to skip the rest of a phase.
 *
 * @example
 * const printLoss: Callback = { name: 'PrintLoss', afterEpoch: (learn) => console.log(learn.smoothLoss) };
 * await learn.fit(1, 1e-3, { cbs: [printLoss] });
 */
export interface Callback {
  /** Shown by `showTrainingLoop`; defaults to the class name. */
  readonly name?: string;
  /** Position within an event (default 0). */
  readonly order?: number;
  /** Run the batch events during training (default true). */
  readonly runTrain?: boolean;
  /** Run the batch events during validation (default true). */
  readonly runValid?: boolean;
  // Method signatures (not EventHandler properties) so a handler may take the whole Learner.
  beforeFit?(learn: LearnerState): void | Promise<void>;
  beforeEpoch?(learn: LearnerState): void | Promise<void>;
  beforeTrain?(learn: LearnerState): void | Promise<void>;
  beforeBatch?(learn: LearnerState): void | Promise<void>;
  afterCancelBatch?(learn: LearnerState): void | Promise<void>;
  afterBatch?(learn: LearnerState): void | Promise<void>;
  afterCancelTrain?(learn: LearnerState): void | Promise<void>;
  afterTrain?(learn: LearnerState): void | Promise<void>;
  beforeValidate?(learn: LearnerState): void | Promise<void>;
  afterCancelValidate?(learn: LearnerState): void | Promise<void>;
  afterValidate?(learn: LearnerState): void | Promise<void>;
  afterCancelEpoch?(learn: LearnerState): void | Promise<void>;
  afterEpoch?(learn: LearnerState): void | Promise<void>;
  afterCancelFit?(learn: LearnerState): void | Promise<void>;
  afterFit?(learn: LearnerState): void | Promise<void>;
}

/** The name a callback is listed under. */
export function callbackName(cb: Callback): string {
  if (cb.name) return cb.name;
  const ctor = (cb as object).constructor;
  return ctor && ctor !== Object ? ctor.name : 'Callback';
}

/** Sorts by order; stable, so equal orders keep the order in which they were added. */
export function sortCallbacks(cbs: readonly Callback[]): Callback[] {
  return [...cbs].sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
}

/** Whether `cb` handles `event` in the current phase. */
export function handles(cb: Callback, event: EventName, training: boolean): boolean {
  if (typeof cb[event] !== 'function') return false;
  if (!BATCH_EVENTS.includes(event)) return true;
  return training ? cb.runTrain !== false : cb.runValid !== false;
}

/** Base class of the exceptions that cancel part of the training loop. */
export class CancelError extends Error {
  constructor(message?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Skips the rest of this batch: `afterCancelBatch`, then `afterBatch`. */
export class CancelBatchError extends CancelError {}
/** Ends the training phase of this epoch: `afterCancelTrain`, `afterTrain`, then validation. */
export class CancelTrainError extends CancelError {}
/** Ends the validation phase of this epoch: `afterCancelValidate`, then `afterValidate`. */
export class CancelValidError extends CancelError {}
/** Ends this epoch: `afterCancelEpoch`, `afterEpoch`, then the next epoch. */
export class CancelEpochError extends CancelError {}
/**
 * Ends the fit: `afterCancelFit`, then `afterFit`. With a `cause` (an abort, a NaN loss) the fit
 * then rejects with that cause; without one it resolves normally (early stopping).
 */
export class CancelFitError extends CancelError {}

/** The loop as `showTrainingLoop` prints it: phases, and each event's callbacks in run order. */
export function describeTrainingLoop(cbs: readonly Callback[]): string {
  const sorted = sortCallbacks(cbs);
  const lines: string[] = [];
  let indent = 0;
  const open = (title: string) => {
    lines.push(`${' '.repeat(indent)}Start ${title}`);
    indent += 2;
  };
  const close = (title: string) => {
    indent -= 2;
    lines.push(`${' '.repeat(indent)}End ${title}`);
  };
  const event = (name: EventName, training = true) => {
    const names = sorted.filter((cb) => handles(cb, name, training)).map(callbackName);
    lines.push(`${' '.repeat(indent)} - ${name.padEnd(16)}: [${names.join(', ')}]`);
  };
  const step = (what: string) => lines.push(`${' '.repeat(indent)}   (${what})`);

  open('Fit');
  event('beforeFit');
  open('Epoch Loop');
  event('beforeEpoch');
  open('Train');
  event('beforeTrain');
  open('Batch Loop');
  event('beforeBatch');
  step('model.trainStep: forward, loss, backward, optimizer step');
  event('afterCancelBatch');
  event('afterBatch');
  close('Batch Loop');
  event('afterCancelTrain');
  event('afterTrain');
  close('Train');
  open('Valid');
  event('beforeValidate');
  open('Batch Loop');
  event('beforeBatch', false);
  step('model.evalStep: forward, loss, logits');
  event('afterCancelBatch', false);
  event('afterBatch', false);
  close('Batch Loop');
  event('afterCancelValidate');
  event('afterValidate');
  close('Valid');
  event('afterCancelEpoch');
  event('afterEpoch');
  close('Epoch Loop');
  event('afterCancelFit');
  event('afterFit');
  close('Fit');
  return lines.join('\n');
}
