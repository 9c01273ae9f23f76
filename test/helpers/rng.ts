// Random sources for augmentation tests: a seeded generator and a replay of fixed uniforms.
import type { Rng } from '../../src/core/rng.js';

/** A small seeded generator (mulberry32): uniform values in [0, 1). */
export function seededRng(seed: number): Rng & { used: number } {
  let state = seed >>> 0;
  return {
    used: 0,
    next() {
      this.used++;
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

/** Hands out `values` in order and fails when asked for more. */
export function replayRng(values: ArrayLike<number>): Rng & { used: number } {
  return {
    used: 0,
    next() {
      if (this.used >= values.length) throw new Error(`replay rng: asked for uniform #${this.used + 1} of ${values.length}`);
      return values[this.used++]!;
    },
  };
}
