// Random draws with fastai's distributions, from our seeded Rng. The order in which the uniforms
// are consumed is part of the contract: test/reference/augment_geometry.py replays it.
import type { Rng } from '../core/rng.js';

/** A uniform value in [low, high): `low + u·(high − low)`. */
export function uniform(rng: Rng, low: number, high: number): number {
  return low + rng.next() * (high - low);
}

/** An integer in [low, high], both included (Python's `random.randint`). */
export function randint(rng: Rng, low: number, high: number): number {
  return low + Math.floor(rng.next() * (high - low + 1));
}

/**
 * n values the way fastai's `_draw_mask` makes them. Per image: n values from `draw`, then n
 * uniforms, each image keeping its value with probability `p` and getting `neutral` otherwise.
 * With `batch`: one value and one decision for the whole batch. `p` = 1 draws no decisions.
 */
export function drawMasked(n: number, rng: Rng, draw: () => number, p: number, neutral: number, batch: boolean): Float64Array {
  const out = new Float64Array(n);
  if (batch) {
    const value = draw();
    out.fill(p === 1 || rng.next() < p ? value : neutral);
    return out;
  }
  for (let i = 0; i < n; i++) out[i] = draw();
  if (p !== 1) {
    for (let i = 0; i < n; i++) if (!(rng.next() < p)) out[i] = neutral;
  }
  return out;
}

/** Python's `round`: halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}
