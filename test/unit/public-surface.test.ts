// The public API is exactly this list: adding a name is a decision, taken here; internals are
// imported from their modules. The types of the main entry points are pinned too.
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as api from '../../src/index.js';
import type {
  ArchName,
  Architecture,
  Body,
  CreateBodyOptions,
  DataLoaders,
  Head,
  HeadOptions,
  FitOneCycleOptions,
  FromFolderOptions,
  HyperValue,
  ImageDataLoaders,
  InferenceLearner,
  Learner,
  LoadLearnerOptions,
  Prediction,
  PredictionServer,
  PredictionServerOptions,
  VisionLearner,
  VisionLearnerOptions,
} from '../../src/index.js';

const PUBLIC_VALUES = [
  'ARCH_NAMES',
  'BalancedAccuracy',
  'Brightness',
  'CSVLogger',
  'CancelBatchError',
  'CancelEpochError',
  'CancelError',
  'CancelFitError',
  'CancelTrainError',
  'CancelValidError',
  'ClassificationInterpretation',
  'CohenKappa',
  'Contrast',
  'CutMix',
  'Dihedral',
  'EVENTS',
  'EarlyStoppingCallback',
  'F1Score',
  'F1ScoreMulti',
  'FBeta',
  'FBetaMulti',
  'FasttuneError',
  'FitInterruptedError',
  'Flip',
  'GradientAccumulation',
  'GradientClip',
  'GrandparentSplitter',
  'INTERRUPTED_EXIT_CODE',
  'ImageDataLoaders',
  'IndexSplitter',
  'Learner',
  'MatthewsCorrCoef',
  'MixUp',
  'Normalize',
  'ParamScheduler',
  'Precision',
  'PrecisionMulti',
  'ProcessGroup',
  'R2Score',
  'RandomResizedCrop',
  'RandomResizedCropGPU',
  'RandomSplitter',
  'Recall',
  'RecallMulti',
  'Recorder',
  'ReduceLROnPlateau',
  'Resize',
  'RocAuc',
  'RocAucBinary',
  'RocAucMulti',
  'Rotate',
  'SaveModelCallback',
  'SaveOnInterruptCallback',
  'TerminateOnNaNCallback',
  'TrackerCallback',
  'VisionLearner',
  'VisionModel',
  'Warp',
  'Zoom',
  'accumMetric',
  'accuracy',
  'accuracyMulti',
  'adam',
  'applyAugment',
  'augTransforms',
  'bceWithLogitsLossFlat',
  'cnnLearner',
  'combineScheds',
  'combinedCos',
  'convnextTiny',
  'createBody',
  'createHead',
  'createPredictionServer',
  'createVisionModel',
  'crossEntropyLossFlat',
  'defaultTorchHome',
  'distributedEnv',
  'errorRate',
  'fetchCheckpoint',
  'focalLossFlat',
  'getImageFiles',
  'getNumThreads',
  'hubCheckpointsDir',
  'imageExtensions',
  'imagenetStats',
  'initProcessGroup',
  'l1LossFlat',
  'labelSmoothingCrossEntropy',
  'liveNativeObjects',
  'loadImage',
  'loadLearner',
  'mae',
  'metric',
  'mseLossFlat',
  'readWeights',
  'resnet101',
  'resnet152',
  'resnet18',
  'resnet34',
  'resnet50',
  'resolvePretrained',
  'rmse',
  'schedCos',
  'schedExp',
  'schedLin',
  'schedNo',
  'schedPoly',
  'setNumThreads',
  'sgd',
  'showBatch',
  'slice',
  'suggestMinimum',
  'suggestSlide',
  'suggestSteep',
  'suggestValley',
  'topKAccuracy',
  'versions',
  'visionLearner',
  'writeWeights',
];

describe('the public surface', () => {
  it('exports exactly the public values, sorted here by name', () => {
    expect(Object.keys(api).sort()).toEqual([...PUBLIC_VALUES].sort());
  });

  it('keeps internals out', () => {
    const internals = [
      'resizeWindow',
      'randomResizedCropWindow',
      'randomResizedCropValid',
      'torchRandperm',
      'TorchGenerator',
      'formatTime',
      'fashionMnistToFolder',
      'fashionMnistClasses',
      'TerminateOnNaN',
      'itemTransformFromConfig',
      'softmax',
      'crossEntropyPerItem',
      'combineTta',
      'suggestLearningRates',
      'LRFinder',
      'ProgressCallback',
      'TrainEvalCallback',
      'ImageDataLoader',
      'ItemTransform',
      'AugmentPipeline',
      'Slice',
    ];
    for (const name of internals) expect(api, name).not.toHaveProperty(name);
    expectTypeOf(api).not.toHaveProperty('resizeWindow');
    expectTypeOf(api).not.toHaveProperty('torchRandperm');
    expectTypeOf(api).not.toHaveProperty('formatTime');
  });

  it('pins the signatures of the main entry points', () => {
    expectTypeOf(api.visionLearner).parameters.toEqualTypeOf<[DataLoaders, Architecture | ArchName | Body, VisionLearnerOptions?]>();
    expectTypeOf(api.createHead).parameters.toEqualTypeOf<[number, number, HeadOptions?]>();
    expectTypeOf(api.createHead).returns.toEqualTypeOf<Head>();
    expectTypeOf(api.createBody).parameters.toEqualTypeOf<[Architecture | ArchName, CreateBodyOptions?]>();
    expectTypeOf(api.createBody).returns.toEqualTypeOf<Body>();
    expectTypeOf(api.visionLearner).returns.toEqualTypeOf<Promise<VisionLearner>>();
    expectTypeOf<Learner['fitOneCycle']>().parameters.toEqualTypeOf<[number, (HyperValue | FitOneCycleOptions)?, FitOneCycleOptions?]>();
    expectTypeOf<Learner['fitOneCycle']>().returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf(api.loadLearner).parameters.toEqualTypeOf<[string, LoadLearnerOptions?]>();
    expectTypeOf(api.loadLearner).returns.toEqualTypeOf<Promise<InferenceLearner>>();
    expectTypeOf(api.createPredictionServer).parameters.toEqualTypeOf<[Learner, PredictionServerOptions?]>();
    expectTypeOf(api.createPredictionServer).returns.toEqualTypeOf<PredictionServer>();
    expectTypeOf<Awaited<ReturnType<Learner['predictBatch']>>>().toEqualTypeOf<PromiseSettledResult<Prediction>[]>();
    expectTypeOf<Awaited<ReturnType<Learner['predict']>>>().toEqualTypeOf<Prediction>();
    expectTypeOf<Prediction>().toEqualTypeOf<{ label: string; index: number; probs: Float32Array; labels?: string[]; values?: Float32Array }>();
    expectTypeOf(api.ImageDataLoaders.fromFolder).parameters.toEqualTypeOf<[string, FromFolderOptions?]>();
    expectTypeOf(api.ImageDataLoaders.fromFolder).returns.toEqualTypeOf<Promise<ImageDataLoaders>>();
  });
});
