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

/** A standard normal value (Box–Muller; one pair of uniforms per value). */
export function normal(rng: Rng): number {
  const u1 = 1 - rng.next(); // in (0, 1], so the log is finite
  const u2 = rng.next();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/**
 * A Gamma(shape, 1) value, shape > 0: Marsaglia and Tsang's squeeze method, with shape < 1
 * boosted as Gamma(shape + 1) · U^(1/shape).
 */
export function gamma(rng: Rng, shape: number): number {
  if (shape < 1) return gamma(rng, shape + 1) * (1 - rng.next()) ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = normal(rng);
    const t = 1 + c * x;
    if (t <= 0) continue;
    const v = t * t * t;
    const u = 1 - rng.next();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** A Beta(a, b) value, `X / (X + Y)` of X ~ Gamma(a), Y ~ Gamma(b) (torch.distributions.Beta's construction). */
export function beta(rng: Rng, a: number, b: number): number {
  const x = gamma(rng, a);
  const y = gamma(rng, b);
  // Both underflow only for tiny shapes, where the mass sits at the ends: pick one by the mean.
  if (x + y === 0) return rng.next() < a / (a + b) ? 1 : 0;
  return x / (x + y);
}
