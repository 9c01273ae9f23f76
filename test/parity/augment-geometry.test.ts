// augTransforms' draws vs fastai's formulas recomputed in PyTorch from the same uniforms
// (test/reference/augment_geometry.py).
import { describe, expect, it } from 'vitest';
import { augTransforms, type AugTransformsOptions } from '../../src/index.js';
import { expectClose } from '../helpers/close.js';
import { fixture } from '../helpers/fixtures.js';
import { replayRng } from '../helpers/rng.js';

interface Scenario {
  name: string;
  options: AugTransformsOptions;
  n: number;
  height: number;
  width: number;
  split: 'train' | 'valid';
  size: [number, number];
  fields: Array<'affine' | 'warp' | 'brightness' | 'contrast'>;
}

const reference = fixture('augment_geometry', 'geometry');
const scenarios = reference.meta.scenarios as Scenario[];
const atol = reference.meta.atol as number;

describe('augTransforms draws match fastai formulas', () => {
  it.each(scenarios.map((s) => [s.name, s] as const))('%s', (_name, s) => {
    const uniforms = reference.numbers(`${s.name}.uniforms`);
    const rng = replayRng(uniforms);
    const params = augTransforms(s.options).draw(s.n, s.height, s.width, rng, s.split);
    expect(rng.used, 'uniforms consumed').toBe(uniforms.length);
    expect(params.size).toEqual(s.size);
    for (const field of ['affine', 'warp', 'brightness', 'contrast'] as const) {
      if (s.fields.includes(field)) {
        expect(params[field], field).toBeInstanceOf(Float32Array);
        expectClose(params[field]!, reference.numbers(`${s.name}.${field}`), { atol, rtol: 0 }, `${s.name}.${field}`);
      } else {
        expect(params[field], field).toBeUndefined();
      }
    }
  });
});
