// Ctrl-C during a fit: finish the batch, save a checkpoint that resumes exactly, then stop.
import { checkOptions, checkString, invalidParameterError } from '../core/validate.js';
import { FasttuneError } from '../core/errors.js';
import { CancelFitError, type Callback } from './callback.js';
import type { LearnerState } from './learner-state.js';
import { saveState, type ResumePoint } from './persistence.js';

/** The exit code a process stopped by SIGINT conventionally reports (128 + 2). */
export const INTERRUPTED_EXIT_CODE = 130;

/**
 * What a fit rejects with after {@link SaveOnInterruptCallback} stopped it: code `E_INTERRUPTED`,
 * the `signal`, and the `checkpoint` file to pass as `resume` to the same fit call.
 */
export class FitInterruptedError extends FasttuneError {
  constructor(
    readonly signal: NodeJS.Signals,
    readonly checkpoint: string,
    readonly resumePoint: ResumePoint,
  ) {
    super(
      `fit interrupted by ${signal} at epoch ${resumePoint.epoch}, batch ${resumePoint.iter}; checkpoint saved to ${checkpoint} ` +
        `(resume with the same fit call and { resume: '${checkpoint}' })`,
      'E_INTERRUPTED',
    );
    this.name = 'FitInterruptedError';
  }
}

/** Options of {@link SaveOnInterruptCallback}. */
export interface SaveOnInterruptOptions {
  /** Checkpoint name under `learn.path/learn.modelDir` (default 'interrupted'). */
  fname?: string;
  /** Signals that stop the fit (default ['SIGINT']). */
  signals?: readonly NodeJS.Signals[];
}

/**
 * Makes Ctrl-C stop a fit cleanly: on the signal, the current batch finishes, the model, optimizer
 * state and position are saved with `learn.save(fname)`, and the fit rejects with a
 * {@link FitInterruptedError} (exit with {@link INTERRUPTED_EXIT_CODE}, 130, when it reaches the top).
 * The same fit call with `{ resume: fname }` then continues from the next batch and ends with the
 * same weights as a fit that was never interrupted. A second signal before the batch ends quits
 * at once, as if nothing handled it.
 *
 * While a fit with this callback runs, the signals do not end the process by themselves; outside
 * a fit, the callback listens to nothing.
 *
 * @example
 * const cbs = [new SaveOnInterruptCallback()];
 * try {
 *   await learn.fitOneCycle(5, 1e-3, { cbs });
 * } catch (error) {
 *   if (!(error instanceof FitInterruptedError)) throw error;
 *   process.exitCode = INTERRUPTED_EXIT_CODE;   // later: fitOneCycle(5, 1e-3, { cbs, resume: 'interrupted' })
 * }
 */
export class SaveOnInterruptCallback implements Callback {
  readonly name = 'SaveOnInterruptCallback';
  /** After the Recorder and schedulers have seen the batch, before trackers. */
  readonly order = 55;
  readonly fname: string;
  readonly signals: readonly NodeJS.Signals[];
  /** The signal received during the current fit, if any. */
  received: NodeJS.Signals | undefined;
  private learn: LearnerState | undefined;
  private readonly listener = (signal: NodeJS.Signals) => this.onSignal(signal);

  constructor(options: SaveOnInterruptOptions = {}) {
    const o = checkOptions('SaveOnInterruptCallback', options, ['fname', 'signals']);
    this.fname = o.fname === undefined ? 'interrupted' : checkString('SaveOnInterruptCallback', 'fname', o.fname);
    const signals = o.signals ?? ['SIGINT'];
    if (!Array.isArray(signals) || signals.length === 0 || signals.some((s) => typeof s !== 'string' || !/^SIG[A-Z0-9]+$/.test(s))) {
      throw invalidParameterError('SaveOnInterruptCallback', 'signals', "a non-empty list of signal names such as ['SIGINT', 'SIGTERM']", signals);
    }
    this.signals = [...signals];
  }

  beforeFit(learn: LearnerState): void {
    if (learn.lrFinder) return; // lrFind restores the weights anyway
    this.received = undefined;
    this.learn = learn;
    this.listen(true);
  }

  async afterBatch(learn: LearnerState): Promise<void> {
    if (this.received === undefined || this.learn !== learn) return;
    const signal = this.received;
    this.listen(false);
    const point = resumePointAfterBatch(learn);
    const path = await saveState(learn, this.fname, { withOpt: true }, point);
    throw new CancelFitError('interrupted', { cause: new FitInterruptedError(signal, path, point) });
  }

  afterFit(): void {
    this.listen(false);
    this.learn = undefined;
  }

  private onSignal(signal: NodeJS.Signals): void {
    // A fit that failed some other way never reached afterFit: behave as if nobody listened.
    if (this.received !== undefined || !this.learn?.inFit) {
      this.listen(false);
      process.kill(process.pid, signal);
      return;
    }
    this.received = signal;
    this.learn.output.write(`\n${signal}: stopping after this batch and saving a checkpoint (again to quit now)\n`);
  }

  private listen(on: boolean): void {
    for (const signal of this.signals) {
      process.removeListener(signal, this.listener);
      if (on) process.on(signal, this.listener);
    }
  }
}

/** Where to continue after the batch that just ended. */
function resumePointAfterBatch(learn: LearnerState): ResumePoint {
  const loaderEpoch = learn.dls.train.epoch;
  const settable = loaderEpoch !== undefined;
  if (learn.training) {
    // The training loader already counts the running epoch: it is the one before its next.
    return { nEpoch: learn.nEpoch, epoch: learn.epoch, iter: learn.iter + 1, loaderEpoch: settable ? loaderEpoch - 1 : null };
  }
  // Validation changes no weights: continue with the next epoch's training.
  return { nEpoch: learn.nEpoch, epoch: learn.epoch + 1, iter: 0, loaderEpoch: settable ? loaderEpoch : null };
}
