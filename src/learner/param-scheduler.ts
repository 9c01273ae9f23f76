// Sets hyper-parameters from schedules before every training batch.
import { checkOptions, invalidParameterError } from '../core/validate.js';
import type { GroupHypers } from '../model/types.js';
import type { Callback } from './callback.js';
import type { LearnerState } from './learner-state.js';
import type { Schedule } from './schedule.js';

/** A hyper-parameter a schedule can drive. */
export type HyperName = keyof GroupHypers;

/** One schedule for every group, or one schedule per group. */
export type HyperSchedules = Partial<Record<HyperName, Schedule | readonly Schedule[]>>;

const HYPER_NAMES: readonly HyperName[] = ['lr', 'mom', 'sqrMom', 'eps', 'wd'];

/**
 * Before each training batch, evaluates each schedule at `learn.pctTrain` and writes the value
 * into every parameter group; after the batch, records the last group's values. At the end of the
 * fit the records go to `learn.recorder.hps`.
 *
 * @example
 * const warmup = new ParamScheduler({ lr: (p) => schedLin(1e-5, 1e-3, p) });
 * await learn.fit(2, undefined, { cbs: [warmup] });
 */
export class ParamScheduler implements Callback {
  readonly name = 'ParamScheduler';
  readonly order = 60;
  readonly runValid = false;
  readonly scheds: HyperSchedules;
  /** The last group's value of each scheduled hyper-parameter, per training batch of this fit. */
  hps: Partial<Record<HyperName, number[]>> = {};

  constructor(scheds: HyperSchedules) {
    for (const [name, sched] of Object.entries(checkOptions('ParamScheduler', scheds, HYPER_NAMES, 'scheds'))) {
      const ok = typeof sched === 'function' || (Array.isArray(sched) && sched.length > 0 && sched.every((s) => typeof s === 'function'));
      if (!ok) throw invalidParameterError('ParamScheduler', `scheds.${name}`, 'a schedule function or one per group', sched);
    }
    this.scheds = scheds;
  }

  beforeFit(learn: LearnerState): void {
    this.hps = {};
    for (const [name, sched] of this.entries()) {
      if (Array.isArray(sched) && sched.length !== learn.model.nGroups) {
        throw invalidParameterError(
          'ParamScheduler',
          `scheds.${name}`,
          `one schedule per parameter group (${learn.model.nGroups})`,
          `${sched.length} schedules`,
        );
      }
      this.hps[name] = [];
    }
  }

  beforeBatch(learn: LearnerState): void {
    const hypers = learn.hypers ?? [];
    const pos = learn.pctTrain;
    for (const [name, sched] of this.entries()) {
      hypers.forEach((group, g) => {
        group[name] = typeof sched === 'function' ? sched(pos) : (sched[g] as Schedule)(pos);
      });
    }
  }

  afterBatch(learn: LearnerState): void {
    const last = learn.hypers?.at(-1);
    if (!last) return;
    for (const [name] of this.entries()) this.hps[name]?.push(last[name]);
  }

  afterFit(learn: LearnerState): void {
    learn.recorder.hps = this.hps;
  }

  private entries(): [HyperName, Schedule | readonly Schedule[]][] {
    return Object.entries(this.scheds) as [HyperName, Schedule | readonly Schedule[]][];
  }
}
