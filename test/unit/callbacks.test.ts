// The training loop's events: order, callback order values, train/valid filters, async handlers,
// the printed loop, and what each Cancel*Error skips.
import { describe, expect, it } from 'vitest';
import { CancelBatchError, CancelEpochError, CancelFitError, CancelTrainError, CancelValidError, Learner, type Callback } from '../../src/index.js';
import { CapturedOutput, eventLogger } from '../helpers/learner-kit.js';
import { blankDataLoaders } from '../helpers/memory-data.js';
import { ScriptedModel } from '../helpers/scripted-model.js';

function setup(trainBatches = 2, validBatches = 1) {
  const model = new ScriptedModel();
  const output = new CapturedOutput();
  const learn = new Learner(blankDataLoaders(trainBatches, validBatches), model, { progress: false, output });
  return { model, learn, output };
}

const epoch = (n: number, validBatches = 1) => [
  'beforeEpoch',
  'beforeTrain',
  ...Array.from({ length: n }, (_, i) => [`beforeBatch:train@${i}`, `afterBatch:train@${i}`]).flat(),
  'afterTrain',
  'beforeValidate',
  ...Array.from({ length: validBatches }, (_, i) => [`beforeBatch:valid@${i}`, `afterBatch:valid@${i}`]).flat(),
  'afterValidate',
  'afterEpoch',
];

