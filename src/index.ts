export { FasttuneError, type ErrorCode } from './core/errors.js';
export { versions, setNumThreads, getNumThreads, liveNativeObjects, type LiveNativeObjects, type NativeVersions } from './runtime.js';
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
export * from './augment/index.js';
export * from './learner/index.js';
export * from './data/index.js';
export {
  createVisionModel,
  VisionModel,
  type DeviceName,
  type GradScalerOptions,
  type GradScalerState,
  type LoadWeightsOptions,
  type NamedGradient,
  type ParamInfo,
  type Precision,
  type VisionModelOptions,
  type VisionModelSettings,
  type WeightsPart,
} from './model/vision-model.js';
export type { EvalResult, GroupHypers, ModelCore, ModelSettings, OptimizerKind } from './model/types.js';
export { visionLearner, cnnLearner, VisionLearner, type VisionLearnerOptions } from './vision/vision-learner.js';
export { resnet34, type Architecture } from './vision/architectures.js';
export { loadLearner, type LoadLearnerOptions, type InferenceLearner } from './vision/load-learner.js';
export type { ExportMetadata, ValidResizeConfig } from './learner/export-metadata.js';
export * from './interpret/index.js';
