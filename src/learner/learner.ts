// The Learner: ties data, model, loss, optimizer hyper-parameters and callbacks together and runs
// fastai's training loop. Each batch is one native call; epochs, events, schedules, recording and
// the LR finder live here. Options and their checks are in options.ts, fit planning in fit-plan.ts.
import { FasttuneError } from '../core/errors.js';
import {
  checkBoolean,
  checkFunction,
  checkInteger,
  checkNumber,
  checkOptions,
  checkProbability,
  checkString,
  invalidParameterError,
} from '../core/validate.js';
import type { Batch, DataLoader, DataLoaders } from '../data/loader-contract.js';
import type { GroupHypers, LossSpec, ModelCore } from '../model/types.js';
import {
  CancelBatchError,
  CancelEpochError,
  CancelError,
  CancelFitError,
  CancelTrainError,
  CancelValidError,
  callbackName,
  describeTrainingLoop,
  handles,
  sortCallbacks,
  type Callback,
  type EventName,
} from './callback.js';
import { joinRun, silentOutput, type ParallelRun } from './distributed.js';
import { exportLearner } from './export.js';
import { mergeLeading, planFit, planOneCycle, spreadLr, spreadWd, type FitContext, type FitPlan, type OneCyclePlan } from './fit-plan.js';
import { slice, type HyperValue } from './hypers.js';
import {
  getPreds,
  predict,
  predictBatch,
  showResults,
  tta,
  type GetPredsOptions,
  type Prediction,
  type PredictBatchOptions,
  type ShowResultsOptions,
  type TtaOptions,
  type TtaResult,
} from './inference.js';
import { checkLoss, checkLossFitsTargets, defaultLoss } from './loss.js';
import { LRFinder } from './lr-finder.js';
import { checkMetrics, type Metric } from './metrics.js';
import { adam, checkOptimizer, type OptimizerSpec } from './optimizer.js';
import {
  DEFAULT_MOMS,
  FIT_KEYS,
  LEARNER_OPTION_KEYS,
  checkCallbacks,
  checkDataLoaders,
  checkModel,
  checkMoms,
  checkOutput,
  checkSignal,
  type FineTuneOptions,
  type FitFlatCosOptions,
  type FitSgdrOptions,
  type FitOneCycleOptions,
  type FitOptions,
  type LearnerOptions,
  type LrFindOptions,
} from './options.js';
import { ParamScheduler } from './param-scheduler.js';
import { checkpointFrozenTo, loadState, loadStateWithResumePoint, saveState, type LoadOptions, type ResumePoint, type SaveOptions } from './persistence.js';
import type { Predictions } from './predictions.js';
import type { BatchStep, LearnerState, ProgressMode, ProgressOutput } from './learner-state.js';
import { ProgressCallback, checkProgressMode } from './progress.js';
import { Recorder, type ValidationResult } from './recorder.js';
import { combineScheds, combinedCos, schedCos } from './schedule.js';
import { SUGGESTION_NAMES, suggestLearningRates, type SuggestionName } from './suggestions.js';
import { TerminateOnNaNCallback } from './terminate-on-nan.js';
import { TrainEvalCallback } from './train-eval.js';
import type { ImageInput } from '../data/decode-image.js';

/** How each phase of the loop is announced and which exception cancels it. */
const PHASES = {
  fit: { before: 'beforeFit', afterCancel: 'afterCancelFit', after: 'afterFit', Cancel: CancelFitError },
  epoch: { before: 'beforeEpoch', afterCancel: 'afterCancelEpoch', after: 'afterEpoch', Cancel: CancelEpochError },
  train: { before: 'beforeTrain', afterCancel: 'afterCancelTrain', after: 'afterTrain', Cancel: CancelTrainError },
  validate: { before: 'beforeValidate', afterCancel: 'afterCancelValidate', after: 'afterValidate', Cancel: CancelValidError },
  batch: { before: 'beforeBatch', afterCancel: 'afterCancelBatch', after: 'afterBatch', Cancel: CancelBatchError },
} as const satisfies Record<string, { before: EventName; afterCancel: EventName; after: EventName; Cancel: typeof CancelError }>;

/**
 * Trains a {@link ModelCore} on {@link DataLoaders} the fastai way.
 *
 * The Learner assumes the model starts with every group trainable; `freeze()` / `freezeTo()`
 * change that (and clear the optimizer state). Per-group hyper-parameters (`learn.hypers`) are
 * created on the first fit and persist across fits, like fastai's optimizer.
 *
 * @example
 * const learn = new Learner(dls, model, { metrics: [errorRate] });
 * await learn.fitOneCycle(3, 3e-3);
 * learn.unfreeze();
 * const { valley } = await learn.lrFind();
 * await learn.fitOneCycle(6, { lrMax: slice(valley / 10, valley) });
 */
