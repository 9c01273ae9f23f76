export { FasttuneError, type ErrorCode } from './errors.js';
export { versions, setNumThreads, getNumThreads, type NativeVersions } from './runtime.js';
export { readWeights, writeWeights, type WeightsContents, type WeightsTensor, type WeightsDtype } from './io/weights.js';
export {
  createVisionModel,
  imagenetStats,
  VisionModel,
  type DeviceName,
  type GradScalerOptions,
  type GradScalerState,
  type LoadWeightsOptions,
  type NamedGradient,
  type NormalizeStats,
  type ParamInfo,
  type Precision,
  type VisionModelOptions,
  type WeightsPart,
} from './model/vision-model.js';
export type { EvalResult, GroupHypers, ModelCore } from './model/types.js';
