// `fasttune train`, `lr-find` and `predict` as a user runs them: separate processes, real files,
// exit codes (0 ok, 1 failure, 2 usage) and errors without stack traces.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLearner } from '../../src/index.js';
import { fixturesDir } from '../helpers/fixtures.js';
import { writeClassFolders } from '../helpers/image-learner.js';
import { type ChildResult, runNode } from '../helpers/spawn-child.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
let dir: string;
let images: string;
let files: string[];

function fasttune(...args: string[]): Promise<ChildResult> {
  // Every path below is absolute; the repository is the working folder so that tsx resolves.
  return runNode(['--import', 'tsx', join(root, 'src', 'cli', 'main.ts'), ...args], {
    cwd: root,
    env: { ...process.env, TORCH_HOME: join(dir, 'torch-home') },
    timeout: 300_000,
  });
}

/** A failure as scripts see it: the exit code and one message, no stack trace. */
function expectFailure(result: ChildResult, code: number, message: RegExp): void {
  expect(result.code).toBe(code);
  expect(result.stderr).toMatch(message);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

const tiny = ['--size', '32', '--bs', '4', '--seed', '1'];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fasttune-cli-'));
  images = join(dir, 'images');
  files = await writeClassFolders(images, 6);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('help and usage', () => {
  it('lists the commands', async () => {
    const { code, stdout } = await fasttune('--help');
    expect(code).toBe(0);
    for (const name of ['train', 'lr-find', 'predict', 'doctor']) expect(stdout).toMatch(new RegExp(`\\n  ${name} +\\S`));
  });

  it.each([
    ['train', /Usage: fasttune train <dir> \[options\][\s\S]*--pattern <regex>[\s\S]*--no-pretrained[\s\S]*--lr-find[\s\S]*--one-cycle[\s\S]*--out <file>/],
    ['lr-find', /Usage: fasttune lr-find <dir> \[options\][\s\S]*--plot <file>/],
    ['predict', /Usage: fasttune predict <model> <images or folders\.\.\.> \[options\][\s\S]*--json[\s\S]*--tta/],
  ])('%s --help', async (name, pattern) => {
    const { code, stdout, stderr } = await fasttune(name, '--help');
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toMatch(pattern);
  });

  it.each([
    [['train'], /train: give the folder of images to train on/],
    [['train', 'x', '--epochs', 'many'], /expected an integer ≥ 1 for --epochs but received 'many'/],
    [['train', 'x', '--size', '0'], /expected an integer in \[8, 4096\] for --size but received '0'/],
    [['train', 'x', '--pattern', '(unclosed'], /--pattern is not a valid regular expression/],
    [['train', 'x', '--arch', 'vgg16'], /expected one of resnet18, resnet34, resnet50, resnet101, resnet152, convnext_tiny for --arch but received 'vgg16'/],
    [['train', 'x', '--fine-tune', '--one-cycle'], /exclude each other/],
    [['train', 'x', '--no-pretrained', '--weights', 'w.pth'], /--weights and --no-pretrained exclude each other/],
    [['train', 'x', '--label-delim', ' '], /--label-delim and --regression read labels from a CSV: give --csv/],
    [['train', 'x', '--csv', 'labels.csv', '--label-delim', ' ', '--regression'], /--label-delim and --regression exclude each other/],
    [['train', 'x', '--csv', 'labels.csv', '--pattern', 'a'], /--csv excludes --pattern and --valid/],
    [['train', 'x', 'y'], /unexpected argument/],
    [['train', 'x', '--frobnicate'], /unknown option '--frobnicate'/],
    [['predict', 'model.safetensors'], /give a model file and at least one image or folder/],
    [['lr-find', 'x', '--plot', 'curve.jpg'], /expected a file name ending in \.png or \.svg for --plot/],
  ])('exits 2 on %j', async (args, message) => {
    const result = await fasttune(...args);
    expectFailure(result, 2, message);
    expect(result.stdout).toBe('');
  });
});

describe('train, then predict', () => {
  const model = () => join(dir, 'out', 'model.safetensors');
  let trained: ChildResult;

  beforeAll(async () => {
    trained = await fasttune('train', images, '--no-pretrained', '--epochs', '1', '--out', model(), ...tiny);
  });

  it('trains (fine-tune: a frozen epoch, then one more) and writes one model file', async () => {
    expect(trained.stderr).toBe('');
    expect(trained.code).toBe(0);
    expect(trained.stdout).toContain('3 classes: cat, dog, fox');
    expect(trained.stdout.match(/^epoch +train_loss +valid_loss +error_rate +time *$/gm)).toHaveLength(2);
    expect(trained.stdout).toContain(`wrote ${model()}`);
    expect(existsSync(model())).toBe(true);
  });

  it('predict --json gives what loadLearner gives in this process', async () => {
    const some = files.slice(0, 5);
    const { code, stdout, stderr } = await fasttune('predict', model(), ...some, '--json');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const rows = JSON.parse(stdout) as { file: string; label: string; index: number; probability: number; probs: Record<string, number> }[];
    const learn = await loadLearner(model());
    try {
      const { probs } = await learn.getPreds({ ds: learn.dls.testDl(some) });
      rows.forEach((row, i) => {
        expect(row.file).toBe(some[i]);
        expect(Object.values(row.probs)).toEqual(Array.from(probs.subarray(i * 3, i * 3 + 3)));
        expect(row.label).toBe(learn.dls.vocab[row.index]);
        expect(row.probability).toBe(Math.max(...Object.values(row.probs)));
      });
    } finally {
      learn.model.dispose();
    }
  });

  it('predict prints a table by default', async () => {
    const { code, stdout } = await fasttune('predict', model(), files[0] as string, files[7] as string);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^file +label +probability$/);
    expect(lines.slice(1)).toHaveLength(2);
    for (const line of lines.slice(1)) expect(line).toMatch(/ (cat|dog|fox) +(0|1)\.\d{4}$/);
  });

  it('exits 1 with the file named on a missing image, a non-image, a bad model', async () => {
    const missing = join(images, 'missing.png');
    expectFailure(
      await fasttune('predict', model(), files[0] as string, missing),
      1,
      new RegExp(`^fasttune predict: Cannot read image ${missing}: no such file or folder\\n`),
    );
    const text = join(dir, 'readme.png');
    await writeFile(text, 'not an image');
    expectFailure(await fasttune('predict', model(), text), 1, /readme\.png: not an image format/);
    expectFailure(await fasttune('predict', text, files[0] as string), 1, /readme\.png/);
    expectFailure(await fasttune('predict', join(dir, 'nothing.safetensors'), files[0] as string), 1, /nothing\.safetensors/);
  });
});