export class Learner implements LearnerState {
  #dls: DataLoaders;
  readonly model: ModelCore;
  readonly lossFunc: LossSpec;
  readonly metrics: readonly Metric[];
  readonly optimizer: OptimizerSpec;
  readonly wdBnBias: boolean;
  readonly trainBn: boolean;
  readonly path: string;
  readonly modelDir: string;
  lr: number;
  wd: HyperValue | undefined;
  moms: readonly [number, number, number];
  /** Where the results table and progress are written. */
  output: ProgressOutput;
  readonly recorder: Recorder;

  /** Per-group optimizer hyper-parameters; undefined until the first fit creates them. */
  hypers: GroupHypers[] | undefined;
  /** Groups below this index are frozen. */
  frozenTo = 0;

  // Loop state, read (and some written) by callbacks.
  /** Epochs of the current fit. */
  nEpoch = 0;
  /** Current epoch (0-based). */
  epoch = 0;
  /** The loader being iterated. */
  dl: DataLoader | undefined;
  /** Batches in the current loader. */
  nIter = 0;
  /** Index of the current batch in its loader. */
  iter = 0;
  /** Training batches done in this fit (kept by TrainEvalCallback). */
  trainIter = 0;
  /** Training position in [0, 1), what schedules read (kept by TrainEvalCallback). */
  pctTrain = 0;
  /** True in the training phase, false in validation. */
  training = false;
  /** The current batch. */
  batch: Batch | undefined;
  /** Loss of the current batch. */
  loss = Number.NaN;
  /** Logits of the current validation batch (n × nOut); undefined in training. */
  pred: Float32Array | undefined;
  /** Smoothed training loss (kept by the Recorder). */
  smoothLoss = Number.NaN;
  /** The running LR finder during `lrFind`, else undefined (trackers stay idle while it is set). */
  lrFinder: LRFinder | undefined;
  /** True while a fit runs (not during a bare `validate`). */
  inFit = false;
  /** Training batches the current epoch skips because a resumed fit starts after them (else 0). */
  resumeIter = 0;
  /**
   * What the current training batch does with its gradients, reset before each batch and set by
   * callbacks in `beforeBatch` (GradientAccumulation, GradientClip, MixUp, CutMix): `accumulate`
   * runs forward and backward without an optimizer step, `lossFactor` scales the loss before
   * backward, `clipNorm` > 0 clips the global gradient norm before the step, `mix` mixes the
   * batch's images and targets in the step.
   */
  step: BatchStep = { accumulate: false, lossFactor: 1, clipNorm: 0, mix: undefined };

  /** The data-parallel run inside {@link distributed}, else undefined. */
  parallel: ParallelRun | undefined;

  private callbacks: Callback[] = [];
  private progressMode: ProgressMode = 'auto';
  private busy = false;
  private signal: AbortSignal | undefined;

  constructor(dls: DataLoaders, model: ModelCore, options: LearnerOptions = {}) {
    this.#dls = checkDataLoaders('Learner', dls);
    this.model = checkModel('Learner', model, dls);
    const o = checkOptions('Learner', options, LEARNER_OPTION_KEYS);
    this.lossFunc = o.lossFunc === undefined ? defaultLoss(dls.targetKind) : checkLoss('Learner', 'lossFunc', o.lossFunc);
    checkLossFitsTargets('Learner', this.lossFunc, dls.targetKind);
    this.metrics = checkMetrics('Learner', 'metrics', o.metrics, model.nOut);
    this.lr = o.lr === undefined ? 1e-3 : checkNumber('Learner', 'lr', o.lr, { min: 0, minOpen: true });
    if (o.wd !== undefined) spreadWd('Learner', 'wd', o.wd, model.nGroups);
    this.wd = o.wd as HyperValue | undefined;
    this.moms = o.moms === undefined ? DEFAULT_MOMS : checkMoms('Learner', 'moms', o.moms);
    this.optimizer = o.optimizer === undefined ? adam() : checkOptimizer('Learner', 'optimizer', o.optimizer);
    this.wdBnBias = o.wdBnBias === undefined ? false : checkBoolean('Learner', 'wdBnBias', o.wdBnBias);
    this.trainBn = o.trainBn === undefined ? true : checkBoolean('Learner', 'trainBn', o.trainBn);
    this.path = o.path === undefined ? '.' : checkString('Learner', 'path', o.path);
    this.modelDir = o.modelDir === undefined ? 'models' : checkString('Learner', 'modelDir', o.modelDir);
    if (o.progress !== undefined) this.progressMode = checkProgressMode('Learner', 'progress', o.progress);
    this.output = o.output === undefined ? process.stdout : checkOutput('Learner', 'output', o.output);
    this.configureModel(o);

    this.recorder = new Recorder();
    this.addCbs([new TrainEvalCallback(), new TerminateOnNaNCallback(), this.recorder, new ProgressCallback()]);
    this.addCbs(checkCallbacks('Learner', 'cbs', o.cbs));
  }

