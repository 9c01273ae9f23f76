export { FasttuneError, type ErrorCode } from './errors.js';
export { versions, setNumThreads, getNumThreads, type NativeVersions } from './runtime.js';
export { readWeights, writeWeights, type WeightsContents, type WeightsTensor, type WeightsDtype } from './io/weights.js';
export * from './data/index.js';
