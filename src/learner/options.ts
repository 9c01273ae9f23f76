// The Learner's options and their checks: what a user passes to the constructor and to each fit.
import { FasttuneError } from '../core/errors.js';
import { checkInteger, invalidParameterError } from '../core/validate.js';
import type { DataLoader, DataLoaders } from '../data/loader-contract.js';
import type { LossSpec, ModelCore } from '../model/types.js';
import type { Callback } from './callback.js';
import type { HyperValue } from './hypers.js';
import type { Metric } from './metrics.js';
import type { OptimizerSpec } from './optimizer.js';
import type { ProgressMode, ProgressOutput } from './learner-state.js';
import type { SuggestionName } from './suggestions.js';

/** Options of the {@link Learner} constructor; defaults are fastai's. */
export interface LearnerOptions {
  /** The loss the model computes (default `crossEntropyLossFlat()`). */
  lossFunc?: LossSpec;
  /** Metrics computed on the validation set after every epoch (default none). */
  metrics?: Metric | readonly Metric[];
  /** Default learning rate of `fit` and peak of `fitOneCycle` (default 1e-3). */
  lr?: number;
  /** Weight decay for every fit (default: the optimizer's, 0.01 for Adam). */
  wd?: HyperValue;
  /** Apply weight decay to BatchNorm and bias parameters too (default false). */
  wdBnBias?: boolean;
  /** Keep BatchNorm parameters of frozen groups trainable (default true). */
  trainBn?: boolean;
  /** Momentum start, middle and end of `fitOneCycle` (default [0.95, 0.85, 0.95]). */
  moms?: readonly [number, number, number];
  /** Default `adam()` (fastai's Adam: sqrMom 0.99, eps 1e-5, wd 0.01). */
  optimizer?: OptimizerSpec;
  /** Extra callbacks kept for every fit. */
  cbs?: Callback | readonly Callback[];
  /** Working folder (default '.'). */
  path?: string;
  /** Folder under `path` for saved models (default 'models'). */
  modelDir?: string;
  /** Progress display (default 'auto'); `false` for silence. */
  progress?: ProgressMode;
  /** Where the table and progress go (default `process.stdout`). */
  output?: ProgressOutput;
}

/** Options shared by every fit method. */
export interface FitOptions {
  /** Weight decay for this fit (default: the Learner's, else the optimizer's). */
  wd?: HyperValue;
  /** Callbacks added for this fit only. */
  cbs?: Callback | readonly Callback[];
  /** Start from a fresh optimizer: default hyper-parameters and no state (default false). */
  resetOpt?: boolean;
  /** Skip the epochs before this one (to resume a schedule; default 0). */
  startEpoch?: number;
  /** Aborting stops the fit between batches; the fit then rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * A checkpoint written by {@link SaveOnInterruptCallback} (its name under `path/modelDir`, or a
   * path): loads it and continues from the batch after the one it was saved at. Give the same
   * fit call (epochs, learning rates, options) as the interrupted one.
   */
  resume?: string;
}

/** Options of `learn.fitOneCycle`; defaults are fastai's `fit_one_cycle`. */
export interface FitOneCycleOptions extends FitOptions {
  /** Peak learning rate: a number, `slice(hi)`, `slice(lo, hi)` or one per group (default `learn.lr`). */
  lrMax?: HyperValue;
  /** The schedule starts at lrMax/div (default 25). */
  div?: number;
  /** And ends near lrMax/divFinal (default 1e5). */
  divFinal?: number;
  /** Fraction of the steps spent warming up (default 0.25). */
  pctStart?: number;
  /** Momentum start, middle, end (default the Learner's moms). */
  moms?: readonly [number, number, number];
}

/** Options of `learn.fitSgdr`; defaults are fastai's `fit_sgdr`. */
export interface FitSgdrOptions extends FitOptions {
  /** Peak learning rate of every cycle (default `learn.lr`). */
  lrMax?: HyperValue;
  /** Each cycle lasts this many times the one before (default 2). */
  cycleMult?: number;
}

/** Options of `learn.fitFlatCos`; defaults are fastai's `fit_flat_cos`. */
export interface FitFlatCosOptions extends FitOptions {
  /** Learning rate of the flat part (default `learn.lr`). */
  lr?: HyperValue;
  /** The cosine ends near lr/divFinal (default 1e5). */
  divFinal?: number;
  /** Fraction of the steps at the flat rate (default 0.75). */
  pctStart?: number;
}

/** Options of `learn.fineTune`; defaults are fastai's `fine_tune`. */
export interface FineTuneOptions extends Omit<FitOneCycleOptions, 'lrMax' | 'startEpoch' | 'resume'> {
  /**
   * A checkpoint written by {@link SaveOnInterruptCallback} during this same `fineTune` call: a
   * checkpoint with frozen groups resumes the frozen phase, any other the unfrozen one.
   */
  resume?: string;
  /** Epochs with the body frozen (default 1). */
  freezeEpochs?: number;
  /** The first group's peak is baseLr/2/lrMult in the unfrozen phase (default 100). */
  lrMult?: number;
  /** Base learning rate (default 2e-3). */
  baseLr?: number;
}

