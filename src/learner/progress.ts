// Shows training progress: the results table, and a bar per epoch phase (in a terminal) or plain
// progress lines (in logs).
import { invalidParameterError } from '../core/validate.js';
import { performance } from 'node:perf_hooks';
import type { Callback } from './callback.js';
import type { LearnerState, ProgressMode } from './learner-state.js';
import { formatHeader, formatRow, formatTime } from './table.js';

export function checkProgressMode(where: string, name: string, value: unknown): ProgressMode {
  if (value === 'auto' || value === 'bar' || value === 'lines' || typeof value === 'boolean') return value;
  throw invalidParameterError(where, name, "'auto', 'bar', 'lines', true or false", value);
}

const BAR_WIDTH = 24;
const REDRAW_MS = 100;

/**
 * A default callback (order 60). Prints the header of the results table when a fit starts and a
 * row when an epoch ends (fastai's console layout); in between shows batch progress with counts,
 * rate and time left.
 */
export class ProgressCallback implements Callback {
  readonly name = 'ProgressCallback';
  readonly order = 60;

  private phase = '';
  private done = 0;
  private total = 0;
  private started = 0;
  private lastDraw = 0;
  private nextLine = 0;
  private barShown = false;

  beforeFit(learn: LearnerState): void {
    if (this.mode(learn) === 'off') return;
    learn.output.write(`${formatHeader(learn.recorder.metricNames)}\n`);
  }

  beforeTrain(learn: LearnerState): void {
    this.start(learn, 'train');
  }

  beforeValidate(learn: LearnerState): void {
    this.start(learn, 'valid');
  }

  afterBatch(learn: LearnerState): void {
    const mode = this.mode(learn);
    if (mode === 'off') return;
    this.done += 1;
    const now = performance.now();
    if (mode === 'bar') {
      if (now - this.lastDraw >= REDRAW_MS || this.done === this.total) {
        this.lastDraw = now;
        learn.output.write(`\r\x1b[2K${this.status(learn, now, true)}`);
        this.barShown = true;
      }
    } else if (this.phase === 'train' && this.done === this.nextLine && this.done < this.total) {
      learn.output.write(`${this.status(learn, now, false)}\n`);
      this.nextLine = this.lineAfter(this.done);
    }
  }

  afterTrain(learn: LearnerState): void {
    this.clearBar(learn);
  }

  afterValidate(learn: LearnerState): void {
    this.clearBar(learn);
  }

  afterEpoch(learn: LearnerState): void {
    if (this.mode(learn) === 'off') return;
    this.clearBar(learn);
    learn.output.write(`${formatRow(learn.recorder.log, learn.recorder.metricNames)}\n`);
  }

  afterFit(learn: LearnerState): void {
    this.clearBar(learn);
  }

  private mode(learn: LearnerState): 'off' | 'bar' | 'lines' {
    const mode = learn.progress;
    if (mode === false) return 'off';
    if (mode === 'bar' || mode === 'lines') return mode;
    return learn.output.isTTY ? 'bar' : 'lines';
  }

  private start(learn: LearnerState, phase: string): void {
    this.phase = phase;
    this.done = 0;
    this.total = learn.dl?.length ?? 0;
    this.started = performance.now();
    this.lastDraw = 0;
    this.nextLine = this.lineAfter(0);
  }

  /** Lines mode prints at each quarter of the training batches. */
  private lineAfter(done: number): number {
    const quarter = Math.max(1, Math.ceil(this.total / 4));
    return (Math.floor(done / quarter) + 1) * quarter;
  }

  private status(learn: LearnerState, now: number, withBar: boolean): string {
    const elapsed = (now - this.started) / 1000;
    const rate = elapsed > 0 ? this.done / elapsed : 0;
    const left = rate > 0 ? (this.total - this.done) / rate : 0;
    const head = learn.inFit ? `epoch ${learn.epoch + 1}/${learn.nEpoch} ${this.phase}` : this.phase;
    const filled = this.total > 0 ? Math.round((BAR_WIDTH * this.done) / this.total) : BAR_WIDTH;
    const bar = withBar ? ` |${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}|` : '';
    const loss = this.phase === 'train' && Number.isFinite(learn.smoothLoss) ? ` loss ${learn.smoothLoss.toFixed(4)}` : '';
    return `${head}${bar} ${this.done}/${this.total} [${formatTime(elapsed)}<${formatTime(left)}, ${rate.toFixed(2)} it/s]${loss}`;
  }

  private clearBar(learn: LearnerState): void {
    if (!this.barShown) return;
    learn.output.write('\r\x1b[2K');
    this.barShown = false;
  }
}
