// `fasttune predict` on what users give it: a pipe closed early, unreadable files among good
// ones, folders, and test-time augmentation.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ttaTransform } from '../../src/cli/tta-transform.js';
import { getImageFiles, loadLearner } from '../../src/index.js';
import { writeTree } from '../helpers/images.js';
import { expectFailure, fasttune as run, startFasttune, TINY } from '../helpers/fasttune-cli.js';

let dir: string;
let images: string;
let files: string[];
let model: string;
const torchHome = () => join(dir, 'torch-home');
const fasttune = (...args: string[]) => run(torchHome(), ...args);

interface Row {
  file: string;
  label: string;
  probability: number;
  probs: Record<string, number>;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fasttune-cli-predict-'));
  images = join(dir, 'images');
  files = await writeTree(images, { cat: 4, dog: 4 }, { width: 24, height: 24 });
  model = join(dir, 'model.safetensors');
  const trained = await fasttune('train', images, '--one-cycle', '--no-augment', '--out', model, ...TINY);
  expect(trained.stderr).toBe('');
  expect(trained.code).toBe(0);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('predict', () => {
  it('ends quietly when the reader closes the pipe (`| head`)', async () => {
    const child = startFasttune(torchHome(), 'predict', model, ...files);
    // The reader is gone before the first row is written.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('classifies every readable file, names each unreadable one on stderr, and exits 1', async () => {
    const text = join(dir, 'notes.png');
    await writeFile(text, 'not an image');
    const missing = join(dir, 'missing.png');
    const [first, second] = files as [string, string];
    const result = await fasttune('predict', model, first, text, missing, second);
    expectFailure(result, 1, new RegExp(`Cannot read image ${missing}: no such file`));
    expect(result.stderr).toMatch(new RegExp(`Cannot read image ${text}: not an image format`));
    expect(result.stderr).toMatch(/2 of 4 images could not be read\n$/);
    const rows = result.stdout.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^file +label +probability$/);
    expect(rows.slice(1).map((r) => r.split(/ +/)[0])).toEqual([first, second]);
  });

  it('takes folders, searching them for image files', async () => {
    const { code, stdout, stderr } = await fasttune('predict', model, images, '--json');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const rows = JSON.parse(stdout) as Row[];
    expect(rows.map((r) => r.file)).toEqual(await getImageFiles(images));
  });

  it('--tta blends the plain pass with passes of the training augmentation', async () => {
    const some = files.slice(0, 3);
    const { code, stdout, stderr } = await fasttune('predict', model, ...some, '--tta', '--json');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const rows = JSON.parse(stdout) as Row[];
    const learn = await loadLearner(model);
    try {
      const ds = learn.dls.testDl(some);
      const expected = await learn.tta({ ds: ds.derive({ batchTfm: ttaTransform(ds.options.batchTfm) }) });
      const plain = await learn.getPreds({ ds });
      rows.forEach((row, i) => {
        expect(row.file).toBe(some[i]);
        expect(Object.values(row.probs)).toEqual(Array.from(expected.probs.subarray(i * 2, i * 2 + 2)));
      });
      expect(Array.from(expected.probs)).not.toEqual(Array.from(plain.probs));
    } finally {
      learn.dispose();
    }
  });
});
