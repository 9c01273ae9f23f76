// fastai's CSVLogger: the results table of every fit, one row per epoch, in a CSV file.
import { type FileHandle, mkdir, open } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { checkBoolean, checkString } from '../core/validate.js';
import type { Callback } from './callback.js';
import type { LearnerState } from './learner-state.js';

/** Options of {@link CSVLogger}; the defaults are fastai's. */
export interface CSVLoggerOptions {
  /** File name, relative to `learn.path` (default 'history.csv'). */
  fname?: string;
  /** Add to the file instead of replacing it (default false). */
  append?: boolean;
}

/**
 * Writes, as fastai's CSVLogger does, the header `epoch,train_loss,valid_loss,<metrics>,time` at the
 * start of each fit, then after each epoch its row: the epoch, the values as Python prints floats
 * (full precision, `nan`), and the time as `mm:ss`. Each row is flushed to disk at once. Idle
 * during lrFind.
 */
export class CSVLogger implements Callback {
  readonly name = 'CSVLogger';
  readonly order = 60;
  readonly fname: string;
  readonly append: boolean;
  private file: FileHandle | undefined;

  constructor({ fname = 'history.csv', append = false }: CSVLoggerOptions = {}) {
    this.fname = checkString('CSVLogger', 'fname', fname);
    this.append = checkBoolean('CSVLogger', 'append', append);
  }

  /** Where the log goes for `learn`. */
  path(learn: LearnerState): string {
    return isAbsolute(this.fname) ? this.fname : join(learn.path, this.fname);
  }

  async beforeFit(learn: LearnerState): Promise<void> {
    if (learn.lrFinder) return;
    const path = this.path(learn);
    await mkdir(dirname(path), { recursive: true });
    this.file = await open(path, this.append ? 'a' : 'w');
    await this.write(`${learn.recorder.metricNames.join(',')}\n`);
  }

  async afterEpoch(learn: LearnerState): Promise<void> {
    if (!this.file) return;
    const row = learn.recorder.values.at(-1) ?? [];
    const time = learn.recorder.log.at(-1) ?? '';
    await this.write(`${[String(learn.epoch), ...row.map(pythonFloat), time].join(',')}\n`);
  }

  async afterFit(): Promise<void> {
    await this.file?.close();
    this.file = undefined;
  }

  private async write(text: string): Promise<void> {
    const file = this.file as FileHandle;
    await file.write(text);
    await file.sync();
  }
}

/** `str(x)` of a Python float: shortest round-trip digits, `1.0`, `1e-05`, `nan`, `inf`. */
export function pythonFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  // Python switches to exponent notation below 1e-4 and from 1e16; JavaScript's shortest digits are the same.
  const [digits, exp] = x.toExponential().split('e') as [string, string];
  const e = Number(exp);
  if (e < -4 || e >= 16) return `${digits}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  const significant = digits.replace('-', '').replace('.', '').length;
  const plain = x.toFixed(Math.max(0, significant - 1 - e));
  return plain.includes('.') ? plain : `${plain}.0`;
}