describe('train variants', () => {
  it('labels from --pattern, one cycle at a given learning rate', async () => {
    const out = join(dir, 'pattern.safetensors');
    const result = await fasttune(
      'train',
      images,
      '--pattern',
      '^([a-z]+)_\\d+\\.png$',
      '--one-cycle',
      '--lr',
      '1e-3',
      '--no-pretrained',
      '--no-augment',
      '--out',
      out,
      ...tiny,
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.match(/^epoch +train_loss/gm)).toHaveLength(1);
    expect(existsSync(out)).toBe(true);
  });

  it('a pretrained body from --weights, the learning rate from --lr-find', async () => {
    const out = join(dir, 'weights.safetensors');
    const weights = join(fixturesDir, 'vision_model', 'torchvision.safetensors');
    const result = await fasttune('train', images, '--weights', weights, '--lr-find', '--out', out, ...tiny);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^lr-find: batch 10\/100 {2}lr /m);
    expect(result.stdout).toMatch(/learning rate \d\.\d{2}e-\d+ \(LR finder valley\)/);
    expect(existsSync(out)).toBe(true);
  });

  it('exits 1 on a folder that is not there', async () => {
    expectFailure(await fasttune('train', join(dir, 'nowhere'), '--no-pretrained'), 1, /nowhere is not a folder of images/);
  });
});

describe('lr-find', () => {
  it('writes the plot and prints the suggestions', async () => {
    const plot = join(dir, 'lr.png');
    const { code, stdout, stderr } = await fasttune('lr-find', images, '--no-pretrained', '--num-it', '12', '--plot', plot, '--json', ...tiny);
    expect(stderr).toMatch(/^split: random, 20% of the images under \S+ for validation \(seed 1\)\n/);
    expect(code).toBe(0);
    const out = JSON.parse(stdout) as Record<string, number | string>;
    expect(Object.keys(out)).toEqual(['valley', 'slide', 'minimum', 'steep', 'plot']);
    expect(existsSync(plot)).toBe(true);
  });
});
