export { FasttuneError, type ErrorCode } from './errors.js';
export { versions, setNumThreads, getNumThreads, type NativeVersions } from './runtime.js';
