// `fasttune train --weights <exported model> --arch`: a model exported for other classes gives the
// new run its body; the head starts fresh and the run says so. An export of another architecture
// stops the command, naming both.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTree } from '../helpers/images.js';
import { expectFailure, fasttune as run } from '../helpers/fasttune-cli.js';

let dir: string;
let exported: string;
const torchHome = () => join(dir, 'torch-home');
const fasttune = (...args: string[]) => run(torchHome(), ...args);
// Tiny and quick, as TINY, but pretrained: the body comes from --weights.
const tiny = ['--size', '16', '--bs', '2', '--seed', '1', '--one-cycle', '--epochs', '1'];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fasttune-cli-weights-'));
  await writeTree(join(dir, 'three', 'train'), { cat: 2, dog: 2, fox: 2 }, { width: 16, height: 16 });
  await writeTree(join(dir, 'three', 'valid'), { cat: 1, dog: 1, fox: 1 }, { width: 16, height: 16 });
  await writeTree(join(dir, 'two', 'train'), { ant: 2, bee: 2 }, { width: 16, height: 16 });
  await writeTree(join(dir, 'two', 'valid'), { ant: 1, bee: 1 }, { width: 16, height: 16 });
  exported = join(dir, 'three.safetensors');
  const first = await fasttune('train', join(dir, 'three'), '--arch', 'resnet18', '--no-pretrained', '--out', exported, ...tiny);
  expect(first.stderr).toBe('');
  expect(first.code).toBe(0);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('train --weights <exported model>', () => {
  it('of other classes: loads the body, starts a fresh head and says so', async () => {
    const out = join(dir, 'two.safetensors');
    const result = await fasttune('train', join(dir, 'two'), '--arch', 'resnet18', '--weights', exported, '--out', out, ...tiny);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      `${exported} is a learner exported with 3 outputs (cat, dog, fox) where this model has 2: its body is loaded, the head starts fresh\n`,
    );
  });

  it('of another architecture: stops, naming both', async () => {
    const result = await fasttune('train', join(dir, 'two'), '--arch', 'resnet34', '--weights', exported, ...tiny);
    expectFailure(result, 1, /is a learner exported with a resnet18 body; this model's body is a resnet34/);
  });
});
