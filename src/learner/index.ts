// Public surface of the training layer.
export { Learner, type LearnerOptions, type FitOptions, type FitOneCycleOptions, type FitFlatCosOptions, type FineTuneOptions, type LrFindOptions } from './learner.js';
export {
  CancelError,
  CancelBatchError,
  CancelTrainError,
  CancelValidError,
  CancelEpochError,
  CancelFitError,
  EVENTS,
  type Callback,
  type EventName,
  type EventHandler,
} from './callback.js';
export { slice, Slice, type HyperValue } from './hypers.js';
export { schedLin, schedCos, schedExp, schedNo, schedPoly, combineScheds, combinedCos, type Schedule } from './schedule.js';
export { ParamScheduler, type HyperName, type HyperSchedules } from './param-scheduler.js';
export { Recorder, type ValidationResult } from './recorder.js';
export { ProgressCallback, type ProgressMode, type ProgressOutput } from './progress.js';
export { TrainEvalCallback } from './train-eval.js';
export { TerminateOnNaNCallback } from './terminate-on-nan.js';
export { TrackerCallback, EarlyStoppingCallback, SaveModelCallback, type Comparison, type TrackerOptions, type EarlyStoppingOptions, type SaveModelOptions } from './trackers.js';
export { softmax, crossEntropyPerItem, type Activation, type Predictions } from './predictions.js';
export { combineTta, type TtaCombineOptions, type TtaCombined } from './tta.js';
export type { DatasetChoice, GetPredsOptions, Prediction, TtaOptions, TtaResult, ShowResultsOptions } from './inference.js';
export type { SaveOptions, LoadOptions, ResumePoint } from './persistence.js';
export { SaveOnInterruptCallback, FitInterruptedError, INTERRUPTED_EXIT_CODE, type SaveOnInterruptOptions } from './interrupt.js';
export { LRFinder, type LRFinderOptions } from './lr-finder.js';
export { accuracy, errorRate, topKAccuracy, metric, type Metric } from './metrics.js';
export { crossEntropyLossFlat, labelSmoothingCrossEntropy, type LossSpec } from './loss.js';
export { adam, sgd, type OptimizerSpec } from './optimizer.js';
export {
  suggestValley,
  suggestSlide,
  suggestMinimum,
  suggestSteep,
  suggestLearningRates,
  type Suggestion,
  type SuggestionName,
} from './suggestions.js';
export { formatTime } from './table.js';
export type { LossPlotOptions, LrFindPlotOptions } from '../plot/charts.js';
