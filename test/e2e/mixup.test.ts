// MixUp and CutMix through the public API on small Fashion-MNIST images: fits run with either
// callback (per fit or on the learner, with gradient accumulation and with batch augmentation that
// resizes), the training loop names them, validation is untouched (a fit's validation loss is what
// validate() gives after it), and a bad alpha is refused.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fashionMnistToFolder } from '../../src/data/fashion-mnist.js';
import { augTransforms, CutMix, GradientAccumulation, ImageDataLoaders, MixUp, Resize, resnet18, visionLearner, type Learner } from '../../src/index.js';
import { tempDir } from '../helpers/images.js';
import { CapturedOutput } from '../helpers/learner-kit.js';

let source: string;

beforeAll(async () => {
  source = await tempDir('fasttune-mix-');
  await fashionMnistToFolder(source, { classes: [1, 7, 8], trainPerClass: 12, validPerClass: 0 });
});

async function loaders(batchTfms = false) {
  return ImageDataLoaders.fromFolder(join(source, 'train'), {
    validPct: 0.25,
    itemTfms: Resize(20),
    ...(batchTfms && { batchTfms: augTransforms({ size: 16 }) }),
    bs: 8,
    seed: 4,
  });
}

/** The last epoch's validation loss equals validate() after the fit; training losses are finite. */
async function expectValidationUntouched(learn: Learner): Promise<void> {
  const rows = learn.recorder.values;
  const [trainLoss, validLoss] = rows.at(-1) as number[];
  expect(Number.isFinite(trainLoss)).toBe(true);
  expect((await learn.validate()).validLoss).toBe(validLoss);
}

describe('MixUp and CutMix end to end', () => {
  it('MixUp per fit, with gradient accumulation: trains, and validation is untouched', async () => {
    const dls = await loaders();
    using learn = await visionLearner(dls, resnet18, { pretrained: false, device: 'cpu', seed: 1, output: new CapturedOutput(), progress: false });
    await learn.fit(2, 1e-3, { cbs: [new MixUp(0.4, { seed: 1 }), new GradientAccumulation(16)] });
    await expectValidationUntouched(learn);
    expect(learn.showTrainingLoop()).not.toContain('MixUp'); // per fit: gone afterwards
    dls.close();
  });

  it('CutMix on the learner, boxes drawn on the augmented size: trains, and validation is untouched', async () => {
    const dls = await loaders(true);
    const cutMix = new CutMix(1, { seed: 2 });
    using learn = await visionLearner(dls, resnet18, {
      pretrained: false,
      device: 'cpu',
      seed: 2,
      cbs: [cutMix],
      output: new CapturedOutput(),
      progress: false,
    });
    expect(learn.showTrainingLoop()).toMatch(/beforeBatch\s*: \[[^\]]*CutMix/);
    let boxes = 0;
    const spy = {
      name: 'BoxSpy',
      order: 1, // after CutMix
      runValid: false,
      beforeBatch: (l: Learner) => {
        const box = l.step.mix?.box as number[];
        expect(Math.max(box[2] as number, box[3] as number)).toBeLessThanOrEqual(16); // the 16 x 16 input, not the 20 x 20 pixels
        boxes++;
      },
    };
    await learn.fit(1, 1e-3, { cbs: [spy] });
    expect(boxes).toBe(learn.dls.train.length);
    await expectValidationUntouched(learn);
    dls.close();
  });

  it('refuses a bad alpha with the message shape', () => {
    expect(() => new MixUp(-0.4)).toThrow(/^MixUp: expected a finite number > 0 for alpha but received -0.4$/);
    expect(() => new CutMix(0)).toThrow(/^CutMix: expected a finite number > 0 for alpha but received 0$/);
  });
});
