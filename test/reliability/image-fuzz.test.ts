// Corrupted JPEG, PNG and WebP files through learn.predict and a test loader: each one predicts
// or fails with a FasttuneError naming the file; none crashes or hangs the process.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fuzzImages } from '../fuzz/images.mjs';

const COUNT = 600;

describe('image fuzzing', () => {
  it(`predicts or refuses naming the file, for each of ${COUNT} seeded corruptions`, async () => {
    const crashDir = mkdtempSync(join(tmpdir(), 'fasttune-image-fuzz-crashes-'));
    const result = await fuzzImages({ count: COUNT, seed: 20_261_128, crashDir });
    const failures = [...result.crashes, ...result.hangs, ...result.wrong];
    console.info(
      `image fuzz: ${result.cases} cases in ${result.seconds.toFixed(1)} s, ${result.read} predicted, ${result.refused} refused, ${failures.length} failures`,
    );
    expect(failures, JSON.stringify(failures.slice(0, 5), null, 1)).toEqual([]);
    expect(result.cases).toBe(COUNT);
    expect(result.read + result.refused).toBe(COUNT);
    // Every kind of damage occurs and is refused at least once.
    for (const how of [
      'truncated',
      'flipped bytes',
      'zeroed span',
      'empty file',
      'zero bytes',
      'text named as an image',
      'png dimensions',
      'jpeg dimensions',
      'webp dimensions',
    ]) {
      expect(result.byHow[how]?.refused ?? 0, how).toBeGreaterThan(0);
    }
  });
});
