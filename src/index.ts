// fasttune's public API, name by name. Anything not listed here is internal; the list is pinned by
// test/unit/public-surface.test.ts.

// Errors and the native runtime
export { FasttuneError, type ErrorCode } from './core/errors.js';
export { versions, setNumThreads, getNumThreads, liveNativeObjects, type LiveNativeObjects, type NativeVersions } from './runtime.js';
export type { Rng } from './core/rng.js';

// Weights files and pretrained checkpoints
export { readWeights, writeWeights, type WeightsContents, type WeightsTensor, type WeightsDtype } from './io/weights.js';
export {
  resolvePretrained,
  fetchCheckpoint,
  defaultTorchHome,
  hubCheckpointsDir,
  type ResolvePretrainedOptions,
  type FetchCheckpointOptions,
  type PretrainedArch,
} from './vision/pretrained.js';

// Data
export type { Batch, DataLoader, DataLoaders } from './data/loader-contract.js';
export type { MixParams } from './core/batch.js';
export type { TargetKind } from './data/targets.js';
export type { RawTarget } from './data/labels.js';
export { ImageDataLoaders, type ImageDataLoadersOptions, type FromFolderOptions, type FromCsvOptions, type SplitOptions } from './data/dataloaders.js';
export type { ImageDataLoader } from './data/loader.js';
export { RandomSplitter, GrandparentSplitter, IndexSplitter, type Splitter, type SplitIndices } from './data/splitters.js';
export { Resize, RandomResizedCrop, type ItemTransform, type ItemTransformConfig, type Split } from './data/item-transforms.js';
export type { ResizeMethod } from './data/item-geometry.js';
export type { NormalizeStats } from './data/batch-tfms.js';
export { getImageFiles, imageExtensions, type GetImageFilesOptions } from './data/files.js';
export { loadImage, type LoadImageOptions } from './data/load-image.js';
export type { ImageInput } from './data/decode-image.js';
export type { RawImage } from './data/pixels.js';
export { showBatch, type ShowBatchOptions, type DisplayPixels } from './data/show-batch.js';

// Batch augmentation
export { augTransforms, type AugmentPipeline, type AugTransformsOptions, type ResampleSettings } from './augment/aug-transforms.js';
export {
  Brightness,
  Contrast,
  Dihedral,
  Flip,
  RandomResizedCropGPU,
  Rotate,
  Warp,
  Zoom,
  type AffineTransform,
  type AugTransform,
  type CropTransform,
  type LightingTransform,
  type RandomResizedCropGPUOptions,
  type WarpTransform,
} from './augment/pieces.js';
export { Normalize, imagenetStats, type Stats } from './augment/normalize.js';
export { applyAugment, type ApplyAugmentOptions, type AugmentedImages } from './augment/apply.js';
export type { AugmentParams, BatchTransform, PadMode, ResampleMode } from './augment/batch-transform.js';

// The model
export {
  createVisionModel,
  VisionModel,
  type DeviceName,
  type GradScalerOptions,
  type GradScalerState,
  type LoadWeightsOptions,
  type NamedGradient,
  type ParamInfo,
  type Precision as FloatPrecision,
  type VisionModelOptions,
  type VisionModelSettings,
  type WeightsPart,
} from './model/vision-model.js';
export { createHead, type Head, type HeadLayer, type HeadLayerType, type HeadOptions } from './model/head.js';
export { distributedEnv, initProcessGroup, ProcessGroup, type ProcessGroupOptions } from './model/process-group.js';
export type {
  EvalResult,
  GroupHypers,
  LossKind,
  LossSpec,
  ModelArchitecture,
  ModelCore,
  ModelSettings,
  NamedTensors,
  OptimizerKind,
  StepOptions,
} from './model/types.js';