/** Options of `learn.lrFind`; `N` are the suggestions asked for. */
export interface LrFindOptions<N extends SuggestionName> {
  /** Default 1e-7. */
  startLr?: number;
  /** Default 10 (never reached: the last batch uses startLr·(endLr/startLr)^((numIt−1)/numIt)). */
  endLr?: number;
  /** Number of batches (default 100; at least 6). */
  numIt?: number;
  /** Stop when the smoothed loss exceeds 4× its minimum (default true). */
  stopDiv?: boolean;
  /** Which suggestions to compute (default ['valley']). */
  suggestFuncs?: readonly N[];
  signal?: AbortSignal;
}

/** The keys every fit method takes. */
export const FIT_KEYS = ['wd', 'cbs', 'resetOpt', 'startEpoch', 'signal', 'resume'] as const;
export const LEARNER_OPTION_KEYS = [
  'lossFunc',
  'metrics',
  'lr',
  'wd',
  'wdBnBias',
  'trainBn',
  'moms',
  'optimizer',
  'cbs',
  'path',
  'modelDir',
  'progress',
  'output',
] as const;
export const DEFAULT_MOMS: readonly [number, number, number] = [0.95, 0.85, 0.95];

/** Momentums (start, middle, end) of a one-cycle schedule, each in [0, 1). */
export function checkMoms(where: string, name: string, value: unknown): [number, number, number] {
  const ok = Array.isArray(value) && value.length === 3 && value.every((m) => typeof m === 'number' && m >= 0 && m < 1);
  if (!ok) throw invalidParameterError(where, name, 'three momentums in [0, 1), e.g. [0.95, 0.85, 0.95]', value);
  return [value[0], value[1], value[2]] as [number, number, number];
}

export function checkCallbacks(where: string, name: string, cbs: unknown): Callback[] {
  if (cbs === undefined) return [];
  const list = Array.isArray(cbs) ? cbs : [cbs];
  list.forEach((cb, i) => {
    const entry = Array.isArray(cbs) ? `${name}[${i}]` : name;
    if (cb === null || typeof cb !== 'object') throw invalidParameterError(where, entry, 'a callback object', cb);
    if ((cb as Callback).order !== undefined && typeof (cb as Callback).order !== 'number') {
      throw invalidParameterError(where, `${entry}.order`, 'a number', (cb as Callback).order);
    }
  });
  return list as Callback[];
}

export function checkSignal(where: string, name: string, signal: unknown): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  if (!(signal instanceof AbortSignal)) throw invalidParameterError(where, name, 'an AbortSignal', signal);
  return signal;
}

export function checkOutput(where: string, name: string, output: unknown): ProgressOutput {
  if (output === null || typeof output !== 'object' || typeof (output as ProgressOutput).write !== 'function') {
    throw invalidParameterError(where, name, 'a stream-like object with write(text)', output);
  }
  return output as ProgressOutput;
}

function checkLoader(where: string, name: string, dl: unknown): void {
  const ok =
    dl !== null && typeof dl === 'object' && Number.isInteger((dl as DataLoader).length) && typeof (dl as DataLoader)[Symbol.asyncIterator] === 'function';
  if (!ok) throw invalidParameterError(where, name, 'a DataLoader (async iterable of batches with a length)', dl);
}

/** The Learner's data: two loaders and the number of classes. */
export function checkDataLoaders(where: string, dls: unknown): DataLoaders {
  if (dls === null || typeof dls !== 'object') throw invalidParameterError(where, 'dls', 'DataLoaders', dls);
  checkLoader(where, 'dls.train', (dls as DataLoaders).train);
  checkLoader(where, 'dls.valid', (dls as DataLoaders).valid);
  checkInteger(where, 'dls.c', (dls as DataLoaders).c, { min: 1 });
  return dls as DataLoaders;
}

const MODEL_METHODS = ['freezeTo', 'trainStep', 'evalStep', 'snapshot', 'restore'] as const;

/** The Learner's model: what {@link ModelCore} requires, with as many outputs as the data has classes. */
export function checkModel(where: string, model: unknown, dls: DataLoaders): ModelCore {
  const m = model as ModelCore;
  if (model === null || typeof model !== 'object' || MODEL_METHODS.some((k) => typeof m[k] !== 'function')) {
    throw invalidParameterError(where, 'model', `a ModelCore (with ${MODEL_METHODS.join(', ')})`, model);
  }
  checkInteger(where, 'model.nGroups', m.nGroups, { min: 1 });
  checkInteger(where, 'model.nOut', m.nOut, { min: 1 });
  if (dls.c !== m.nOut) throw new FasttuneError(`${where}: the data has ${dls.c} classes but the model has ${m.nOut} outputs`, 'E_ARG');
  return m;
}
