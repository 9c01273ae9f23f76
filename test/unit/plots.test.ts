// Recorder plots: valid PNG and SVG files, labelled like fastai's, with the expected marks.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Learner } from '../../src/index.js';
import { blankDataLoaders } from '../helpers/memory-data.js';
import { ScriptedModel } from '../helpers/scripted-model.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fasttune-plots-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The marks (paths) drawn inside the first mark group whose class contains `cls`. */
function marks(svg: string, cls: string): number {
  const start = svg.indexOf(cls);
  if (start < 0) return 0;
  const body = svg.slice(svg.indexOf('>', start) + 1, svg.indexOf('</g>', start));
  return (body.match(/<path /g) ?? []).length;
}

/** Text of every <text> element. */
function texts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1] as string);
}

async function expectPng(file: string): Promise<void> {
  const bytes = readFileSync(file);
  expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const meta = await sharp(bytes).metadata();
  expect(meta.format).toBe('png');
  expect(meta.width).toBeGreaterThan(900);
  expect(meta.height).toBeGreaterThan(500);
  // Not a blank canvas: the plotted lines add dark pixels.
  const { channels } = await sharp(bytes).stats();
  expect(channels[0]?.min).toBeLessThan(100);
}

function curveLearner() {
  const curve = Array.from({ length: 100 }, (_, i) => 2 - Math.sin(i / 30) + (i > 70 ? (i - 70) ** 2 / 50 : 0));
  return new Learner(blankDataLoaders(10, 2), new ScriptedModel({ trainLosses: curve }), { progress: false });
}

describe('plotLrFind', () => {
  it('draws loss against a log learning-rate axis with a marker and legend entry per suggestion', async () => {
    const learn = curveLearner();
    const found = await learn.lrFind({ suggestFuncs: ['valley', 'slide', 'minimum', 'steep'] });
    const svg = readFileSync(await learn.recorder.plotLrFind(join(dir, 'lr.svg')), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    const words = texts(svg);
    expect(words).toEqual(expect.arrayContaining(['Learning Rate', 'Loss', 'suggestions', '1e-7', '1e-3']));
    expect(words.filter((t) => /^(valley|slide|minimum|steep): /.test(t)).sort()).toEqual(
      Object.entries(found)
        .map(([name, lr]) => `${name}: ${lr.toExponential(2)}`)
        .sort(),
    );
    expect(marks(svg, 'layer_1_marks')).toBe(4);
    await expectPng(await learn.recorder.plotLrFind(join(dir, 'lr.png')));
  });

  it('leaves out suggestions that could not be computed and the last skipEnd points', async () => {
    const learn = curveLearner();
    await learn.lrFind({ numIt: 12, suggestFuncs: ['valley', 'slide'] });
    const svg = readFileSync(await learn.recorder.plotLrFind(join(dir, 'short.svg'), { skipEnd: 2 }), 'utf8');
    expect(marks(svg, 'layer_1_marks')).toBe(1);
    expect(texts(svg).some((t) => t.startsWith('slide'))).toBe(false);
  });

  it('needs a finished lrFind', async () => {
    const learn = curveLearner();
    await expect(learn.recorder.plotLrFind(join(dir, 'none.png'))).rejects.toMatchObject({ code: 'E_ARG' });
  });
});

describe('plotLoss and plotSched', () => {
  it('plotLoss: smoothed train loss per step, valid loss at epoch ends', async () => {
    const learn = curveLearner();
    await learn.fitOneCycle(4);
    const svg = readFileSync(await learn.recorder.plotLoss(join(dir, 'loss.svg')), 'utf8');
    expect(texts(svg)).toEqual(expect.arrayContaining(['learning curve', 'steps', 'loss', 'train', 'valid']));
    // One valid point per epoch (iters 10, 20, 30, 40, all past skipStart).
    expect(marks(svg, 'layer_1_layer_1_marks')).toBe(4);
    expect(marks(svg, 'layer_0_marks')).toBe(1);
    const short = readFileSync(await learn.recorder.plotLoss(join(dir, 'loss-skip.svg'), { skipStart: 25 }), 'utf8');
    expect(marks(short, 'layer_1_layer_1_marks')).toBe(2);
    await expectPng(await learn.recorder.plotLoss(join(dir, 'loss.png'), { showEpochs: true, log: true }));
  });

  it('plotSched: one panel per scheduled hyper-parameter', async () => {
    const learn = curveLearner();
    await learn.fitOneCycle(2);
    const svg = readFileSync(await learn.recorder.plotSched(join(dir, 'sched.svg')), 'utf8');
    expect(texts(svg)).toEqual(expect.arrayContaining(['lr', 'mom', 'steps']));
    expect((svg.match(/class="mark-line role-mark/g) ?? []).length).toBe(2);
    await expectPng(await learn.recorder.plotSched(join(dir, 'sched.png')));
  });

  it('refuses other formats and reports unwritable paths', async () => {
    const learn = curveLearner();
    await learn.fit(1);
    await expect(learn.recorder.plotLoss(join(dir, 'loss.jpg'))).rejects.toThrow('plot: expected a file name ending in .png or .svg');
    await expect(learn.recorder.plotLoss(join(dir, 'missing', 'loss.png'))).rejects.toMatchObject({ code: 'E_IO' });
  });
});
