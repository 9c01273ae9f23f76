// The architectures the native core builds by name (native/models/archs.cc): torchvision's
// constructor names. Their fastai meta (cut, split, stats, weights) lives in src/vision/architectures.ts.

export const ARCH_NAMES = ['resnet18', 'resnet34', 'resnet50', 'resnet101', 'resnet152', 'convnext_tiny'] as const;

/** torchvision's name of an architecture the native core builds. */
export type ArchName = (typeof ARCH_NAMES)[number];
