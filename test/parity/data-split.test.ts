// RandomSplitter against torch.manual_seed + torch.randperm (test/reference/data_split.py).
import { describe, expect, it } from 'vitest';
import { RandomSplitter } from '../../src/data/splitters.js';
import { fixture } from '../helpers/fixtures.js';

const ref = fixture('data_split');
const cases = ref.meta.cases as Array<{ name: string; seed: number; n: number; pct: number }>;

describe('RandomSplitter matches torch.randperm index for index', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const items = Array.from({ length: c.n }, (_, i) => `img${i}.jpg`);
    const { train, valid } = RandomSplitter(c.pct, c.seed)(items);
    expect(valid).toEqual(ref.numbers(`${c.name}.valid`));
    expect(train).toEqual(ref.numbers(`${c.name}.train`));
  });
});
