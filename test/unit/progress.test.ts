// The printed results table (fastai's console layout) and the progress modes.
import { describe, expect, it } from 'vitest';
import { Learner, accuracy, errorRate, type ProgressMode } from '../../src/index.js';
import { formatTime } from '../../src/learner/table.js';
import { CapturedOutput } from '../helpers/learner-kit.js';
import { blankDataLoaders } from '../helpers/memory-data.js';
import { ScriptedModel } from '../helpers/scripted-model.js';

function setup(progress: ProgressMode, { isTTY = false, trainBatches = 8 } = {}) {
  const output = new CapturedOutput(isTTY);
  const model = new ScriptedModel({ trainLosses: [0.9, 0.7, 0.65, 0.6] });
  const learn = new Learner(blankDataLoaders(trainBatches, 2), model, { metrics: [errorRate, accuracy], progress, output });
  return { learn, output, model };
}

describe('results table', () => {
  it('formats times as mm:ss, h:mm:ss from an hour, seconds truncated', () => {
    expect([0, 59.9, 61, 600, 3599.99, 3600, 3725, 36000].map(formatTime)).toEqual([
      '00:00',
      '00:59',
      '01:01',
      '10:00',
      '59:59',
      '1:00:00',
      '1:02:05',
      '10:00:00',
    ]);
  });

  it('prints a header per fit and a row per epoch in fastai layout', async () => {
    const { learn, output } = setup('lines', { trainBatches: 2 });
    await learn.fit(2);
    const lines = output.lines().filter((l) => !l.startsWith('epoch 1/') && !l.startsWith('epoch 2/'));
    expect(lines[0]).toBe('epoch     train_loss  valid_loss  error_rate  accuracy  time    ');
    expect(lines).toHaveLength(3);
    // Each cell left-aligned, padded to its column's width + 2 (header names padded to 8).
    expect(lines[1]).toMatch(/^0 {9}0\.\d{6} {4}0\.500000 {4}0\.500000 {4}0\.500000 {2}\d\d:\d\d {5}$/);
    expect(lines[2]).toMatch(/^1 {9}0\.\d{6} {4}0\.500000 {4}0\.500000 {4}0\.500000 {2}\d\d:\d\d {5}$/);
    // The printed train loss is the smoothed loss at the end of the epoch.
    expect(lines[2]?.slice(10, 18)).toBe((learn.recorder.values[1]![0] as number).toFixed(6));
    expect(learn.recorder.log.slice(0, 5)).toEqual(['1', (learn.recorder.values[1]![0] as number).toFixed(6), '0.500000', '0.500000', '0.500000']);
  });

  it('fineTune prints one table per phase', async () => {
    const { learn, output } = setup('lines', { trainBatches: 2 });
    await learn.fineTune(2);
    const headers = output.lines().filter((l) => l.startsWith('epoch     train_loss'));
    expect(headers).toHaveLength(2);
    expect(
      output
        .lines()
        .filter((l) => /^\d /.test(l))
        .map((l) => l[0]),
    ).toEqual(['0', '0', '1']);
  });
});

describe('progress modes', () => {
  it('false: nothing is written, everything is still recorded', async () => {
    const { learn, output } = setup(false);
    await learn.fit(1);
    expect(output.text).toBe('');
    expect(learn.recorder.values).toHaveLength(1);
  });

  it("'lines': plain lines at each quarter of the training batches, then the row", async () => {
    const { learn, output } = setup('lines');
    await learn.fit(1);
    const lines = output.lines();
    expect(output.text).not.toContain('\r');
    const smooth = (i: number) => (learn.recorder.losses[i] as number).toFixed(4);
    expect(lines.slice(1, 4).map((l) => l.replace(/\[.*\]/, '[…]'))).toEqual([
      `epoch 1/1 train 2/8 […] loss ${smooth(1)}`,
      `epoch 1/1 train 4/8 […] loss ${smooth(3)}`,
      `epoch 1/1 train 6/8 […] loss ${smooth(5)}`,
    ]);
    expect(lines[1]).toMatch(/\[\d\d:\d\d<\d\d:\d\d, [\d.]+ it\/s\]/);
    expect(lines).toHaveLength(5);
  });

  it("'bar': redrawn in place with counts, rate and time left, cleared before the row", async () => {
    const { learn, output } = setup('bar');
    await learn.fit(1);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the bar redraws with a carriage return and an ANSI erase
    expect(output.text).toMatch(/\r\x1b\[2Kepoch 1\/1 train \|█+░*\| \d\/8 \[\d\d:\d\d<\d\d:\d\d, [\d.]+ it\/s\] loss \d\.\d{4}/);
    expect(output.text).toContain('|████████████████████████| 8/8');
    expect(output.text).toMatch(/epoch 1\/1 valid \|█+\| 2\/2/);
    const lastClear = output.text.lastIndexOf('\r\x1b[2K');
    expect(output.text.slice(lastClear + 5)).toMatch(/^0 {9}0\.\d{6}/);
  });

  it("'auto' draws a bar on a terminal and lines elsewhere; the mode can be changed", async () => {
    const tty = setup('auto', { isTTY: true });
    await tty.learn.fit(1);
    expect(tty.output.text).toContain('█');
    const plain = setup('auto');
    await plain.learn.fit(1);
    expect(plain.output.text).not.toContain('█');
    plain.learn.progress = false;
    const before = plain.output.text.length;
    await plain.learn.fit(1);
    expect(plain.output.text.length).toBe(before);
    expect(() => {
      plain.learn.progress = 'loud' as ProgressMode;
    }).toThrow("learn.progress: expected 'auto', 'bar', 'lines', true or false for mode but received 'loud'");
  });

  it('lrFind prints nothing', async () => {
    const { learn, output } = setup('lines');
    await learn.lrFind({ numIt: 10 });
    expect(output.text).toBe('');
    expect(learn.progress).toBe('lines');
  });
});
