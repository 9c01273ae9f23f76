import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fuzzWeights } from '../fuzz/weights.mjs';

const crashDir = mkdtempSync(join(tmpdir(), 'fasttune-fuzz-crashes-'));

describe('weights fuzzing', () => {
  it('reads or refuses with a FasttuneError every one of 3000 seeded mutations of both formats', async () => {
    const result = await fuzzWeights({ count: 3000, seed: 20_240_917, crashDir });
    const failures = [...result.crashes, ...result.hangs, ...result.wrong];
    expect(failures, JSON.stringify(failures.slice(0, 5), null, 1)).toEqual([]);
    expect(result.cases).toBe(3000);
    expect(result.read + result.refused).toBe(3000);
    // The mutations reach every layer, and some leave the file readable.
    for (const how of [
      'truncated',
      'flipped bytes',
      'pickle mutated',
      'overlapping offsets',
      'storage resized',
      'entry renamed',
      'header fields changed',
      'header length changed',
    ]) {
      expect(result.byHow[how]?.refused ?? 0, how).toBeGreaterThan(0);
    }
    expect(result.read).toBeGreaterThan(100);
  });

  it('notices a reader that crashes or hangs, keeps the case and carries on', async () => {
    const addon = fileURLToPath(new URL('../helpers/misbehaving-addon.cjs', import.meta.url));
    const result = await fuzzWeights({ count: 300, seed: 5, crashDir, addon, timeoutMs: 500 });
    expect(result.cases).toBe(300);
    expect(result.crashes.map((c) => c.index)).toEqual([7, 57, 107, 157, 207, 257]);
    expect(result.crashes[0]?.exit).toBe('SIGSEGV');
    expect(result.hangs.map((c) => c.index)).toEqual([13, 63, 113, 163, 213, 263]);
    expect(result.read + result.refused).toBe(288);
  });
});
