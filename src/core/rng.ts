// Random numbers for the data pipeline: PyTorch's CPU generator (so seeded splits match
// torch.randperm index for index) and cheap independent streams for shuffles, crops and augments.
import { checkInteger } from './validate.js';

/** A source of uniform random numbers in [0, 1). */
export interface Rng {
  next(): number;
}

const MT_N = 624;
const MT_M = 397;

/**
 * PyTorch's CPU generator: a 32-bit Mersenne Twister (MT19937) seeded the way
 * `torch.manual_seed(seed)` seeds it (the low 32 bits of the seed).
 */
export class TorchGenerator {
  private readonly state = new Uint32Array(MT_N);
  private index = MT_N;

  constructor(seed: number) {
    checkInteger('TorchGenerator', 'seed', seed, { min: 0 });
    const s = this.state;
    s[0] = seed % 0x1_0000_0000;
    for (let i = 1; i < MT_N; i++) {
      const prev = s[i - 1] as number;
      s[i] = (Math.imul(1812433253, prev ^ (prev >>> 30)) + i) >>> 0;
    }
  }

  /** The next 32-bit output (what the generator's `random()` returns). */
  nextUint32(): number {
    if (this.index >= MT_N) this.twist();
    let y = this.state[this.index++] as number;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  private twist(): void {
    const s = this.state;
    for (let k = 0; k < MT_N; k++) {
      const y = ((s[k] as number) & 0x80000000) | ((s[(k + 1) % MT_N] as number) & 0x7fffffff);
      s[k] = ((s[(k + MT_M) % MT_N] as number) ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0)) >>> 0;
    }
    this.index = 0;
  }
}

/**
 * `torch.manual_seed(seed); torch.randperm(n)` on the CPU, reproduced exactly: PyTorch swaps
 * position i with i + (random() mod (n − i)) for i = 0 … n − 2.
 */
export function torchRandperm(n: number, seed: number): number[] {
  checkInteger('torchRandperm', 'n', n, { min: 0 });
  const gen = new TorchGenerator(seed);
  const perm = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < n - 1; i++) {
    const z = i + (gen.nextUint32() % (n - i));
    const saved = perm[i] as number;
    perm[i] = perm[z] as number;
    perm[z] = saved;
  }
  return perm;
}

/** Murmur3's finaliser: spreads every input bit over the 32-bit output. */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A seeded stream of uniform numbers in [0, 1) (xoshiro128**, 53-bit doubles). */
export class StreamRng implements Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** A stream fixed by a seed and any number of integer keys (epoch, item, …). */
  constructor(seed: number, ...keys: number[]) {
    let h = mix32((seed % 0x1_0000_0000) ^ 0x9e3779b9);
    h = mix32(h ^ Math.floor(seed / 0x1_0000_0000));
    for (const key of keys) h = mix32(h ^ mix32((key + 0x632be5ab) >>> 0) ^ Math.floor(key / 0x1_0000_0000));
    this.s0 = mix32(h + 0x6a09e667);
    this.s1 = mix32(h + 0xbb67ae85);
    this.s2 = mix32(h + 0x3c6ef372);
    this.s3 = mix32(h + 0xa54ff53a) | 1; // never the all-zero state
  }

  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  next(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A uniformly shuffled copy of `items` (Fisher–Yates driven by `rng`). */
export function shuffled<T>(items: readonly T[], rng: StreamRng): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const saved = out[i] as T;
    out[i] = out[j] as T;
    out[j] = saved;
  }
  return out;
}

/** A fresh seed for callers who gave none. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 0x1_0000_0000);
}
