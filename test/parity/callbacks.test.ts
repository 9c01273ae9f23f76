// ReduceLROnPlateau's decisions on recorded loss sequences against PyTorch's ReduceLROnPlateau
// set to fastai's rule, and CSVLogger's number format against Python's str(float)
// (test/reference/callbacks.py).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pythonFloat } from '../../src/learner/csv-logger.js';
import type { Learner } from '../../src/learner/learner.js';
import { ReduceLROnPlateau } from '../../src/learner/reduce-lr-on-plateau.js';
import { fixturesDir } from '../helpers/fixtures.js';

interface Case {
  kind: string;
  config: { patience: number; factor: number; minLr: number; minDelta: number };
  losses: Array<number | null>;
  lrs: number[][];
}
const ref = JSON.parse(readFileSync(join(fixturesDir, 'callbacks', 'callbacks.json'), 'utf8')) as {
  initialLrs: number[];
  reduceLrOnPlateau: Case[];
  pythonFloats: Array<{ value: number | null; special: string | null; text: string }>;
};

/** The parts of a Learner a tracker reads, with a results table filled one epoch at a time. */
function fakeLearner(lrs: number[]): { learn: Learner; lines: string[] } {
  const lines: string[] = [];
  const learn = {
    epoch: 0,
    lrFinder: undefined,
    hypers: lrs.map((lr) => ({ lr, mom: 0.9, sqrMom: 0.99, eps: 1e-5, wd: 0.01 })),
    recorder: { metricNames: ['epoch', 'train_loss', 'valid_loss', 'time'], values: [] as number[][] },
    output: { write: (s: string) => lines.push(s) },
  };
  return { learn: learn as unknown as Learner, lines };
}

describe('ReduceLROnPlateau vs PyTorch', () => {
  for (const c of ref.reduceLrOnPlateau) {
    const { patience, factor, minLr, minDelta } = c.config;
    it(`${c.kind}: patience ${patience}, factor ${factor}, minLr ${minLr}, minDelta ${minDelta}`, () => {
      const cb = new ReduceLROnPlateau({ patience, factor, minLr, minDelta });
      const { learn, lines } = fakeLearner(ref.initialLrs);
      cb.beforeFit(learn);
      let reductions = 0;
      c.losses.forEach((loss, epoch) => {
        learn.epoch = epoch;
        learn.recorder.values.push([0.5, loss ?? Number.NaN]);
        const before = learn.hypers?.at(-1)?.lr as number;
        cb.afterEpoch(learn);
        const lrs = (learn.hypers ?? []).map((h) => h.lr);
        lrs.forEach((lr, g) => expect(lr, `epoch ${epoch}, group ${g}`).toBeCloseTo(c.lrs[epoch]?.[g] as number, 15));
        // x / factor here, x · (1 / factor) in PyTorch: equal to the last bits.
        lrs.forEach((lr, g) => expect(Math.abs(lr - (c.lrs[epoch]?.[g] as number)) / lr).toBeLessThan(1e-12));
        if ((lrs.at(-1) as number) < before) reductions++;
      });
      expect(lines).toHaveLength(reductions);
      if (reductions > 0) expect(lines[0]).toMatch(/^Epoch \d+: reducing lr to [\d.e-]+\n$/);
    });
  }

  it('reduces at least once across the cases (the references exercise the rule)', () => {
    const reduced = ref.reduceLrOnPlateau.filter((c) => (c.lrs.at(-1)?.[2] as number) < (ref.initialLrs[2] as number));
    expect(reduced.length).toBeGreaterThan(4);
  });
});

describe("CSVLogger's numbers", () => {
  it("print as Python's str(float)", () => {
    for (const { value, special, text } of ref.pythonFloats) {
      const x = special === null ? (value as number) : special === 'nan' ? Number.NaN : special === 'inf' ? Infinity : -Infinity;
      expect(pythonFloat(x), text).toBe(text);
    }
  });
});
