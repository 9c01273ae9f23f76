// fitOneCycle, fineTune and fitFlatCos send the model the same per-batch learning rates and
// momentums as fastai (reference: test/reference/schedules.py, torch float32 positions).
import { describe, expect, it } from 'vitest';
import { Learner, slice, type HyperValue } from '../../src/index.js';
import { expectClose, maxRelDiff } from '../helpers/close.js';
import { fixture } from '../helpers/fixtures.js';
import { blankDataLoaders } from '../helpers/memory-data.js';
import { ScriptedModel } from '../helpers/scripted-model.js';

// Positions are float32 on both sides; what is left is float64 rounding in pow/cos.
const TOL = { atol: 0, rtol: 1e-9 };

interface Case {
  name: string;
  kind: 'fitOneCycle' | 'fineTune' | 'fitFlatCos';
  n_batches: number;
  n_epochs?: number;
  epochs?: number;
  lr?: { scalar?: number; slice?: number[]; list?: number[] };
  pct?: number;
  div?: number;
  div_final?: number;
  moms?: [number, number, number];
  start_epoch?: number;
  base_lr?: number;
  freeze_epochs?: number;
  lr_mult?: number;
  frozen_steps?: number;
}

const ref = fixture('schedules');
const cases = ref.meta.cases as Case[];

function lrValue(lr: Case['lr']): HyperValue {
  if (lr?.list) return lr.list;
  if (lr?.slice) return lr.slice.length === 1 ? slice(lr.slice[0] as number) : slice(lr.slice[0] as number, lr.slice[1] as number);
  return lr?.scalar as number;
}

function rows(name: string): number[][] {
  const t = ref.get(name);
  const values = Array.from(t.data as Float64Array);
  const width = t.shape[1] as number;
  return Array.from({ length: t.shape[0] as number }, (_, i) => values.slice(i * width, (i + 1) * width));
}

async function replay(c: Case): Promise<ScriptedModel> {
  const model = new ScriptedModel({ nGroups: ref.meta.n_groups as number });
  const learn = new Learner(blankDataLoaders(c.n_batches), model, { progress: false });
  const defined = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  if (c.kind === 'fitOneCycle') {
    await learn.fitOneCycle(
      c.n_epochs as number,
      lrValue(c.lr),
      defined({ pctStart: c.pct, div: c.div, divFinal: c.div_final, moms: c.moms, startEpoch: c.start_epoch }),
    );
  } else if (c.kind === 'fitFlatCos') {
    await learn.fitFlatCos(c.n_epochs as number, lrValue(c.lr), defined({ pctStart: c.pct, divFinal: c.div_final }));
  } else {
    await learn.fineTune(c.epochs as number, c.base_lr, defined({ freezeEpochs: c.freeze_epochs, lrMult: c.lr_mult, pctStart: c.pct, div: c.div }));
  }
  return model;
}

describe('schedules match fastai', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const model = await replay(c);
    const expectedLr = rows(`${c.name}.lr`);
    const expectedMom = ref.numbers(`${c.name}.mom`);
    const lrs = model.lrRows();
    expect(lrs.length, 'steps').toBe(expectedLr.length);
    expectClose(lrs.flat(), expectedLr.flat(), TOL, `${c.name} lr`);
    expectClose(model.moms(), expectedMom, TOL, `${c.name} mom`);
    // Every group gets the same momentum, and the other hyper-parameters stay at Adam's defaults.
    for (const step of model.steps) {
      for (const h of step) {
        expect(h.mom).toBe((step[0] as { mom: number }).mom);
        expect([h.sqrMom, h.eps, h.wd]).toEqual([0.99, 1e-5, 0.01]);
      }
    }
    if (c.kind === 'fineTune') expect(model.freezeCalls).toEqual([2, 0]);
    expect(maxRelDiff(lrs.flat(), expectedLr.flat())).toBeLessThan(1e-9);
  });

  it('covers every lr form and each method', () => {
    expect(new Set(cases.map((c) => c.kind))).toEqual(new Set(['fitOneCycle', 'fineTune', 'fitFlatCos']));
    const forms = cases.filter((c) => c.lr).map((c) => Object.keys(c.lr as object)[0]);
    expect(new Set(forms)).toEqual(new Set(['scalar', 'slice', 'list']));
  });
});
