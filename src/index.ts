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
export { convnextTiny, resnet18, resnet34, resnet50, resnet101, resnet152, type Architecture } from './vision/architectures.js';
export { ARCH_NAMES, type ArchName } from './model/arch-names.js';
export { loadLearner, type LoadLearnerOptions, type InferenceLearner } from './export/load-learner.js';
export type { ExportMetadata, ValidResizeConfig } from './export/metadata.js';
export * from './interpret/index.js';
