// lrFind on fixed loss curves: lr sequence, smoothed losses, stop point and the four suggestions
// match a reference written from the spec (test/reference/lr_find.py, torch float32).
import { describe, expect, it } from 'vitest';
import { Learner } from '../../src/index.js';
import { expectClose } from '../helpers/close.js';
import { fixture } from '../helpers/fixtures.js';
import { blankDataLoaders } from '../helpers/memory-data.js';
import { ScriptedModel } from '../helpers/scripted-model.js';

interface Case {
  name: string;
  num_it: number;
  start_lr: number;
  end_lr: number;
  stop_div: boolean;
  n_batches: number;
}

const ref = fixture('lr_find');
const cases = ref.meta.cases as Case[];
const names = ref.meta.suggestions as ('valley' | 'slide' | 'minimum' | 'steep')[];

describe('lrFind matches the reference', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const model = new ScriptedModel({ trainLosses: ref.numbers(`${c.name}.raw`) });
    const learn = new Learner(blankDataLoaders(c.n_batches, 1), model, { progress: false });
    const result = await learn.lrFind({ startLr: c.start_lr, endLr: c.end_lr, numIt: c.num_it, stopDiv: c.stop_div, suggestFuncs: names });

    const expectedLrs = ref.numbers(`${c.name}.lrs`);
    expect(learn.recorder.lrs.length, 'batches before the stop').toBe(expectedLrs.length);
    // pow() may differ by an ulp between V8 and glibc.
    expectClose(learn.recorder.lrs, expectedLrs, { atol: 0, rtol: 1e-14 }, 'lrs');
    // Same float32 operations as torch.lerp on both sides.
    expectClose(learn.recorder.losses, ref.numbers(`${c.name}.smooth`), { atol: 0, rtol: 0 }, 'smoothed losses');

    const expected = ref.numbers(`${c.name}.suggestions`);
    expectClose(
      names.map((n) => result[n]),
      expected,
      { atol: 0, rtol: 0 },
      'suggestions',
    );
    const points = ref.numbers(`${c.name}.points`);
    const got = learn.recorder.lrFindSuggestions.flatMap((s) => [s.point.lr, s.point.loss]);
    // slide's marker is interpolated over log10(lr): float32 in numpy, float64 here.
    expectClose(got, points, { atol: 0, rtol: 1e-5 }, 'marker points');
  });

  it('covers a stop on divergence, NaN and infinite losses and curves too short for some suggestions', () => {
    const stopped = cases.filter((c) => (ref.get(`${c.name}.lrs`).shape[0] as number) < Math.max(c.num_it, 6));
    expect(stopped.length).toBeGreaterThanOrEqual(3);
    const withNaN = cases.filter((c) => ref.numbers(`${c.name}.suggestions`).some(Number.isNaN));
    expect(withNaN.length).toBeGreaterThanOrEqual(3);
    expect(cases.some((c) => ref.numbers(`${c.name}.raw`).some(Number.isNaN))).toBe(true);
    expect(cases.some((c) => ref.numbers(`${c.name}.raw`).includes(Infinity))).toBe(true);
  });
});
