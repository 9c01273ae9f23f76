// Public surface of batch augmentation.
export { augTransforms, AugmentPipeline, type AugTransformsOptions, type ResampleSettings } from './aug-transforms.js';
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
} from './pieces.js';
export { Normalize, imagenetStats, type Stats } from './normalize.js';
export { applyAugment, type ApplyAugmentOptions, type AugmentedImages } from './apply.js';
export type { AugmentParams, BatchTransform, PadMode, ResampleMode } from './batch-transform.js';
export type { Rng } from '../core/rng.js';
