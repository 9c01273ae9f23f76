// Tracker callbacks on scripted validation losses: early stopping (patience, minDelta, direction,
// messages), the monitored column, best carried over fits or not, idle during lrFind.
import { describe, expect, it } from 'vitest';
import { EarlyStoppingCallback, Learner, SaveModelCallback, TerminateOnNaNCallback, TrackerCallback, metric, type EvalResult } from '../../src/index.js';
import { CapturedOutput } from '../helpers/learner-kit.js';
import { blankDataLoaders } from '../helpers/memory-data.js';
import { ScriptedModel } from '../helpers/scripted-model.js';

/** One validation batch per epoch whose loss is `losses[epoch]`. */
function setup(validLosses: number[], extra: { metrics?: ReturnType<typeof metric>[] } = {}) {
  const validOutputs: EvalResult[] = validLosses.map((loss) => ({ loss, logits: new Float32Array(4) }));
  const model = new ScriptedModel({ nOut: 2, trainLosses: [1], validOutputs });
  const output = new CapturedOutput();
  const learn = new Learner(blankDataLoaders(2, 1), model, { progress: false, output, ...extra });
  return { learn, model, output };
}

describe('EarlyStoppingCallback', () => {
  it('stops after `patience` epochs without improvement, with fastai’s message; the fit resolves', async () => {
    const { learn, output } = setup([1.0, 0.9, 0.95, 0.97, 0.8, 0.7]);
    await learn.fit(6, 1e-3, { cbs: [new EarlyStoppingCallback({ patience: 2 })] });
    expect(learn.recorder.values.map((r) => r[1])).toEqual([1.0, 0.9, 0.95, 0.97].map(Math.fround));
    expect(output.text).toContain('No improvement since epoch 1: early stopping\n');
  });

  it('needs more than minDelta to count as better', async () => {
    const { learn, output } = setup([1.0, 0.95, 0.5]);
    await learn.fit(3, 1e-3, { cbs: [new EarlyStoppingCallback({ minDelta: 0.1 })] });
    expect(learn.recorder.values).toHaveLength(2);
    expect(output.text).toContain('No improvement since epoch 0: early stopping');
  });

  it('follows a metric where greater is better (a name without loss or error)', async () => {
    let call = 0;
    const scores = [0.5, 0.6, 0.55, 0.7];
    const score = metric('score', () => scores[call++] as number);
    const { learn, output } = setup([1, 1, 1, 1], { metrics: [score] });
    const cb = new EarlyStoppingCallback({ monitor: 'score' });
    call = 0;
    await learn.fit(4, 1e-3, { cbs: [cb] });
    expect(learn.recorder.values).toHaveLength(3);
    expect(cb.best).toBeCloseTo(0.6, 6);
    expect(output.text).toContain('No improvement since epoch 1');
  });

  it('a function compares too', async () => {
    const { learn } = setup([1, 2, 3, 1]);
    const cb = new EarlyStoppingCallback({ comp: (value, best) => value > best, patience: 1 });
    await learn.fit(4, 1e-3, { cbs: [cb] });
    expect(learn.recorder.values).toHaveLength(4);
    expect(cb.best).toBe(3);
  });

  it('NaN never improves', async () => {
    const { learn } = setup([1, Number.NaN, 0.5]);
    learn.removeCb('TerminateOnNaN');
    await learn.fit(3, 1e-3, { cbs: [new EarlyStoppingCallback()] });
    expect(learn.recorder.values).toHaveLength(2);
  });

  it('is idle during lrFind (which skips validation)', async () => {
    const { learn } = setup([1, 1, 1]);
    learn.addCb(new EarlyStoppingCallback({ patience: 1 }));
    await learn.lrFind({ numIt: 7 });
    expect(learn.recorder.lrs).toHaveLength(7);
  });
});

describe('TrackerCallback', () => {
  it('refuses a monitor that is not a column, naming the columns', async () => {
    const { learn } = setup([1]);
    await expect(learn.fit(1, 1e-3, { cbs: [new EarlyStoppingCallback({ monitor: 'accuracy' })] })).rejects.toThrow(
      /monitor 'accuracy' is not a column of the results table \(train_loss, valid_loss\)/,
    );
  });

  it('resets the best at each fit unless resetOnFit is false', async () => {
    const { learn } = setup([0.5, 0.7]);
    const reset = new TrackerCallback();
    const keep = new TrackerCallback({ resetOnFit: false });
    await learn.fit(1, 1e-3, { cbs: [reset, keep] });
    expect([reset.best, keep.best]).toEqual([0.5, 0.5]);
    await learn.fit(1, 1e-3, { cbs: [reset, keep] });
    expect(reset.best).toBeCloseTo(0.7, 6);
    expect(keep.best).toBe(0.5);
    expect(keep.newBest).toBe(false);
  });

  it('checks its options', () => {
    expect(() => new EarlyStoppingCallback({ patience: 0 })).toThrow(/patience/);
    expect(() => new EarlyStoppingCallback({ minDelta: -1 })).toThrow(/minDelta/);
    expect(() => new EarlyStoppingCallback({ monitor: 'x', comp: 'bigger' as 'less' })).toThrow(/comp/);
    expect(() => new EarlyStoppingCallback({ patiense: 2 } as never)).toThrow(
      /EarlyStoppingCallback: expected one of the keys .* \(did you mean 'patience'\?\) for options but received 'patiense'/,
    );
    expect(() => new SaveModelCallback({ everyEpoch: true, atEnd: true })).toThrow(/everyEpoch and atEnd cannot both be set/);
    expect(() => new SaveModelCallback({ everyEpoch: 0 })).not.toThrow();
    expect(() => new SaveModelCallback({ everyEpoch: -2 })).toThrow(/everyEpoch/);
  });

  it('orders as current fastai: trackers 60, SaveModel 61, EarlyStopping 63 (after the save)', () => {
    expect(new TrackerCallback().order).toBe(60);
    expect(new SaveModelCallback().order).toBe(61);
    expect(new EarlyStoppingCallback().order).toBe(63);
  });
});

describe('TerminateOnNaNCallback', () => {
  it('is the default NaN stop under fastai’s name, exported once', async () => {
    const api = await import('../../src/index.js');
    expect(Object.keys(api).filter((name) => name.startsWith('TerminateOnNaN'))).toEqual(['TerminateOnNaNCallback']);
    const { learn } = setup([1]);
    expect(learn.cbs.filter((cb) => cb instanceof TerminateOnNaNCallback)).toHaveLength(1);
  });
});
