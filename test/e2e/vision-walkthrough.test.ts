// The DESIGN §1 walkthrough end to end, CI-sized: PNG files of three classes (coloured shapes on
// tinted noise) in train/valid folders, fromFolder with Resize + augTransforms, visionLearner from
// a torchvision-format checkpoint written here, frozen fitOneCycle, unfreeze, lrFind, fitOneCycle
// with discriminative learning rates, and the plots. The validation error must fall.
//
// The checkpoint stands in for ImageNet weights (no network here): a randomly initialised body
// whose BatchNorm statistics were calibrated on the training images (train-mode passes, no
// weight update), as a pretrained body's statistics fit natural images. Without that, eval-mode
// BatchNorm of a fresh body makes the validation figures of a few-step run meaningless.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { augTransforms, createVisionModel, errorRate, ImageDataLoaders, Resize, resnet34, slice, visionLearner, writeWeights } from '../../src/index.js';
import { tempDir } from '../helpers/images.js';
import { CapturedOutput } from '../helpers/learner-kit.js';
import { rng } from '../helpers/memory-data.js';

const SIDE = 40;
const SIZE = 32;
/** How much of the class colour the background carries. */
const TINT = 0.3;
const COLOURS = [
  [200, 60, 50],
  [60, 180, 70],
  [70, 80, 210],
] as const;

/** A shape of the class's colour (disc, square or cross, at a random place) on grey noise. */
function drawImage(label: number, random: () => number): Buffer {
  const data = Buffer.alloc(SIDE * SIDE * 3);
  const [cx, cy, r] = [12 + random() * 16, 12 + random() * 16, 8 + random() * 5];
  const colour = COLOURS[label] as readonly number[];
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const [dx, dy] = [Math.abs(x - cx), Math.abs(y - cy)];
      const inside = label === 0 ? dx * dx + dy * dy < r * r : label === 1 ? dx < r && dy < r : (dx < r / 3 && dy < r) || (dy < r / 3 && dx < r);
      for (let c = 0; c < 3; c++) {
        const value = inside ? (colour[c] as number) : TINT * (colour[c] as number) + (1 - TINT) * 120;
        data[(y * SIDE + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(value + (random() - 0.5) * 60)));
      }
    }
  }
  return data;
}

async function writeDataset(root: string, perClass: { train: number; valid: number }): Promise<void> {
  const random = rng(2024);
  for (const split of ['train', 'valid'] as const) {
    for (let label = 0; label < COLOURS.length; label++) {
      const dir = join(root, split, `class${label}`);
      await mkdir(dir, { recursive: true });
      for (let i = 0; i < perClass[split]; i++) {
        await sharp(drawImage(label, random), { raw: { width: SIDE, height: SIDE, channels: 3 } })
          .png()
          .toFile(join(dir, `${i}.png`));
      }
    }
  }
}

/**
 * A checkpoint in torchvision's ResNet-34 layout (an ImageNet-sized `fc` included), as a hub file
 * would be: a random body with BatchNorm statistics calibrated on `dls` (forward and backward in
 * train mode, gradients never applied).
 */
async function writeTorchvisionCheckpoint(path: string, dls: ImageDataLoaders): Promise<void> {
  using model = await createVisionModel({ nOut: 3, device: 'cpu', seed: 5 });
  for (let epoch = 0; epoch < 4; epoch++) for await (const batch of dls.train) await model.accumulateStep(batch);
  const names: Record<string, string> = { '0.0': 'conv1', '0.1': 'bn1', '0.4': 'layer1', '0.5': 'layer2', '0.6': 'layer3', '0.7': 'layer4' };
  const tensors = (await model.stateDict())
    .filter((t) => t.name.startsWith('0.'))
    .map((t) => {
      const [prefix, rest] = [t.name.split('.').slice(0, 2).join('.'), t.name.split('.').slice(2).join('.')];
      return { ...t, name: `${names[prefix]}.${rest}` };
    });
  tensors.push({ name: 'fc.weight', dtype: 'F32', shape: [1000, 512], data: new Float32Array(512_000) });
  tensors.push({ name: 'fc.bias', dtype: 'F32', shape: [1000], data: new Float32Array(1000) });
  await writeWeights(path, tensors);
}

async function expectPng(file: string): Promise<void> {
  const bytes = await readFile(file);
  expect(bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
  const meta = await sharp(bytes).metadata();
  expect(meta.format).toBe('png');
  expect(meta.width).toBeGreaterThan(100);
  expect(meta.height).toBeGreaterThan(100);
}

describe('the walkthrough on generated images', () => {
  it('fromFolder → visionLearner → fitOneCycle (frozen) → unfreeze → lrFind → fitOneCycle(slice) → plots', async () => {
    const root = await tempDir('fasttune-walkthrough-');
    await writeDataset(root, { train: 16, valid: 8 });
    const dls = await ImageDataLoaders.fromFolder(root, { itemTfms: Resize(SIZE), batchTfms: augTransforms({ size: SIZE }), bs: 16, seed: 42 });
    const checkpoint = join(root, 'resnet34-torchvision.safetensors');
    await writeTorchvisionCheckpoint(checkpoint, dls);

    const output = new CapturedOutput();
    using learn = await visionLearner(dls, resnet34, { weights: checkpoint, metrics: [errorRate], progress: 'lines', output, seed: 1 });
    try {
      expect(dls.vocab).toEqual(['class0', 'class1', 'class2']);
      expect(learn.frozenTo).toBe(2);
      const before = await learn.validate();

      await learn.fitOneCycle(3, 3e-3);
      const frozen = learn.recorder.values.at(-1) as number[];
      learn.unfreeze();
      const { valley } = await learn.lrFind({ numIt: 20 }); // a CI-sized sweep (default 100)
      expect(valley).toBeGreaterThan(1e-7);
      expect(valley).toBeLessThan(10);
      await learn.recorder.plotLrFind(join(root, 'lr_find.png'));
      await learn.fitOneCycle(6, { lrMax: slice(1e-5, 1e-3) });
      const after = await learn.validate();

      console.info(
        `walkthrough: error ${before.metrics.error_rate} → ${frozen[2]} (frozen) → ${after.metrics.error_rate}; valid loss ${before.validLoss} → ${after.validLoss}`,
      );
      expect(before.metrics.error_rate).toBeGreaterThan(0.3);
      expect(after.metrics.error_rate).toBeLessThan(0.15);
      expect(after.validLoss).toBeLessThan(before.validLoss / 2);
      expect(learn.recorder.values).toHaveLength(6);
      expect(output.lines().filter((l) => l.startsWith('epoch     train_loss  valid_loss  error_rate'))).toHaveLength(2);

      await learn.recorder.plotLoss(join(root, 'loss.png'));
      await expectPng(join(root, 'loss.png'));
      await expectPng(join(root, 'lr_find.png'));
    } finally {
      dls.close();
    }
  });
});