  /** The data the Learner trains on. */
  get dls(): DataLoaders {
    return this.#dls;
  }

  /**
   * New data for the same model, as fastai's `learn.dls = …`: progressive resizing trains on small
   * images first, then on larger ones (`learn.dls = await ImageDataLoaders.fromFolder(path, { itemTfms:
   * Resize(224) })`), keeping weights and optimizer state. The new data must have the same
   * outputs (classes or values) and target kind; refused while a fit runs.
   */
  set dls(value: DataLoaders) {
    if (this.busy) throw new FasttuneError('learn.dls cannot change while a fit, lrFind or validate runs', 'E_BUSY');
    const dls = checkDataLoaders('learn.dls', value);
    checkModel('learn.dls', this.model, dls);
    if ((dls.targetKind ?? 'category') !== (this.#dls.targetKind ?? 'category')) {
      throw new FasttuneError(
        `learn.dls: the new data's targets are '${dls.targetKind ?? 'category'}', the Learner's '${this.#dls.targetKind ?? 'category'}'`,
        'E_ARG',
      );
    }
    this.#dls = dls;
  }

  /** Progress display: 'auto', 'bar', 'lines', true (= 'auto') or false (silent). */
  get progress(): ProgressMode {
    return this.progressMode;
  }

  set progress(mode: ProgressMode) {
    this.progressMode = checkProgressMode('learn.progress', 'mode', mode);
  }

  /** The callbacks, in the order they run. */
  get cbs(): readonly Callback[] {
    return this.callbacks;
  }

  /** Adds a callback for every following fit. */
  addCb(cb: Callback): this {
    this.callbacks = sortCallbacks([...this.callbacks, ...checkCallbacks('addCb', 'cb', cb)]);
    return this;
  }

  addCbs(cbs: readonly Callback[]): this {
    this.callbacks = sortCallbacks([...this.callbacks, ...checkCallbacks('addCbs', 'cbs', cbs)]);
    return this;
  }

  /** Removes a callback, given itself or its name. */
  removeCb(cb: Callback | string): this {
    const before = this.callbacks.length;
    this.callbacks = this.callbacks.filter((c) => (typeof cb === 'string' ? callbackName(c) !== cb : c !== cb));
    if (this.callbacks.length === before) {
      throw new FasttuneError(`removeCb: no callback ${typeof cb === 'string' ? `named '${cb}'` : callbackName(cb)} on this Learner`, 'E_ARG');
    }
    return this;
  }

  /** The training loop's phases and events with the callbacks that run at each; also printed. */
  showTrainingLoop(): string {
    const text = describeTrainingLoop(this.callbacks);
    this.output.write(`${text}\n`);
    return text;
  }

  /** Freezes the groups below `n` (negative counts from the end); clears the optimizer state. */
  freezeTo(n: number): void {
    const nGroups = this.model.nGroups;
    checkInteger('freezeTo', 'n', n);
    let frozen = n < 0 ? Math.max(nGroups + n, 0) : n;
    if (frozen > nGroups) {
      process.emitWarning(`freezeTo(${n}): the model has ${nGroups} parameter groups; freezing all of them`, { code: 'FASTTUNE_FREEZE' });
      frozen = nGroups;
    }
    this.model.freezeTo(frozen);
    this.frozenTo = frozen;
  }

  /** Trains only the last group (the head), plus BatchNorm when trainBn. */
  freeze(): void {
    this.freezeTo(-1);
  }

  /** Trains every group. */
  unfreeze(): void {
    this.freezeTo(0);
  }

  /**
   * Trains for `nEpoch` epochs at learning rate `lr` (default `learn.lr`) on every group, unless
   * a callback schedules it.
   */
  async fit(nEpoch: number, lr?: HyperValue, options: FitOptions = {}): Promise<void> {
    const o = checkOptions('fit', options, FIT_KEYS);
    const plan = planFit('fit', nEpoch, o, this.fitContext(), lr === undefined ? undefined : spreadLr('fit', 'lr', lr, this.model.nGroups));
    await this.exclusive(() => this.runFit(plan));
  }

  /**
   * The 1cycle policy: lr warms up from lrMax/div to lrMax over `pctStart` of the steps (cosine),
   * then anneals to lrMax/divFinal, while momentum goes the opposite way.
   *
   * @example
   * await learn.fitOneCycle(3, 3e-3);
   * await learn.fitOneCycle(6, { lrMax: slice(1e-6, 1e-4) });
   */
  async fitOneCycle(nEpoch: number, lrMax?: HyperValue | FitOneCycleOptions, options: FitOneCycleOptions = {}): Promise<void> {
    const o = mergeLeading('fitOneCycle', 'lrMax', lrMax, options, [...FIT_KEYS, 'lrMax', 'div', 'divFinal', 'pctStart', 'moms']);
    const cycle = planOneCycle('fitOneCycle', nEpoch, o, this.fitContext(), this.moms);
    await this.exclusive(() => this.runOneCycle(cycle));
  }

  /** Constant lr for `pctStart` of the steps, then a cosine down to lr/divFinal; momentum not scheduled. */
  async fitFlatCos(nEpoch: number, lr?: HyperValue | FitFlatCosOptions, options: FitFlatCosOptions = {}): Promise<void> {
    const o = mergeLeading('fitFlatCos', 'lr', lr, options, [...FIT_KEYS, 'lr', 'divFinal', 'pctStart']);
    const plan = planFit('fitFlatCos', nEpoch, o, this.fitContext(), undefined);
    const lrs = o.lr === undefined ? undefined : spreadLr('fitFlatCos', 'lr', o.lr, this.model.nGroups);
    const divFinal = o.divFinal === undefined ? 1e5 : checkNumber('fitFlatCos', 'divFinal', o.divFinal, { min: 0, minOpen: true });
    const pct = o.pctStart === undefined ? 0.75 : checkProbability('fitFlatCos', 'pctStart', o.pctStart);
    await this.exclusive(async () => {
      const flat = this.setLr(lrs ?? this.defaultLrs());
      const sched = new ParamScheduler({ lr: flat.map((v) => combinedCos(pct, v, v, v / divFinal)) });
      await this.runFit({ ...plan, cbs: [sched, ...plan.cbs] });
    });
  }

  /**
   * fastai's SGDR (warm restarts): `nCycles` cycles, the i-th `cycleLen · cycleMult^i` epochs long,
   * each a cosine from lrMax down to 0; `cycleLen · (cycleMult^nCycles − 1) / (cycleMult − 1)`
   * epochs in all (`nCycles · cycleLen` when cycleMult is 1). Momentum is not scheduled.
   *
   * @example
   * await learn.fitSgdr(3, 1);   // 1 + 2 + 4 = 7 epochs
   */
  async fitSgdr(nCycles: number, cycleLen: number, lrMax?: HyperValue | FitSgdrOptions, options: FitSgdrOptions = {}): Promise<void> {
    const where = 'fitSgdr';
    const o = mergeLeading(where, 'lrMax', lrMax, options, [...FIT_KEYS, 'lrMax', 'cycleMult']);
    const cycles = checkInteger(where, 'nCycles', nCycles, { min: 1 });
    const length = checkInteger(where, 'cycleLen', cycleLen, { min: 1 });
    const mult = o.cycleMult === undefined ? 2 : checkInteger(where, 'cycleMult', o.cycleMult, { min: 1 });
    const nEpoch = mult === 1 ? cycles * length : Math.floor((length * (mult ** cycles - 1)) / (mult - 1));
    const plan = planFit(where, nEpoch, o, this.fitContext(), undefined);
    const lrs = o.lrMax === undefined ? undefined : spreadLr(where, 'lrMax', o.lrMax, this.model.nGroups);
    const pcts = Array.from({ length: cycles }, (_, i) => (length * mult ** i) / nEpoch);
    await this.exclusive(async () => {
      const peaks = this.setLr(lrs ?? this.defaultLrs());
      const lr = peaks.map((peak) =>
        combineScheds(
          pcts,
          pcts.map(() => (p: number) => schedCos(peak, 0, p)),
        ),
      );
      await this.runFit({ ...plan, cbs: [new ParamScheduler({ lr }), ...plan.cbs] });
    });
  }

  /**
   * fastai's transfer-learning recipe: `freezeEpochs` of 1cycle with the body frozen at
   * `slice(baseLr)` (pctStart 0.99), then halves baseLr, unfreezes and runs `epochs` of 1cycle at
   * `slice(baseLr/lrMult, baseLr)` with `pctStart` and `div`. Other options go to both phases;
   * each phase is its own fit (own table and Recorder history).
   */
  async fineTune(epochs: number, baseLr?: number | FineTuneOptions, options: FineTuneOptions = {}): Promise<void> {
    const o = mergeLeading('fineTune', 'baseLr', baseLr, options, [
      'wd',
      'cbs',
      'resetOpt',
      'signal',
      'freezeEpochs',
      'lrMult',
      'pctStart',
      'div',
      'divFinal',
      'moms',
      'baseLr',
      'resume',
    ]);
    let base = o.baseLr === undefined ? 2e-3 : checkNumber('fineTune', 'baseLr', o.baseLr, { min: 0, minOpen: true });
    const freezeEpochs = o.freezeEpochs === undefined ? 1 : checkInteger('fineTune', 'freezeEpochs', o.freezeEpochs, { min: 0 });
    const lrMult = o.lrMult === undefined ? 100 : checkNumber('fineTune', 'lrMult', o.lrMult, { min: 0, minOpen: true });
    // Options for both phases; `div` and `pctStart` only shape the unfrozen one (as in fastai).
    const shared = { wd: o.wd, cbs: o.cbs, resetOpt: o.resetOpt, signal: o.signal, divFinal: o.divFinal, moms: o.moms, resume: o.resume };
    // Both phases are planned (and so validated) before the first one starts.
    const frozenPhase = planOneCycle('fineTune', freezeEpochs, { ...shared, lrMax: slice(base), pctStart: 0.99 }, this.fitContext(), this.moms);
    base /= 2;
    const unfrozenPhase = planOneCycle(
      'fineTune',
      checkInteger('fineTune', 'epochs', epochs, { min: 0 }),
      { ...shared, lrMax: slice(base / lrMult, base), pctStart: o.pctStart ?? 0.3, div: o.div ?? 5 },
      this.fitContext(),
      this.moms,
    );
    const withoutResume = (plan: OneCyclePlan): OneCyclePlan => ({ ...plan, fit: { ...plan.fit, resume: undefined } });
    await this.exclusive(async () => {
      // A checkpoint saved with frozen groups was written in the frozen phase; else that phase is done.
      const frozenPhaseLeft = o.resume === undefined || (await checkpointFrozenTo(this, o.resume as string, 'fineTune')) > 0;
      if (frozenPhaseLeft) {
        this.freeze();
        await this.runOneCycle(frozenPhase);
      }
      this.unfreeze();
      await this.runOneCycle(o.resume !== undefined && frozenPhaseLeft ? withoutResume(unfrozenPhase) : unfrozenPhase);
    });
  }

  /**
   * Runs the validation set once: the loss and per-batch metrics batch-size weighted, accumulated
   * metrics on the whole set (NaN if a callback cancels the pass). Fires only the validation events; the Recorder's history is left as it is.
   */
  async validate({ signal }: { signal?: AbortSignal } = {}): Promise<ValidationResult> {
    const s = checkSignal('validate', 'signal', signal);
    return this.exclusive(async () => {
      this.signal = s;
      try {
        this.throwIfAborted();
        await this.runValidation();
      } catch (error) {
        throw error instanceof CancelFitError && error.cause !== undefined ? error.cause : error;
      } finally {
        this.signal = undefined;
      }
      const nan = Number.NaN;
      return this.recorder.lastValidation ?? { validLoss: nan, metrics: Object.fromEntries(this.metrics.map((m) => [m.name, nan])) };
    });
  }

  /**
   * The learning-rate range test: trains `numIt` batches with the lr growing exponentially from
   * `startLr` towards `endLr`, records the smoothed loss, stops early when it diverges, then
   * restores the weights, BatchNorm statistics, optimizer state and hyper-parameters. Returns the
   * suggestions asked for (NaN where the curve is too short for one); `recorder` keeps the curve
   * for `plotLrFind`.
   *
   * @example
   * const { valley, steep } = await learn.lrFind({ suggestFuncs: ['valley', 'steep'] });
   */
  async lrFind<N extends SuggestionName = 'valley'>(options: LrFindOptions<N> = {}): Promise<Record<N, number>> {
    const o = checkOptions('lrFind', options, ['startLr', 'endLr', 'numIt', 'stopDiv', 'suggestFuncs', 'signal']);
    const startLr = o.startLr === undefined ? 1e-7 : checkNumber('lrFind', 'startLr', o.startLr, { min: 0, minOpen: true });
    const endLr = o.endLr === undefined ? 10 : checkNumber('lrFind', 'endLr', o.endLr, { min: 0, minOpen: true });
    if (endLr <= startLr) throw invalidParameterError('lrFind', 'endLr', `a learning rate above startLr (${startLr})`, endLr);
    const numIt = Math.max(o.numIt === undefined ? 100 : checkInteger('lrFind', 'numIt', o.numIt, { min: 1 }), 6);
    const stopDiv = o.stopDiv === undefined ? true : checkBoolean('lrFind', 'stopDiv', o.stopDiv);
    const names = (o.suggestFuncs ?? ['valley']) as readonly N[];
    if (!Array.isArray(names) || names.some((n) => !SUGGESTION_NAMES.includes(n))) {
      throw invalidParameterError('lrFind', 'suggestFuncs', `a list of ${SUGGESTION_NAMES.map((n) => `'${n}'`).join(', ')}`, names);
    }
    const nBatches = this.dls.train.length;
    const plan = planFit('lrFind', nBatches === 0 ? 1 : Math.floor(numIt / nBatches) + 1, { signal: o.signal }, this.fitContext(), undefined);

    return this.exclusive(async () => {
      this.ensureOptimizer(false);
      const saved = (this.hypers as GroupHypers[]).map((h) => ({ ...h }));
      const progress = this.progressMode;
      const finder = new LRFinder({ startLr, endLr, numIt, stopDiv });
      await this.model.snapshot();
      this.progressMode = false;
      this.lrFinder = finder;
      try {
        await this.runFit({ ...plan, cbs: [finder] });
      } finally {
        this.lrFinder = undefined;
        this.progressMode = progress;
        this.hypers = saved;
        await this.model.restore();
      }
      const suggestions = suggestLearningRates(this.recorder.lrs, this.recorder.losses, numIt, names);
      this.recorder.lrFindSuggestions = suggestions;
      return Object.fromEntries(suggestions.map((s) => [s.name, s.lr])) as Record<N, number>;
    });
  }

  // ---- after training ---------------------------------------------------------------------------

  /**
   * fastai's `get_preds`: the model in eval mode over the validation set (default), the training
   * set (unshuffled, no drop-last, its own transforms) or any loader such as `dls.testDl(files)`,
   * in dataset order. Probabilities are the softmax of the logits unless `act` says otherwise;
   * `withDecoded` adds the argmax, `withLoss` the per-item loss (the model's loss, label smoothing
   * included). Runs no callbacks.
   *
   * @example
   * const { probs, targets, losses } = await learn.getPreds({ withLoss: true });
   */
  async getPreds(options: GetPredsOptions = {}): Promise<Predictions> {
    return getPreds(this, options);
  }

  /**
   * fastai's `predict`: one image (path, Buffer or sharp pipeline) through the validation item
   * transform and the validation resize of the batch transforms; the label, its index and the
   * probabilities.
   *
   * @example
   * const { label, probs } = await learn.predict('cat.jpg');
   */
  async predict(item: ImageInput): Promise<Prediction> {
    return predict(this, item);
  }

  /**
   * Several images (paths, Buffers or sharp pipelines) predicted together: decoded in parallel as
   * `predict` decodes one, then one eval step per decoded size. Each result is fulfilled with a
   * Prediction or rejected with why that item could not be read; the others are unaffected. A row
   * is bitwise what `getPreds` gives for the same images in one batch (see README, Serving).
   *
   * @example
   * const [a, b] = await learn.predictBatch([bufferA, bufferB]);
   * if (a.status === 'fulfilled') console.log(a.value.label);
   */
  async predictBatch(items: readonly ImageInput[], options: PredictBatchOptions = {}): Promise<PromiseSettledResult<Prediction>[]> {
    return predictBatch(this, items, options);
  }

  /**
   * fastai's `tta`: `n` passes with the training transforms (model in eval mode) averaged into A,
   * one with the validation transforms P; `probs` = (1 − beta)·A + beta·P, or the element-wise
   * maximum of all passes with `useMax`. A and P come back too.
   */
  async tta(options: TtaOptions = {}): Promise<TtaResult> {
    return tta(this, options);
  }

  /** A PNG grid of the first `maxN` items with their actual and predicted labels. Resolves to the file. */
  async showResults(file: string, options: ShowResultsOptions = {}): Promise<string> {
    return showResults(this, file, options);
  }

  /**
   * Writes the model and everything `loadLearner` needs to predict (architecture, classes, vocab,
   * normalization, validation transforms, loss) as one safetensors file, atomically.
   *
   * @example
   * await learn.export('pets.safetensors');
   * const inference = await loadLearner('pets.safetensors');
   */
  async export(path: string): Promise<string> {
    return this.onRankZero(() => exportLearner(this, path), path);
  }

  /**
   * Saves the model to `path/modelDir/name.safetensors` and, with `withOpt` (default), the
   * optimizer state, hyper-parameters, frozen groups, dropout generator and training loader epoch
   * for resuming. Resolves to the file written.
   */
  async save(name: string, options: SaveOptions = {}): Promise<string> {
    return this.onRankZero(() => saveState(this, name, options), name);
  }

  /**
   * Runs `run` as N data-parallel processes when the environment says so (the torchrun
   * variables RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT that `fasttune launch` sets), else as
   * it is: fastai's `with learn.distrib_ctx():`. Inside, the model is a replica whose gradients
   * PyTorch's c10d Reducer averages during backward, each process trains on its share of every
   * epoch (batch size per process), validation runs over the whole set on every rank, and only
   * rank 0 prints, saves and exports (the others wait for it). The model stays a replica of the
   * group afterwards: every later training step of every rank takes part in the all-reduce.
   *
   * @example
   * await learn.distributed(async () => { await learn.fineTune(2); });
   */
  async distributed<T>(run: () => Promise<T>): Promise<T> {
    checkFunction('distributed', 'run', run);
    if (this.parallel) throw new FasttuneError('distributed: already inside learn.distributed()', 'E_ARG');
    const joined = await joinRun(this.model, this.dls.train);
    if (!joined) return run();
    const { progressMode, output } = this;
    if (joined.group.rank !== 0) {
      this.progressMode = false;
      this.output = silentOutput;
    }
    this.parallel = joined;
    try {
      const result = await run();
      await joined.group.barrier();
      return result;
    } finally {
      this.parallel = undefined;
      this.progressMode = progressMode;
      this.output = output;
    }
  }

  /** Runs a write on rank 0 only; every rank waits until it is done. */
  private async onRankZero(write: () => Promise<string>, name: string): Promise<string> {
    if (!this.parallel) return write();
    const written = this.parallel.group.rank === 0 ? await write() : name;
    await this.parallel.group.barrier();
    return written;
  }

  /**
   * Loads what {@link save} wrote; with `withOpt` (default) also what resuming needs, so that
   * `fitOneCycle(n, { startEpoch })` continues exactly where the saved fit stopped.
   */
  async load(name: string, options: LoadOptions = {}): Promise<string> {
    return loadState(this, name, options);
  }

  // ---- the loop -------------------------------------------------------------------------------

  private async runFit(plan: FitPlan): Promise<void> {
    const added = plan.cbs.filter((cb) => !this.callbacks.includes(cb));
    this.addCbs(added);
    this.signal = plan.signal;
    try {
      this.throwIfAborted();
      const start = plan.resume === undefined ? { epoch: plan.startEpoch, iter: 0 } : await this.resumeFrom(plan.resume, plan.nEpoch);
      this.ensureOptimizer(plan.resetOpt);
      const wd = plan.wd ?? (this.wd === undefined ? undefined : spreadWd('learn', 'wd', this.wd, this.model.nGroups));
      if (wd) this.setHyper('wd', wd);
      this.setLr(plan.lr ?? this.defaultLrs());
      this.nEpoch = plan.nEpoch;
      this.epoch = 0;
      this.inFit = true;
      const cancelled = await this.phase('fit', async () => {
        for (let epoch = start.epoch; epoch < plan.nEpoch; epoch++) {
          this.epoch = epoch;
          this.resumeIter = epoch === start.epoch ? start.iter : 0;
          await this.phase('epoch', async () => {
            await this.runTraining();
            await this.runValidation();
          });
        }
      });
      if (cancelled?.cause !== undefined) throw cancelled.cause;
    } catch (error) {
      throw error instanceof CancelError && error.cause !== undefined ? error.cause : error;
    } finally {
      this.inFit = false;
      this.resumeIter = 0;
      this.signal = undefined;
      for (const cb of added) this.callbacks = this.callbacks.filter((c) => c !== cb);
    }
  }

  private async runTraining(): Promise<void> {
    this.dl = this.parallel?.train ?? this.dls.train;
    this.nIter = this.dl.length;
    this.training = true;
    await this.phase('train', () => this.allBatches());
  }

  private async runValidation(): Promise<void> {
    this.dl = this.dls.valid;
    this.training = false;
    await this.phase('validate', () => this.allBatches());
  }

  /** Loads a checkpoint of an interrupted fit; returns where this fit starts. */
  private async resumeFrom(name: string, nEpoch: number): Promise<{ epoch: number; iter: number }> {
    const { path, resumePoint } = await loadStateWithResumePoint(this, name, {}, { where: 'resume', needResumePoint: true });
    const point = resumePoint as ResumePoint;
    if (point.nEpoch !== nEpoch) {
      throw new FasttuneError(`resume: ${path} was saved by a fit of ${point.nEpoch} epochs; this one has ${nEpoch}. Resume with the same fit call`, 'E_ARG');
    }
    if (point.loaderEpoch !== null && this.dls.train.epoch !== undefined) this.dls.train.epoch = point.loaderEpoch;
    return { epoch: point.epoch, iter: point.iter };
  }

  private async allBatches(): Promise<void> {
    const dl = this.dl as DataLoader;
    this.nIter = dl.length;
    // A resumed epoch draws the same batches as the interrupted one and skips those already trained.
    const skip = this.training ? this.resumeIter : 0;
    let i = 0;
    for await (const batch of dl) {
      if (i < skip) {
        i++;
        continue;
      }
      this.throwIfAborted();
      this.iter = i++;
      this.batch = batch;
      this.step = { accumulate: false, lossFactor: 1, clipNorm: 0, mix: undefined };
      await this.phase('batch', () => this.oneBatch(batch));
    }
  }

  private async oneBatch(batch: Batch): Promise<void> {
    if (this.training) {
      const hypers = (this.hypers as GroupHypers[]).map((h) => ({ ...h }));
      this.pred = undefined;
      const { accumulate, lossFactor, clipNorm, mix } = this.step;
      const mixed = mix ? { ...batch, mix } : batch;
      if (!accumulate) {
        this.loss = await this.model.trainStep(mixed, hypers, lossFactor === 1 && clipNorm === 0 ? undefined : { lossFactor, clipNorm });
        return;
      }
      if (!this.model.accumulateStep) throw new FasttuneError('gradient accumulation needs a model with accumulateStep() (a VisionModel has it)', 'E_ARG');
      this.loss = await this.model.accumulateStep(mixed, lossFactor);
      return;
    }
    const { loss, logits } = await this.model.evalStep(batch);
    if (logits.length !== batch.labels.length * this.model.nOut) {
      throw new FasttuneError(`evalStep returned ${logits.length} logits for ${batch.labels.length} items of ${this.model.nOut} classes`, 'E_NATIVE');
    }
    this.loss = loss;
    this.pred = logits;
  }

  /**
   * Runs `body` between the phase's `before` and `after` events. Its Cancel exception (thrown by
   * the body or the `before` event) skips to `afterCancel` and is returned; others propagate.
   */
  private async phase(kind: keyof typeof PHASES, body: () => Promise<void>): Promise<CancelError | undefined> {
    const { before, afterCancel, after, Cancel } = PHASES[kind];
    let cancelled: CancelError | undefined;
    try {
      await this.event(before);
      await body();
    } catch (error) {
      if (!(error instanceof Cancel)) throw error;
      cancelled = error;
      await this.event(afterCancel);
    }
    await this.event(after);
    return cancelled;
  }

  /** Calls `event` on every callback that handles it, in order. */
  private async event(event: EventName): Promise<void> {
    for (const cb of this.callbacks) {
      if (!handles(cb, event, this.training)) continue;
      try {
        await (cb[event] as (learn: Learner) => unknown)(this);
      } catch (error) {
        if (error instanceof CancelError) throw error;
        if (error instanceof Error && !error.message.startsWith('in callback ')) {
          error.message = `in callback ${callbackName(cb)}.${event}: ${error.message}`;
        }
        throw error;
      }
    }
  }

  private throwIfAborted(): void {
    if (this.signal?.aborted) throw new CancelFitError('aborted', { cause: this.signal.reason });
  }

  // ---- fit schedules ---------------------------------------------------------------------------

  private async runOneCycle({ fit, lrMax, div, divFinal, pctStart, moms }: OneCyclePlan): Promise<void> {
    const peaks = this.setLr(lrMax ?? this.defaultLrs());
    const [m0, m1, m2] = moms;
    const sched = new ParamScheduler({
      lr: peaks.map((peak) => combinedCos(pctStart, peak / div, peak, peak / divFinal)),
      mom: combinedCos(pctStart, m0, m1, m2),
    });
    await this.runFit({ ...fit, cbs: [sched, ...fit.cbs] });
  }

  private fitContext(): FitContext {
    return { nGroups: this.model.nGroups, trainBatches: this.dls.train.length };
  }

  /** `learn.lr` (a public field a user may have changed) spread over the groups. */
  private defaultLrs(): number[] {
    return spreadLr('learn', 'lr', this.lr, this.model.nGroups);
  }

  // ---- optimizer hyper-parameters -------------------------------------------------------------

  /** Creates the per-group hyper-parameters on first use; `reset` also clears the model's optimizer state. */
  private ensureOptimizer(reset: boolean): GroupHypers[] {
    if (this.hypers && !reset) return this.hypers;
    // Re-applying the current freeze clears the native optimizer state (ModelCore contract).
    if (this.hypers) this.model.freezeTo(this.frozenTo);
    this.hypers = Array.from({ length: this.model.nGroups }, () => ({ lr: this.lr, ...this.optimizer.defaults }));
    return this.hypers;
  }

  /** Writes one learning rate per group (creating the hyper-parameters if needed); returns them. */
  private setLr(lrs: number[]): number[] {
    this.setHyper('lr', lrs);
    return lrs;
  }

  private setHyper(name: keyof GroupHypers, values: number[]): void {
    this.ensureOptimizer(false).forEach((group, g) => {
      group[name] = values[g] as number;
    });
  }

  private configureModel(o: LearnerOptions): void {
    const settings = { loss: this.lossFunc, optimizer: this.optimizer.kind, wdBnBias: this.wdBnBias, trainBn: this.trainBn };
    if (this.model.configure) {
      this.model.configure(settings);
      return;
    }
    const plain = this.lossFunc.kind === 'crossEntropy' && this.lossFunc.labelSmoothing === 0 && !this.lossFunc.weight;
    const custom = (o.lossFunc !== undefined && !plain) || this.optimizer.kind !== 'adam' || this.wdBnBias || !this.trainBn;
    if (custom) {
      throw new FasttuneError(
        'Learner: this model takes no settings (no configure()); leave lossFunc, optimizer, wdBnBias and trainBn at their defaults',
        'E_ARG',
      );
    }
  }

  /** One fit, one lrFind or one validate at a time, and none once the model is disposed. */
  private async exclusive<T>(run: () => Promise<T>): Promise<T> {
    if (this.model.disposed) throw new FasttuneError('this Learner was disposed (its model is freed); build a new one to train', 'E_DISPOSED');
    if (this.busy) throw new FasttuneError('this Learner is already running a fit, lrFind or validate; await it first', 'E_BUSY');
    this.busy = true;
    try {
      return await run();
    } finally {
      this.busy = false;
    }
  }
}
