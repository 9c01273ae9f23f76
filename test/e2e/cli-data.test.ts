// How `train` and `lr-find` read a folder: which images validate (and saying so), unreadable
// files found before the first epoch, the LR finder's progress, and messages in flag names.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTree } from '../helpers/images.js';
import { expectFailure, fasttune as run, TINY } from '../helpers/fasttune-cli.js';

let dir: string;
let tree: string;
const fasttune = (...args: string[]) => run(join(dir, 'torch-home'), ...args);
const small = { width: 24, height: 24 };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fasttune-cli-data-'));
  // An ImageNet-style tree whose validation folder is val/, with a test/ folder beside it.
  tree = join(dir, 'tree');
  await writeTree(join(tree, 'train'), { cat: 4, dog: 4 }, small);
  await writeTree(join(tree, 'val'), { cat: 2, dog: 2 }, small);
  await writeTree(join(tree, 'test'), { cat: 3, dog: 3 }, small);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const lrFind = (folder: string, ...args: string[]) => fasttune('lr-find', folder, '--num-it', '6', '--plot', join(dir, 'lr.png'), ...TINY, ...args);

describe('the validation split', () => {
  it('takes val/ beside train/, says so, and leaves test/ alone', async () => {
    const { code, stdout, stderr } = await lrFind(tree);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('split: train/ for training, val/ for validation; test/ not used (--valid <name> to validate on one)\n');
    expect(stdout).toContain('8 training and 4 validation images, 2 classes: cat, dog\n');
  });

  it('validates on the folder --valid names', async () => {
    const { code, stdout } = await lrFind(tree, '--valid', 'test');
    expect(code).toBe(0);
    expect(stdout).toContain('split: train/ for training, test/ for validation; val/ not used (--valid <name> to validate on one)\n');
    expect(stdout).toContain('8 training and 6 validation images');
  });

  it('splits train/ at random with --valid-pct, and says so', async () => {
    const { code, stdout } = await lrFind(tree, '--valid-pct', '0.25');
    expect(code).toBe(0);
    expect(stdout).toMatch(/split: random, 25% of train\/ for validation \(seed 1\); val\/, test\/ not used/);
    expect(stdout).toContain('6 training and 2 validation images');
  });

  it('exits 1 naming the folder --valid asks for when it is not there', async () => {
    expectFailure(await lrFind(tree, '--valid', 'holdout'), 1, /--valid holdout: .*tree has no holdout\/ folder/);
  });
});

describe('lr-find', () => {
  it('shows the data, then its progress batch by batch, then the suggestions', async () => {
    const { code, stdout } = await lrFind(tree, '--no-augment');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    const at = (pattern: RegExp) => lines.findIndex((l) => pattern.test(l));
    expect(at(/^8 training and 4 validation images/)).toBeLessThan(at(/^lr-find: up to 6 batches of 2 images$/));
    expect(at(/^lr-find: up to 6 batches/)).toBeLessThan(at(/^lr-find: batch 1\/6 {2}lr 1\.00e-7 {2}loss \d+\.\d{4}$/));
    expect(at(/^lr-find: batch 1\/6/)).toBeLessThan(at(/^valley +\S/));
  });

  it('with --json keeps stdout for the JSON and shows the progress on stderr', async () => {
    const { code, stdout, stderr } = await lrFind(tree, '--json');
    expect(code).toBe(0);
    expect(Object.keys(JSON.parse(stdout) as object)).toEqual(['valley', 'slide', 'minimum', 'steep', 'plot']);
    expect(stderr).toMatch(/^split: train\/ for training, val\/ for validation[\s\S]*\nlr-find: batch 1\/6 /);
  });
});

describe('unreadable images', () => {
  let folder: string;
  let bad: string;

  beforeAll(async () => {
    folder = join(dir, 'with-bad');
    await writeTree(folder, { cat: 4, dog: 4 }, small);
    bad = join(folder, 'cat', 'notes.png');
    await writeFile(bad, 'not an image');
  });

  it('stop the command before the first epoch, counted and named', async () => {
    const out = join(dir, 'bad.safetensors');
    const result = await fasttune('train', folder, '--one-cycle', '--no-augment', '--out', out, ...TINY);
    expectFailure(
      result,
      1,
      new RegExp(
        `^fasttune train: 1 of 9 images cannot be read:\\n  Cannot read image ${bad}: not an image format[^\\n]*\\nremove or fix them, or pass --skip-bad-images`,
      ),
    );
    expect(result.stdout).not.toMatch(/epoch/);
    expect(existsSync(out)).toBe(false);
  });

  it('are left out with --skip-bad-images, with a count on stderr', async () => {
    const out = join(dir, 'skipped.safetensors');
    const { code, stdout, stderr } = await fasttune('train', folder, '--skip-bad-images', '--one-cycle', '--no-augment', '--out', out, ...TINY);
    expect(code).toBe(0);
    expect(stderr).toMatch(new RegExp(`^skipped 1 of 9 images that cannot be read:\\n  Cannot read image ${bad}: `));
    expect(stdout).toMatch(/^\d+ training and \d+ validation images, 2 classes: cat, dog$/m);
    expect(existsSync(out)).toBe(true);
  });
});

describe('messages speak of flags', () => {
  it('a batch larger than the training set: lower --bs', async () => {
    const result = await fasttune('train', tree, '--bs', '100', '--size', '16', '--no-pretrained');
    expectFailure(result, 1, /fewer than one batch \(--bs 100\); lower --bs\n/);
    expect(result.stderr).not.toMatch(/fromFolder|(?<!-)\bbs\b/);
  });

  it('a --weights file that is not there: --weights and --no-pretrained, not the library names', async () => {
    const missing = join(dir, 'nowhere', 'resnet34.pth');
    const result = await fasttune('train', tree, '--weights', missing, '--size', '16', '--bs', '2');
    expectFailure(result, 1, new RegExp(`^fasttune train: weights file ${missing} does not exist, or pass --no-pretrained to start from random weights`));
    expect(result.stderr).not.toMatch(/resolvePretrained|pass (weights|pretrained):/);
  });
});
