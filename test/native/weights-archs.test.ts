// A torchvision checkpoint of another architecture given as weights: the error says which
// architecture the file holds and which the model is, and lists the first mismatched keys in the
// file's own names. Uses the .pth files test/reference/vision_archs.py saves.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createVisionModel, FasttuneError } from '../../src/index.js';
import type { ArchName } from '../../src/model/arch-names.js';
import { fixturesDir } from '../helpers/fixtures.js';
import { torchvisionWeights } from '../helpers/model.js';

const pth = (arch: ArchName) => (arch === 'resnet34' ? torchvisionWeights : join(fixturesDir, 'vision_archs', `${arch}.pth`));

async function loadError(arch: ArchName, file: ArchName): Promise<string> {
  using model = await createVisionModel({ arch, nOut: 3, device: 'cpu' });
  const error = await model.loadWeights(pth(file)).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FasttuneError);
  expect((error as FasttuneError).code).toBe('E_WEIGHTS');
  expect((error as FasttuneError).message).toContain(pth(file));
  return (error as FasttuneError).message;
}

describe('weights of another architecture', () => {
  it('names a ResNet-50 checkpoint given for ResNet-34, and its first mismatched keys', async () => {
    const message = await loadError('resnet34', 'resnet50');
    expect(message).toContain(
      'the file holds a ResNet-50 (bottleneck blocks per stage 3, 4, 6, 3); the model is a ResNet-34 (basic blocks per stage 3, 4, 6, 3)',
    );
    expect(message).toMatch(/shape mismatches \(\d+\): layer1\.0\.conv1\.weight \(file \[64, 64, 1, 1\], model \[64, 64, 3, 3\]\)/);
    expect(message).toMatch(/unexpected keys \(\d+\): layer1\.0\.bn3\./);
  });

  it('names a ResNet-34 checkpoint given for ResNet-50', async () => {
    const message = await loadError('resnet50', 'resnet34');
    expect(message).toContain('the file holds a ResNet-34 (basic blocks per stage 3, 4, 6, 3); the model is a ResNet-50');
    expect(message).toMatch(/missing keys \(\d+\): layer1\.0\.conv3\.weight, /);
  });

  it('names a ConvNeXt checkpoint given for a ResNet, in the file and model names', async () => {
    const message = await loadError('resnet34', 'convnext_tiny');
    expect(message).toContain('the file holds a ConvNeXt-Tiny (blocks per stage 3, 3, 9, 3); the model is a ResNet-34');
    expect(message).toMatch(/missing keys \(\d+\): conv1\.weight, bn1\.weight, /);
    expect(message).toMatch(/unexpected keys \(\d+\): features\.0\.0\.bias, /);
  });

  it('names a ResNet checkpoint given for ConvNeXt-Tiny', async () => {
    const message = await loadError('convnext_tiny', 'resnet50');
    expect(message).toContain('the file holds a ResNet-50 (bottleneck blocks per stage 3, 4, 6, 3); the model is a ConvNeXt-Tiny');
    expect(message).toMatch(/missing keys \(\d+\): features\.0\.0\.weight, /);
  });
});
