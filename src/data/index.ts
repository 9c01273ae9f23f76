// The data pipeline's public surface.
export type { Batch, DataLoader, DataLoaders } from './loader-contract.js';
export { ImageDataLoaders, type ImageDataLoadersOptions, type FromFolderOptions, type FromCsvOptions, type SplitOptions } from './dataloaders.js';
export { ImageDataLoader, type LoaderItem, type LoaderOptions } from './loader.js';
export { RandomSplitter, GrandparentSplitter, IndexSplitter, type Splitter, type SplitIndices } from './splitters.js';
export { Resize, RandomResizedCrop, ItemTransform, itemTransformFromConfig, type ItemTransformConfig, type Split } from './item-transforms.js';
export { resizeWindow, randomResizedCropWindow, randomResizedCropValid, type Window, type ResizeMethod } from './item-geometry.js';
export type { RawImage } from './pixels.js';
export type { NormalizeStats } from './batch-tfms.js';
export { getImageFiles, imageExtensions, type GetImageFilesOptions } from './files.js';
export { loadImage, type LoadImageOptions } from './load-image.js';
export type { ImageInput } from './decode-image.js';
export { torchRandperm, TorchGenerator } from '../core/rng.js';
export { showBatch, type ShowBatchOptions, type DisplayPixels } from './show-batch.js';
export { fashionMnistToFolder, fashionMnistClasses, type FashionMnistOptions, type FashionMnistSummary } from './fashion-mnist.js';
