// Whole-set metrics on seeded outputs vs test/reference/metrics_accum.py (scikit-learn 1.2 through
// fastai's activations). Tolerances: the scores are the same float64 formulas over the same integer
// counts (or, for the areas, the same rank statistic that scikit-learn's trapezoid sums), so they
// differ only in summation order — a few ulps; 1e-12 relative leaves room for that and nothing
// else. `mae` returns float32 as fastai's per-batch value does: 1e-7 relative.
import { describe, expect, it } from 'vitest';
import {
  accuracyMulti,
  BalancedAccuracy,
  CohenKappa,
  F1Score,
  F1ScoreMulti,
  FBeta,
  FBetaMulti,
  MatthewsCorrCoef,
  mae,
  Precision,
  PrecisionMulti,
  R2Score,
  Recall,
  RecallMulti,
  rmse,
  RocAuc,
  RocAucBinary,
  RocAucMulti,
  type Metric,
} from '../../src/index.js';
import { expectClose } from '../helpers/close.js';
import { fixture } from '../helpers/fixtures.js';

const ref = fixture('metrics_accum');

interface Case {
  input: string;
  metric: string;
  args: number[];
  options: Record<string, unknown>;
}

type Factory = (...args: never[]) => Metric;
const FACTORIES: Record<string, Factory | Metric> = {
  F1Score,
  FBeta,
  Precision,
  Recall,
  RocAuc,
  RocAucBinary,
  MatthewsCorrCoef,
  BalancedAccuracy,
  CohenKappa,
  F1ScoreMulti,
  FBetaMulti,
  PrecisionMulti,
  RecallMulti,
  RocAucMulti,
  accuracyMulti,
  R2Score,
  rmse,
  mae,
};

function metricOf(c: Case): Metric {
  const made = FACTORIES[c.metric];
  if (made === undefined) throw new Error(`no metric ${c.metric}`);
  if (typeof made !== 'function') return made;
  const options = Object.keys(c.options).length > 0 ? c.options : undefined;
  return (made as (...args: unknown[]) => Metric)(...c.args, ...(options ? [options] : []));
}

const cases = ref.meta.cases as Case[];
const expected = ref.numbers('expected');
const results = cases.map((c) => {
  const outputs = ref.get(`${c.input}_outputs`);
  const targets = ref.get(`${c.input}_targets`).data as Int32Array | Float32Array;
  const nOut = outputs.shape[1] as number;
  return metricOf(c).compute(outputs.data as Float32Array, targets, nOut);
});

const TIGHT = { atol: 1e-15, rtol: 1e-12 };

describe('whole-set metrics match scikit-learn', () => {
  const inputs = ref.meta.inputs as string[];
  for (const input of inputs) {
    it(`${input}: ${cases.filter((c) => c.input === input).length} metric settings`, () => {
      const at = cases.flatMap((c, i) => (c.input === input && c.metric !== 'mae' ? [i] : []));
      expect(at.length).toBeGreaterThan(0);
      const labels = at.map((i) => `${(cases[i] as Case).metric}(${JSON.stringify((cases[i] as Case).options)})`);
      for (const [n, i] of at.entries()) {
        expectClose([results[i] as number], [expected[i] as number], TIGHT, `${input} ${labels[n]}`);
      }
    });
  }

  it('mae, a per-batch float32 value', () => {
    const at = cases.flatMap((c, i) => (c.metric === 'mae' ? [i] : []));
    expectClose(
      at.map((i) => results[i] as number),
      at.map((i) => expected[i] as number),
      { atol: 0, rtol: 1e-7 },
      'mae',
    );
  });

  it('the edge cases are exercised: undefined areas are NaN, a never-predicted class scores 0', () => {
    const nanAt = cases.flatMap((c, i) => (Number.isNaN(expected[i]) ? [`${c.input} ${c.metric}`] : []));
    // The multiclass set lacks targets of classes 2 and 6; label 4 of multilabel_edge has no positive.
    expect(nanAt).toContain('multiclass RocAuc');
    expect(nanAt).toContain('multilabel_edge RocAucMulti');
    const oneSided = cases.findIndex((c) => c.input === 'binary_one_sided' && c.metric === 'Precision' && c.options.average === 'binary');
    expect(expected[oneSided]).toBe(0);
    expect(results[oneSided]).toBe(0);
    const constantR2 = cases.findIndex((c) => c.input === 'regression_const' && c.metric === 'R2Score');
    expect(results[constantR2]).toBe(0);
  });
});