// The Learner and its training loop
export { Learner } from './learner/learner.js';
export type { LearnerOptions, FitOptions, FitOneCycleOptions, FitFlatCosOptions, FitSgdrOptions, FineTuneOptions, LrFindOptions } from './learner/options.js';
export type { BatchStep, LearnerState, RecorderState } from './learner/learner-state.js';
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
} from './learner/callback.js';
export { slice, type Slice, type HyperValue } from './learner/hypers.js';
export { schedLin, schedCos, schedExp, schedNo, schedPoly, combineScheds, combinedCos, type Schedule } from './learner/schedule.js';
export { ParamScheduler, type HyperName, type HyperSchedules } from './learner/param-scheduler.js';
export { Recorder, type ValidationResult } from './learner/recorder.js';
export type { ProgressMode, ProgressOutput } from './learner/learner-state.js';
export { TerminateOnNaNCallback } from './learner/terminate-on-nan.js';
export {
  TrackerCallback,
  EarlyStoppingCallback,
  SaveModelCallback,
  type Comparison,
  type TrackerOptions,
  type EarlyStoppingOptions,
  type SaveModelOptions,
} from './learner/trackers.js';
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from './learner/reduce-lr-on-plateau.js';
export { CSVLogger, type CSVLoggerOptions } from './learner/csv-logger.js';
export { GradientAccumulation, GradientClip } from './learner/gradient-callbacks.js';
export { MixUp, CutMix, type MixOptions } from './learner/mix.js';
export { SaveOnInterruptCallback, FitInterruptedError, INTERRUPTED_EXIT_CODE, type SaveOnInterruptOptions } from './learner/interrupt.js';
export { accuracy, errorRate, topKAccuracy, metric, accumMetric, type Metric, type Targets } from './learner/metrics.js';
export {
  F1Score,
  FBeta,
  Precision,
  Recall,
  RocAuc,
  RocAucBinary,
  MatthewsCorrCoef,
  BalancedAccuracy,
  CohenKappa,
  type ClassAverage,
  type ClassScoreOptions,
  type RocAucOptions,
} from './learner/metrics-single.js';
export {
  accuracyMulti,
  F1ScoreMulti,
  FBetaMulti,
  PrecisionMulti,
  RecallMulti,
  RocAucMulti,
  type LabelAverage,
  type MultiScoreOptions,
  type ThresholdOptions,
} from './learner/metrics-multi.js';
export { rmse, mae, R2Score } from './learner/metrics-regression.js';
export type { MultiClass } from './learner/metrics-auc.js';
export type { KappaWeights } from './learner/metrics-scores.js';
export { bceWithLogitsLossFlat, crossEntropyLossFlat, focalLossFlat, l1LossFlat, labelSmoothingCrossEntropy, mseLossFlat } from './learner/loss.js';
export { adam, sgd, type OptimizerSpec } from './learner/optimizer.js';
export { suggestValley, suggestSlide, suggestMinimum, suggestSteep, type Suggestion, type SuggestionName } from './learner/suggestions.js';
export type { LossPlotOptions, LrFindPlotOptions } from './plot/charts.js';

// After training
export type { Activation, Predictions } from './learner/predictions.js';
export type { TtaCombined } from './learner/tta.js';
export type { DatasetChoice, GetPredsOptions, Prediction, PredictBatchOptions, TtaOptions, TtaResult, ShowResultsOptions } from './learner/inference.js';
export type { SaveOptions, LoadOptions, ResumePoint } from './learner/persistence.js';
export type { ExportMetadata, ValidResizeConfig } from './learner/export-metadata.js';
export { ClassificationInterpretation, type InterpretationOptions, type TopLosses, type PlotTopLossesOptions } from './interpret/classification.js';
export type { ConfusionChartOptions } from './plot/confusion.js';

// Vision
export { visionLearner, cnnLearner, VisionLearner, type VisionLearnerOptions } from './vision/vision-learner.js';
export { convnextTiny, resnet18, resnet34, resnet50, resnet101, resnet152, type Architecture } from './vision/architectures.js';
export { createBody, type Body, type CreateBodyOptions } from './vision/body.js';
export { ARCH_NAMES, type ArchName } from './model/arch-names.js';
export { loadLearner, type LoadLearnerOptions, type InferenceLearner } from './vision/load-learner.js';
export { createPredictionServer, type PredictionServer, type PredictionServerOptions } from './serve/server.js';
