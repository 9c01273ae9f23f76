// Fit planning: every argument of a fit is checked and spread over the parameter groups before
// anything runs, so a bad argument never leaves a fit half done.
import { FasttuneError } from '../core/errors.js';
import { checkBoolean, checkInteger, checkNumber, checkOptions, checkProbability, checkString } from '../core/validate.js';
import type { Callback } from './callback.js';
import { Slice, spreadHyper } from './hypers.js';
import { checkCallbacks, checkMoms, checkSignal } from './options.js';

/** Validated arguments of one fit. */
export interface FitPlan {
  nEpoch: number;
  lr: number[] | undefined;
  wd: number[] | undefined;
  cbs: Callback[];
  resetOpt: boolean;
  startEpoch: number;
  signal: AbortSignal | undefined;
  /** The checkpoint to resume from, if any. */
  resume: string | undefined;
}

/** Validated arguments of one 1cycle fit. */
export interface OneCyclePlan {
  fit: FitPlan;
  lrMax: number[] | undefined;
  div: number;
  divFinal: number;
  pctStart: number;
  moms: [number, number, number];
}

const LR_RANGE = { min: 0, minOpen: true };
const WD_RANGE = { min: 0 };

/** One learning rate per group from a number, a slice or a list. */
export function spreadLr(where: string, name: string, value: unknown, nGroups: number): number[] {
  return spreadHyper(where, name, value, nGroups, LR_RANGE);
}

/** One weight decay per group from a number, a slice or a list. */
export function spreadWd(where: string, name: string, value: unknown, nGroups: number): number[] {
  return spreadHyper(where, name, value, nGroups, WD_RANGE);
}

/** What a fit plan needs to know of the Learner. */
export interface FitContext {
  nGroups: number;
  /** Batches of the training loader. */
  trainBatches: number;
}

/** The options shared by every fit method, with `lr` already spread (or undefined: the Learner's). */
export function planFit(where: string, nEpoch: unknown, o: Record<string, unknown>, { nGroups, trainBatches }: FitContext, lr: number[] | undefined): FitPlan {
  const epochs = checkInteger(where, 'nEpoch', nEpoch, { min: 0 });
  const startEpoch = o.startEpoch === undefined ? 0 : checkInteger(where, 'startEpoch', o.startEpoch, { min: 0, max: epochs });
  if (trainBatches === 0 && epochs > startEpoch) {
    throw new FasttuneError(
      `${where}: the training set has no batches (a Learner from loadLearner keeps no training data, and drop-last leaves none when it has fewer items than bs); train a Learner made by visionLearner from labelled DataLoaders`,
      'E_ARG',
    );
  }
  return {
    nEpoch: epochs,
    lr,
    wd: o.wd === undefined ? undefined : spreadWd(where, 'wd', o.wd, nGroups),
    cbs: checkCallbacks(where, 'cbs', o.cbs),
    resetOpt: o.resetOpt === undefined ? false : checkBoolean(where, 'resetOpt', o.resetOpt),
    startEpoch,
    signal: checkSignal(where, 'signal', o.signal),
    resume: checkResume(where, o),
  };
}

/** A 1cycle fit: the shared options plus the peak rates, divisors, warm-up and momentums. */
export function planOneCycle(
  where: string,
  nEpoch: unknown,
  o: Record<string, unknown>,
  context: FitContext,
  defaultMoms: readonly [number, number, number],
): OneCyclePlan {
  const { nGroups } = context;
  return {
    fit: planFit(where, nEpoch, o, context, undefined),
    lrMax: o.lrMax === undefined ? undefined : spreadLr(where, 'lrMax', o.lrMax, nGroups),
    div: o.div === undefined ? 25 : checkNumber(where, 'div', o.div, LR_RANGE),
    divFinal: o.divFinal === undefined ? 1e5 : checkNumber(where, 'divFinal', o.divFinal, LR_RANGE),
    pctStart: o.pctStart === undefined ? 0.25 : checkProbability(where, 'pctStart', o.pctStart),
    moms: o.moms === undefined ? checkMoms('learn', 'moms', defaultMoms) : checkMoms(where, 'moms', o.moms),
  };
}

/**
 * Accepts `method(n, value, options)` and `method(n, { key: value, ...options })`, and refuses
 * option keys the method does not know.
 */
export function mergeLeading(where: string, key: string, leading: unknown, options: unknown, known: readonly string[]): Record<string, unknown> {
  const rest = checkOptions(where, options, known);
  const isOptions = leading !== null && typeof leading === 'object' && !Array.isArray(leading) && !(leading instanceof Slice);
  if (isOptions) {
    if (Object.keys(rest).length > 0) throw new FasttuneError(`${where}: pass the options once, as the second or the third argument`, 'E_ARG');
    return { ...checkOptions(where, leading, known) };
  }
  if (leading !== undefined && rest[key] !== undefined) {
    throw new FasttuneError(`${where}: ${key} given twice (as an argument and in the options)`, 'E_ARG');
  }
  return leading === undefined ? { ...rest } : { ...rest, [key]: leading };
}

function checkResume(where: string, o: Record<string, unknown>): string | undefined {
  if (o.resume === undefined) return undefined;
  const name = checkString(where, 'resume', o.resume);
  if (o.startEpoch !== undefined || o.resetOpt === true) {
    throw new FasttuneError(`${where}: resume takes its start and optimizer state from the checkpoint; leave startEpoch and resetOpt out`, 'E_ARG');
  }
  return name;
}
