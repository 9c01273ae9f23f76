// What `fasttune <command> --help` and a wrong command line tell a new user, without training.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.js';
import { expectFailure, fasttune as run } from '../helpers/fasttune-cli.js';

let dir: string;
const fasttune = (...args: string[]) => run(join(dir, 'torch-home'), ...args);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fasttune-cli-help-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('--help', () => {
  it.each(COMMANDS.map((c) => [c.name, c] as const))('%s --help lists every flag with its default', async (name, command) => {
    const { code, stdout, stderr } = await fasttune(name, '--help');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    for (const [flag, spec] of Object.entries(command.options)) {
      const line = stdout.split('\n').find((l) => new RegExp(`^ {2}(-\\w, )? *--${flag}( <[^>]+>)? {2}`).test(l));
      expect(line, `--${flag}`).toBeDefined();
      expect(line).toMatch(/\(default: [^)]+\)$/);
      expect(line).toContain(`(default: ${spec.default})`);
    }
  });

  it('the training flags a real run needs are there', () => {
    const flags = (name: string) => Object.keys(COMMANDS.find((c) => c.name === name)?.options ?? {});
    expect(flags('train')).toEqual(expect.arrayContaining(['resume', 'save-best', 'monitor', 'metrics', 'seed', 'arch', 'valid', 'skip-bad-images']));
    expect(flags('lr-find')).toEqual(expect.arrayContaining(['valid', 'skip-bad-images', 'seed', 'arch']));
    expect(flags('predict')).toEqual(expect.arrayContaining(['tta', 'json', 'bs', 'device']));
  });
});

describe('a wrong command line exits 2 and says what was meant', () => {
  it.each([
    [['train', 'x', '--epoch', '3'], /train: unknown option '--epoch'; did you mean --epochs\?/],
    [['train', 'x', '--skip-bad-image'], /did you mean --skip-bad-images\?/],
    [['predict', 'm.safetensors', 'a.png', '--tt'], /predict: unknown option '--tt'; did you mean --tta\?/],
    [['train', 'x', '--frobnicate'], /train: unknown option '--frobnicate'\n/],
    [
      ['train', 'x', '--arch', 'resnet51'],
      /expected one of resnet18, resnet34, resnet50, resnet101, resnet152, convnext_tiny for --arch but received 'resnet51' \(did you mean resnet50\?\)/,
    ],
    [['train', 'x', '--arch', 'vgg16'], /expected one of resnet18, resnet34, resnet50, resnet101, resnet152, convnext_tiny for --arch but received 'vgg16'\n/],
    [
      ['train', 'x', '--metrics', 'error_rate,acuracy'],
      /expected one of error_rate, accuracy, top_k_accuracy for --metrics but received 'acuracy' \(did you mean accuracy\?\)/,
    ],
    [['train', 'x', '--save-best', '--monitor', 'accuracy'], /expected one of valid_loss, train_loss, error_rate for --monitor but received 'accuracy'/],
    [['train', 'x', '--monitor', 'valid_loss'], /--monitor only applies with --save-best/],
    [['train', 'x', '--valid', 'val', '--valid-pct', '0.1'], /--valid and --valid-pct exclude each other/],
    [['train', 'x', '--resume', 'ck.safetensors', '--lr-find'], /--resume and --lr-find exclude each other/],
  ])('%j', async (args, message) => {
    const result = await fasttune(...args);
    expectFailure(result, 2, message);
    expect(result.stdout).toBe('');
  });
});
