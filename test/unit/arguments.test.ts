// Nonsense arguments fail with an E_ARG FasttuneError naming the argument, before the model is
// touched (no step, no freeze).
import { describe, expect, it } from 'vitest';
import { FasttuneError, Learner, accuracy, adam, crossEntropyLossFlat, metric, sgd, slice, topKAccuracy, type LearnerOptions } from '../../src/index.js';
import type { ModelCore } from '../../src/model/types.js';
import { blankDataLoaders } from '../helpers/memory-data.js';
import { ScriptedModel } from '../helpers/scripted-model.js';

function setup() {
  const model = new ScriptedModel();
  const learn = new Learner(blankDataLoaders(2, 1), model, { progress: false });
  return { model, learn };
}

async function expectArgError(run: () => Promise<unknown> | unknown, message: string | RegExp) {
  let error: unknown;
  try {
    await run();
  } catch (e) {
    error = e;
  }
  expect(error, `expected ${String(message)}`).toBeInstanceOf(FasttuneError);
  expect((error as FasttuneError).code).toBe('E_ARG');
  if (typeof message === 'string') expect((error as Error).message).toBe(message);
  else expect((error as Error).message).toMatch(message);
}

describe('fit methods reject bad hyper-parameters before training', () => {
  const cases: [string, (l: Learner) => Promise<unknown>, string | RegExp][] = [
    ['negative epochs', (l) => l.fit(-1), 'fit: expected an integer ≥ 0 for nEpoch but received -1'],
    ['fractional epochs', (l) => l.fitOneCycle(1.5), 'fitOneCycle: expected an integer ≥ 0 for nEpoch but received 1.5'],
    ['NaN epochs', (l) => l.fit(Number.NaN), /fit: expected an integer ≥ 0 for nEpoch but received NaN/],
    ['zero lr', (l) => l.fit(1, 0), 'fit: expected a finite number > 0 for lr but received 0'],
    ['NaN lr', (l) => l.fitOneCycle(1, Number.NaN), 'fitOneCycle: expected a finite number > 0 for lrMax but received NaN'],
    ['negative lr', (l) => l.fit(1, -1e-3), /fit: expected .* for lr but received -0.001/],
    ['infinite lr', (l) => l.fitFlatCos(1, Infinity), /fitFlatCos: expected .* for lr but received Infinity/],
    [
      'lr list of the wrong length',
      (l) => l.fit(1, [1e-3, 1e-2]),
      /fit: expected one value or one per parameter group \(3\) for lr but received \[0.001, 0.01\]/,
    ],
    ['NaN in an lr list', (l) => l.fit(1, [1e-3, Number.NaN, 1e-2]), 'fit: expected a finite number > 0 for lr[1] but received NaN'],
    ['lr given twice', (l) => l.fitOneCycle(1, 1e-3, { lrMax: 1e-3 }), 'fitOneCycle: lrMax given twice (as an argument and in the options)'],
    ['negative wd', (l) => l.fit(1, 1e-3, { wd: -0.1 }), 'fit: expected a finite number ≥ 0 for wd but received -0.1'],
    ['startEpoch past the end', (l) => l.fit(2, 1e-3, { startEpoch: 3 }), 'fit: expected an integer in [0, 2] for startEpoch but received 3'],
    ['non-boolean resetOpt', (l) => l.fit(1, 1e-3, { resetOpt: 'yes' as unknown as boolean }), "fit: expected true or false for resetOpt but received 'yes'"],
    [
      'unknown option',
      (l) => l.fit(1, 1e-3, { epochs: 3 } as object),
      /fit: expected one of the keys wd, cbs, resetOpt, startEpoch, signal, resume .*for options but received 'epochs'/,
    ],
    ['not a signal', (l) => l.fit(1, 1e-3, { signal: {} as AbortSignal }), 'fit: expected an AbortSignal for signal but received an object'],
    ['pctStart above 1', (l) => l.fitOneCycle(1, { pctStart: 1.5 }), 'fitOneCycle: expected a finite number in [0, 1] for pctStart but received 1.5'],
    ['zero div', (l) => l.fitOneCycle(1, 1e-3, { div: 0 }), 'fitOneCycle: expected a finite number > 0 for div but received 0'],
    [
      'two momentums',
      (l) => l.fitOneCycle(1, 1e-3, { moms: [0.9, 0.8] as unknown as [number, number, number] }),
      /fitOneCycle: expected three momentums .* for moms but received \[0.9, 0.8\]/,
    ],
    ['momentum above 1', (l) => l.fitOneCycle(1, 1e-3, { moms: [1.2, 0.8, 0.9] }), /fitOneCycle: expected three momentums in \[0, 1\).* for moms/],
    ['negative flat pct', (l) => l.fitFlatCos(1, { pctStart: -0.1 }), /fitFlatCos: expected .* for pctStart but received -0.1/],
    ['fineTune fractional epochs', (l) => l.fineTune(0.5), 'fineTune: expected an integer ≥ 0 for epochs but received 0.5'],
    ['fineTune zero base lr', (l) => l.fineTune(1, 0), 'fineTune: expected a finite number > 0 for baseLr but received 0'],
    ['fineTune negative freeze epochs', (l) => l.fineTune(1, { freezeEpochs: -1 }), /fineTune: expected .* for freezeEpochs but received -1/],
    ['fineTune zero lrMult', (l) => l.fineTune(1, { lrMult: 0 }), /fineTune: expected .* for lrMult but received 0/],
    ['fineTune bad option', (l) => l.fineTune(1, { startEpoch: 1 } as object), /fineTune: expected one of the keys .* for options but received 'startEpoch'/],
    ['lrFind numIt 0', (l) => l.lrFind({ numIt: 0 }), 'lrFind: expected an integer ≥ 1 for numIt but received 0'],
    ['lrFind end below start', (l) => l.lrFind({ startLr: 1, endLr: 1e-3 }), 'lrFind: expected a learning rate above startLr (1) for endLr but received 0.001'],
    [
      'lrFind unknown suggestion',
      (l) => l.lrFind({ suggestFuncs: ['best' as 'valley'] }),
      /lrFind: expected a list of 'valley', 'slide', 'minimum', 'steep' for suggestFuncs/,
    ],
    ['bad slice in options', async (l) => l.fitOneCycle(1, { lrMax: slice(1e-2, 1e-4) }), 'slice: expected a number ≤ hi (0.0001) for lo but received 0.01'],
  ];

  it.each(cases)('%s', async (_name, run, message) => {
    const { learn, model } = setup();
    await expectArgError(() => run(learn), message);
    expect(model.steps).toHaveLength(0);
    expect(model.freezeCalls).toHaveLength(0);
    expect(model.log).toHaveLength(0);
  });
});

