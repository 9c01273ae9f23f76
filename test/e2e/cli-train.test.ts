// `fasttune train` for real runs: labelled fine-tune phases, --metrics, --save-best, --arch,
// --seed of the new layers, and Ctrl-C then --resume.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWeights } from '../../src/index.js';
import { writeTree } from '../helpers/images.js';
import { fasttune as run, startFasttune, TINY } from '../helpers/fasttune-cli.js';

let dir: string;
let tree: string;
const torchHome = () => join(dir, 'torch-home');
const fasttune = (...args: string[]) => run(torchHome(), ...args);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fasttune-cli-train-'));
  // Split by folders, so that the split does not depend on --seed.
  tree = join(dir, 'tree');
  await writeTree(join(tree, 'train'), { cat: 4, dog: 4 }, { width: 24, height: 24 });
  await writeTree(join(tree, 'valid'), { cat: 2, dog: 2 }, { width: 24, height: 24 });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('train', () => {
  it('labels the frozen and unfrozen phases of fine-tune; --metrics, --save-best on a metric, --arch', async () => {
    const out = join(dir, 'best.safetensors');
    const args = ['--metrics', 'accuracy', '--save-best', '--monitor', 'accuracy', '--arch', 'resnet34', '--out', out];
    const { code, stdout, stderr } = await fasttune('train', tree, '--epochs', '2', ...args, ...TINY);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /phase 1 of 2: body frozen, training the head \(1 epoch\)\nepoch +train_loss +valid_loss +accuracy +time *\n[\s\S]*phase 2 of 2: unfrozen, training every layer \(2 epochs\)\nepoch +train_loss +valid_loss +accuracy +time *\n/,
    );
    expect(stdout.match(/^epoch +train_loss/gm)).toHaveLength(2);
    expect(stdout).toMatch(/Better model found at epoch 0 with accuracy value: /);
    expect(existsSync(join(dir, 'best-best.safetensors'))).toBe(true);
    expect(existsSync(out)).toBe(true);
  });

  it('--seed seeds the new layers: the same seed gives the same head, another seed another', async () => {
    // A learning rate too small to move float32 weights leaves the head as it was initialised.
    const head = async (seed: string, name: string) => {
      const out = join(dir, name);
      const result = await fasttune('train', tree, '--one-cycle', '--lr', '1e-30', '--no-augment', '--out', out, ...TINY, '--seed', seed);
      expect(result.code).toBe(0);
      const { tensors } = await readWeights(out);
      const last = tensors.filter((t) => t.shape.length === 2).at(-1);
      expect(last?.shape[0]).toBe(2);
      return Array.from(last?.data as Float32Array);
    };
    const a = await head('5', 'seed5a.safetensors');
    expect(await head('5', 'seed5b.safetensors')).toEqual(a);
    expect(await head('6', 'seed6.safetensors')).not.toEqual(a);
  });

  it('Ctrl-C saves a checkpoint and says how to go on; --resume finishes the run', async () => {
    const out = join(dir, 'resumed.safetensors');
    const args = ['train', tree, '--epochs', '3', '--out', out, ...TINY];
    const child = startFasttune(torchHome(), ...args);
    let stdout = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      // Interrupt the first batch of the unfrozen phase: two more epochs are left after it.
      if (/phase 2 of 2[\s\S]*train 1\//.test(stdout) && child.exitCode === null && !child.killed) child.kill('SIGINT');
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const checkpoint = join(dir, 'resumed.interrupted.safetensors');
    expect(code).toBe(130);
    expect(stderr).toContain(
      `fasttune train: stopped by SIGINT; checkpoint saved to ${checkpoint}\ncontinue with the same command and --resume ${checkpoint}\n`,
    );
    expect(existsSync(checkpoint)).toBe(true);
    expect(existsSync(out)).toBe(false);

    const resumed = await fasttune(...args, '--resume', checkpoint);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain(`resuming from ${checkpoint}\n`);
    expect(resumed.stdout).not.toContain('phase 1 of 2');
    expect(resumed.stdout).toContain('phase 2 of 2');
    expect(existsSync(out)).toBe(true);
  });
});
