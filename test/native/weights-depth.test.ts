// A torchvision ResNet of another depth given as weights: the error speaks the file's own names and
// says which ResNet the file holds and which the model is.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createVisionModel, FasttuneError, readWeights, writeWeights, type WeightsTensor } from '../../src/index.js';
import { N_OUT, torchvisionWeights } from '../helpers/model.js';

const dir = mkdtempSync(join(tmpdir(), 'fasttune-depth-'));

/** torchvision's ResNet-34 tensors with only the first `keep[s]` blocks of each stage. */
function truncated(tensors: WeightsTensor[], keep: number[]): WeightsTensor[] {
  return tensors.filter((t) => {
    const m = /^layer(\d)\.(\d+)\./.exec(t.name);
    return !m || Number(m[2]) < (keep[Number(m[1]) - 1] as number);
  });
}

async function loadError(model: { loadWeights(path: string): Promise<void> }, path: string): Promise<FasttuneError> {
  const error = await model.loadWeights(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FasttuneError);
  return error as FasttuneError;
}

describe('weights of another ResNet depth', () => {
  it('names a ResNet-18 checkpoint given for ResNet-34, in torchvision key names', async () => {
    using model = await createVisionModel({ nOut: N_OUT, device: 'cpu' });
    const file = await readWeights(torchvisionWeights);
    const path = join(dir, 'resnet18.safetensors');
    await writeWeights(path, truncated(file.tensors, [2, 2, 2, 2]));
    const error = await loadError(model, path);
    expect(error.code).toBe('E_WEIGHTS');
    expect(error.message).toContain(path);
    expect(error.message).toContain(
      'the file holds a ResNet-18 (basic blocks per stage 2, 2, 2, 2); the model is a ResNet-34 (basic blocks per stage 3, 4, 6, 3)',
    );
    expect(error.message).toMatch(/missing keys \(\d+\): layer1\.2\.conv1\.weight, /);
    expect(error.message).not.toMatch(/0\.4\.2\.conv1/);
  });

  it('names a bottleneck ResNet (ResNet-50 layout) given for ResNet-34', async () => {
    using model = await createVisionModel({ nOut: N_OUT, device: 'cpu' });
    const file = await readWeights(torchvisionWeights);
    const extra: WeightsTensor[] = file.tensors
      .filter((t) => /^layer\d\.\d+\.conv2\.weight$/.test(t.name))
      .map((t) => ({ name: t.name.replace('conv2', 'conv3'), dtype: 'F32', shape: [1], data: new Float32Array(1) }));
    const path = join(dir, 'bottleneck.safetensors');
    await writeWeights(path, [...file.tensors, ...extra]);
    const error = await loadError(model, path);
    expect(error.message).toContain('the file holds a ResNet-50 (bottleneck blocks per stage 3, 4, 6, 3); the model is a ResNet-34');
    expect(error.message).toMatch(/unexpected keys \(16\): layer1\.0\.conv3\.weight/);
  });

  it('adds no depth line when the depths agree', async () => {
    using model = await createVisionModel({ nOut: N_OUT, device: 'cpu' });
    const file = await readWeights(torchvisionWeights);
    const path = join(dir, 'renamed.safetensors');
    await writeWeights(
      path,
      file.tensors.map((t) => (t.name === 'layer1.0.conv1.weight' ? { ...t, name: 'layer1.0.convX.weight' } : t)),
    );
    const error = await loadError(model, path);
    expect(error.message).not.toContain('the file holds');
    expect(error.message).toMatch(/missing keys \(1\): layer1\.0\.conv1\.weight/);
  });
});