describe('Learner construction checks its inputs', () => {
  const boom = metric('boom', () => {
    throw new Error('no logits for me');
  });
  const cases: [string, LearnerOptions, string | RegExp][] = [
    ['a metric that throws', { metrics: [accuracy, boom] }, "Learner: metrics[1] ('boom') throws on a 2-item batch: no logits for me"],
    [
      'a metric returning a string',
      { metrics: [metric('text', () => 'high' as unknown as number)] },
      "Learner: metrics[0] ('text') must return a number, returned 'high'",
    ],
    [
      'a function instead of a metric',
      { metrics: [(() => 1) as unknown as typeof accuracy] },
      /Learner: expected a Metric \(\{ name, compute \}\).* for metrics\[0\]/,
    ],
    ['zero lr', { lr: 0 }, 'Learner: expected a finite number > 0 for lr but received 0'],
    ['bad moms', { moms: [0.95, 0.85] as unknown as [number, number, number] }, /Learner: expected three momentums .* for moms/],
    ['bad wd', { wd: Number.NaN }, 'Learner: expected a finite number ≥ 0 for wd but received NaN'],
    ['unknown option', { epochs: 1 } as LearnerOptions, /Learner: expected one of the keys .* for options but received 'epochs'/],
    ['bad progress', { progress: 'loud' as 'bar' }, /Learner: expected 'auto', 'bar', 'lines', true or false for progress but received 'loud'/],
    ['bad optimizer', { optimizer: {} as ReturnType<typeof adam> }, /Learner: expected an optimizer from adam\(\) or sgd\(\) for optimizer/],
    [
      'bad loss',
      { lossFunc: 'ce' as unknown as ReturnType<typeof crossEntropyLossFlat> },
      /Learner: expected a loss from crossEntropyLossFlat\(\), focalLossFlat\(\), bceWithLogitsLossFlat\(\), mseLossFlat\(\) or l1LossFlat\(\) for lossFunc but received 'ce'/,
    ],
    ['bad output', { output: {} as NodeJS.WriteStream }, /Learner: expected a stream-like object with write\(text\) for output but received an object/],
  ];

  it.each(cases)('%s', async (_name, options, message) => {
    await expectArgError(() => new Learner(blankDataLoaders(1, 1), new ScriptedModel(), options), message);
  });

  it('data and model must agree on the classes', async () => {
    await expectArgError(
      () => new Learner(blankDataLoaders(1, 1, { classes: 3 }), new ScriptedModel({ nOut: 2 })),
      'Learner: the data has 3 classes but the model has 2 outputs',
    );
  });

  it('the model must be a ModelCore', async () => {
    const notAModel = { nGroups: 3, nOut: 2 } as unknown as ModelCore;
    await expectArgError(() => new Learner(blankDataLoaders(1, 1), notAModel), /Learner: expected a ModelCore \(with freezeTo, trainStep.* for model/);
  });

  it('settings reach a model with configure(); a model without it refuses non-default settings', async () => {
    const model = new ScriptedModel();
    new Learner(blankDataLoaders(1, 1), model, { lossFunc: crossEntropyLossFlat({ labelSmoothing: 0.1 }), optimizer: sgd(), wdBnBias: true });
    expect(model.settings).toEqual({ loss: { kind: 'crossEntropy', labelSmoothing: 0.1, weight: null }, optimizer: 'sgd', wdBnBias: true, trainBn: true });
    const bare = new ScriptedModel() as Partial<ScriptedModel>;
    delete (bare as { configure?: unknown }).configure;
    Object.defineProperty(bare, 'configure', { value: undefined });
    expect(() => new Learner(blankDataLoaders(1, 1), bare as ModelCore)).not.toThrow();
    await expectArgError(() => new Learner(blankDataLoaders(1, 1), bare as ModelCore, { trainBn: false }), /this model takes no settings/);
  });

  it('optimizer and loss factories check their values', async () => {
    await expectArgError(() => adam({ mom: 1 }), 'adam: expected a finite number in [0, 1) for mom but received 1');
    await expectArgError(() => sgd({ wd: -1 }), 'sgd: expected a finite number ≥ 0 for wd but received -1');
    await expectArgError(
      () => crossEntropyLossFlat({ labelSmoothing: 1 }),
      /crossEntropyLossFlat: expected a finite number in \[0, 1\) for labelSmoothing but received 1/,
    );
    await expectArgError(() => topKAccuracy(0), 'topKAccuracy: expected an integer ≥ 1 for k but received 0');
  });
});

describe('freezing', () => {
  it('counts negative indices from the end and refuses fractions', async () => {
    const { learn, model } = setup();
    learn.freeze();
    learn.freezeTo(-2);
    learn.unfreeze();
    expect(model.freezeCalls).toEqual([2, 1, 0]);
    await expectArgError(() => learn.freezeTo(1.5), 'freezeTo: expected an integer for n but received 1.5');
  });

  it('freezing more groups than the model has warns and freezes them all', async () => {
    const { learn, model } = setup();
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    learn.freezeTo(5);
    await new Promise((r) => setImmediate(r));
    process.off('warning', onWarning);
    expect(model.freezeCalls).toEqual([3]);
    expect(warnings).toEqual(['freezeTo(5): the model has 3 parameter groups; freezing all of them']);
  });
});

describe('a metric that fails during validation', () => {
  it('stops the fit with an error naming the metric and batch', async () => {
    const picky = metric('picky', (_l, targets) => {
      if (targets.length > 2) throw new Error('too many');
      return 1;
    });
    const model = new ScriptedModel();
    const learn = new Learner(blankDataLoaders(2, 1, { bs: 4 }), model, { progress: false, metrics: [picky] });
    await expectArgError(() => learn.fit(1), "in callback Recorder.afterBatch: metric 'picky' failed on validation batch 1: too many");
  });
});