describe('events', () => {
  it('fire in fastai order for every epoch and batch', async () => {
    const { learn } = setup(2, 1);
    const log: string[] = [];
    await learn.fit(2, 1e-3, { cbs: [eventLogger(log)] });
    expect(log).toEqual(['beforeFit', ...epoch(2), ...epoch(2), 'afterFit']);
  });

  it('run callbacks by order value, equal orders in the order they were added, and await async handlers', async () => {
    const { learn } = setup(1, 1);
    const seen: string[] = [];
    const make = (name: string, order: number): Callback => ({
      name,
      order,
      beforeFit: async () => {
        await new Promise((r) => setTimeout(r, 5));
        seen.push(name);
      },
    });
    learn.addCb(make('late', 70)).addCb(make('early', -20)).addCb(make('mid-a', 0)).addCb(make('mid-b', 0));
    await learn.fit(1);
    expect(seen).toEqual(['early', 'mid-a', 'mid-b', 'late']);
    expect(learn.cbs.map((c) => c.name ?? '')).toEqual([
      'early',
      'TrainEvalCallback',
      'TerminateOnNaN',
      'mid-a',
      'mid-b',
      'Recorder',
      'ProgressCallback',
      'late',
    ]);
  });

  it('honour runTrain / runValid for batch events only', async () => {
    const { learn } = setup(2, 2);
    const log: string[] = [];
    const trainOnly: Callback = { runValid: false, afterBatch: (l) => void log.push(`t${l.training}`), afterValidate: () => void log.push('av') };
    const validOnly: Callback = { runTrain: false, afterBatch: (l) => void log.push(`v${l.training}`) };
    await learn.fit(1, 1e-3, { cbs: [trainOnly, validOnly] });
    expect(log).toEqual(['ttrue', 'ttrue', 'vfalse', 'vfalse', 'av']);
  });

  it('give callbacks the loop state', async () => {
    const { learn } = setup(3, 1);
    const seen: string[] = [];
    const cb: Callback = {
      afterBatch: (l) => void seen.push(`${l.epoch}/${l.nEpoch} ${l.training ? 't' : 'v'}${l.iter}/${l.nIter} it${l.trainIter} loss${l.loss}`),
    };
    await learn.fit(1, 1e-3, { cbs: [cb] });
    expect(seen).toEqual(['0/1 t0/3 it1 loss1', '0/1 t1/3 it2 loss1', '0/1 t2/3 it3 loss1', '0/1 v0/1 it3 loss0.5']);
  });

  it('per-fit callbacks are removed after the fit, permanent ones stay', async () => {
    const { learn } = setup(1, 1);
    const once: Callback = { name: 'Once' };
    await learn.fit(1, 1e-3, { cbs: [once] });
    expect(learn.cbs).not.toContain(once);
    learn.addCb(once);
    await learn.fit(1);
    expect(learn.cbs).toContain(once);
    learn.removeCb('Once');
    expect(learn.cbs).not.toContain(once);
    expect(() => learn.removeCb('Once')).toThrow(/no callback named 'Once'/);
  });

  it('an error in a callback stops the fit, names the callback and event, and skips afterFit', async () => {
    const { learn, model } = setup(3, 1);
    const log: string[] = [];
    const bad: Callback = {
      name: 'Bad',
      afterBatch: (l) => {
        if (l.iter === 1) throw new TypeError('boom');
      },
    };
    const error = await learn.fit(1, 1e-3, { cbs: [bad, eventLogger(log)] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe('in callback Bad.afterBatch: boom');
    expect(model.steps.length).toBe(2);
    expect(log).not.toContain('afterFit');
  });
});

describe('showTrainingLoop', () => {
  it('prints the phases with the callbacks of each event, in run order', () => {
    const { learn, output } = setup();
    learn.addCb({ name: 'Mine', order: 55, afterBatch() {}, beforeValidate() {}, runValid: false });
    const text = learn.showTrainingLoop();
    expect(output.text).toBe(`${text}\n`);
    const lines = text.split('\n');
    expect(lines[0]).toBe('Start Fit');
    expect(lines.at(-1)).toBe('End Fit');
    expect(lines).toContain('   - beforeFit       : [TrainEvalCallback, Recorder, ProgressCallback]');
    expect(lines).toContain('         - afterBatch      : [TrainEvalCallback, TerminateOnNaN, Recorder, Mine, ProgressCallback]');
    // Validation batches: TrainEval and Mine do not run there.
    expect(lines).toContain('         - afterBatch      : [TerminateOnNaN, Recorder, ProgressCallback]');
    expect(lines).toContain('       - beforeValidate  : [Recorder, Mine, ProgressCallback]');
    const starts = lines.filter((l) => l.trim().startsWith('Start')).map((l) => l.trim());
    expect(starts).toEqual(['Start Fit', 'Start Epoch Loop', 'Start Train', 'Start Batch Loop', 'Start Valid', 'Start Batch Loop']);
  });
});

describe('cancellation', () => {
  it('CancelBatchError skips the step of that batch only', async () => {
    const { learn, model } = setup(3, 1);
    const log: string[] = [];
    const cancel = eventLogger(log, {
      beforeBatch: (l) => {
        if (l.training && l.iter === 1) throw new CancelBatchError();
      },
    });
    await learn.fit(1, 1e-3, { cbs: [cancel] });
    expect(model.steps.length).toBe(2);
    expect(log.slice(1, 10)).toEqual([
      'beforeEpoch',
      'beforeTrain',
      'beforeBatch:train@0',
      'afterBatch:train@0',
      'beforeBatch:train@1',
      'afterCancelBatch:train@1',
      'afterBatch:train@1',
      'beforeBatch:train@2',
      'afterBatch:train@2',
    ]);
  });

  it('CancelTrainError ends training for the epoch; validation still runs', async () => {
    const { learn, model } = setup(4, 1);
    const log: string[] = [];
    const cancel = eventLogger(log, {
      afterBatch: (l) => {
        if (l.training && l.iter === 1) throw new CancelTrainError();
      },
    });
    // Thrown from afterBatch it escapes the batch and is caught by the training phase.
    await learn.fit(1, 1e-3, { cbs: [cancel] });
    expect(model.steps.length).toBe(2);
    expect(model.evalCalls).toBe(1);
    expect(log).toContain('afterCancelTrain');
    expect(log.indexOf('afterCancelTrain')).toBe(log.indexOf('afterTrain') - 1);
    expect(Number.isNaN(learn.recorder.values[0]?.[0])).toBe(true);
  });

  it('CancelValidError skips validation; its cells stay empty', async () => {
    const { learn, model } = setup(2, 2);
    const log: string[] = [];
    await learn.fit(2, 1e-3, {
      cbs: [
        eventLogger(log, {
          beforeValidate: () => {
            throw new CancelValidError();
          },
        }),
      ],
    });
    expect(model.evalCalls).toBe(0);
    expect(log.filter((e) => e === 'afterCancelValidate').length).toBe(2);
    expect(log.filter((e) => e === 'afterEpoch').length).toBe(2);
    expect(learn.recorder.values.map((r) => Number.isNaN(r[1]))).toEqual([true, true]);
    expect(learn.recorder.values.every((r) => Number.isFinite(r[0]))).toBe(true);
  });

  it('validate() fires only the validation events; cancelled, it gives NaN', async () => {
    const { learn, model } = setup(2, 2);
    const log: string[] = [];
    learn.addCb(eventLogger(log));
    const result = await learn.validate();
    expect(log).toEqual(['beforeValidate', 'beforeBatch:valid@0', 'afterBatch:valid@0', 'beforeBatch:valid@1', 'afterBatch:valid@1', 'afterValidate']);
    expect(result).toEqual({ validLoss: 0.5, metrics: {} });
    learn.addCb({
      beforeValidate: () => {
        throw new CancelValidError();
      },
    });
    expect((await learn.validate()).validLoss).toBeNaN();
    expect(model.evalCalls).toBe(2);
  });

  it('CancelEpochError ends the epoch; the next one runs', async () => {
    const { learn, model } = setup(2, 1);
    const log: string[] = [];
    const cancel = eventLogger(log, {
      beforeTrain: (l) => {
        if (l.epoch === 0) throw new CancelEpochError();
      },
    });
    await learn.fit(2, 1e-3, { cbs: [cancel] });
    expect(model.steps.length).toBe(2);
    expect(log.slice(0, 5)).toEqual(['beforeFit', 'beforeEpoch', 'beforeTrain', 'afterCancelEpoch', 'afterEpoch']);
    expect(log.filter((e) => e === 'afterTrain').length).toBe(1);
    // The cancelled epoch's row is empty; the next one has its values.
    expect(learn.recorder.values.map((r) => r.map(Number.isNaN))).toEqual([
      [true, true],
      [false, false],
    ]);
  });

  it('a row never repeats the previous epoch’s values when an epoch is cancelled early', async () => {
    const { learn } = setup(2, 1);
    // Order −20: before the Recorder's beforeEpoch.
    const skipSecond: Callback = {
      order: -20,
      beforeEpoch: (l) => {
        if (l.epoch === 1) throw new CancelEpochError();
      },
    };
    await learn.fit(2, 1e-3, { cbs: [skipSecond] });
    expect(learn.recorder.values[0]?.every(Number.isFinite)).toBe(true);
    expect(learn.recorder.values[1]?.every(Number.isNaN)).toBe(true);
  });

  it('CancelFitError ends the fit normally: afterCancelFit, afterFit, and the promise resolves', async () => {
    const { learn, model } = setup(2, 1);
    const log: string[] = [];
    // Order 65: after the Recorder (50) has written the epoch's row, like fastai's EarlyStopping.
    const stop = eventLogger(
      log,
      {
        afterEpoch: (l) => {
          if (l.epoch === 0) throw new CancelFitError('early stop');
        },
      },
      65,
    );
    await expect(learn.fit(3, 1e-3, { cbs: [stop] })).resolves.toBeUndefined();
    expect(model.steps.length).toBe(2);
    expect(log.slice(-3)).toEqual(['afterEpoch', 'afterCancelFit', 'afterFit']);
    expect(learn.recorder.values.length).toBe(1);
  });

  it('a CancelFitError with a cause still runs afterFit, then rejects with the cause', async () => {
    const { learn } = setup(2, 1);
    const log: string[] = [];
    const reason = new RangeError('why');
    const stop = eventLogger(log, {
      beforeEpoch: () => {
        throw new CancelFitError('stop', { cause: reason });
      },
    });
    await expect(learn.fit(1, 1e-3, { cbs: [stop] })).rejects.toBe(reason);
    expect(log.slice(-2)).toEqual(['afterCancelFit', 'afterFit']);
  });
});

describe('AbortSignal', () => {
  it('stops between batches, runs afterFit, rejects with the reason', async () => {
    const controller = new AbortController();
    const model = new ScriptedModel({
      onTrainStep: (k) => {
        if (k === 2) controller.abort();
      },
    });
    const learn = new Learner(blankDataLoaders(5, 1), model, { progress: false });
    const log: string[] = [];
    const error = await learn.fit(2, 1e-3, { cbs: [eventLogger(log)], signal: controller.signal }).catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    expect(model.steps.length).toBe(3);
    expect(log.slice(-2)).toEqual(['afterCancelFit', 'afterFit']);
    // The Learner is usable again.
    await learn.fit(1);
    expect(model.steps.length).toBe(8);
  });

  it('an already aborted signal runs nothing', async () => {
    const { learn, model } = setup(2, 1);
    const controller = new AbortController();
    controller.abort(new Error('not now'));
    await expect(learn.fit(1, 1e-3, { signal: controller.signal })).rejects.toThrow('not now');
    await expect(learn.validate({ signal: controller.signal })).rejects.toThrow('not now');
    expect(model.steps.length + model.evalCalls).toBe(0);
  });

  it('aborting fineTune in its frozen phase skips the unfrozen phase', async () => {
    const controller = new AbortController();
    const model = new ScriptedModel({
      onTrainStep: (k) => {
        if (k === 1) controller.abort();
      },
    });
    const learn = new Learner(blankDataLoaders(3, 1), model, { progress: false });
    await expect(learn.fineTune(2, undefined, { signal: controller.signal })).rejects.toThrow(/aborted/);
    expect(model.freezeCalls).toEqual([2]);
    expect(model.steps.length).toBe(2);
  });
});

describe('one job at a time', () => {
  it('a second fit while one runs is E_BUSY', async () => {
    const { learn } = setup(2, 1);
    const first = learn.fit(1);
    await expect(learn.fit(1)).rejects.toMatchObject({ code: 'E_BUSY' });
    await expect(learn.lrFind()).rejects.toMatchObject({ code: 'E_BUSY' });
    await first;
    await expect(learn.fit(1)).resolves.toBeUndefined();
  });
});
