// Annealing functions and their combination into multi-phase schedules, as fastai computes them.
import { invalidParameterError } from '../core/validate.js';
import { FasttuneError } from '../core/errors.js';

/** A hyper-parameter value as a function of the training position in [0, 1). */
export type Schedule = (pos: number) => number;

/** Linear from `start` (pos 0) to `end` (pos 1). */
export function schedLin(start: number, end: number, pos: number): number {
  return start + pos * (end - start);
}

/** Half a cosine from `start` (pos 0) to `end` (pos 1). */
export function schedCos(start: number, end: number, pos: number): number {
  return start + ((1 + Math.cos(Math.PI * (1 - pos))) * (end - start)) / 2;
}

/** Constant `start`. */
export function schedNo(start: number, _end: number, _pos: number): number {
  return start;
}

/** Exponential (geometric) from `start` to `end`. */
export function schedExp(start: number, end: number, pos: number): number {
  return start * (end / start) ** pos;
}

/** Polynomial from `start` to `end`: `start + (end - start)·pos^power`. */
export function schedPoly(start: number, end: number, pos: number, power: number): number {
  return start + (end - start) * pos ** power;
}

/**
 * Chains schedules: phase i covers a fraction `pcts[i]` of training and sees its own position
 * from 0 to 1. As in fastai, the phase boundaries and the in-phase position are computed in
 * float32 (fastai does it with torch tensors), so a position that is just below a boundary in
 * float64 may already belong to the next phase.
 *
 * @example
 * const warmupThenDecay = combineScheds([0.1, 0.9], [(p) => schedLin(0, 1e-3, p), (p) => schedCos(1e-3, 0, p)]);
 */
export function combineScheds(pcts: readonly number[], scheds: readonly Schedule[]): Schedule {
  if (!Array.isArray(pcts) || pcts.length === 0 || pcts.some((p) => typeof p !== 'number' || !(p >= 0))) {
    throw invalidParameterError('combineScheds', 'pcts', 'a non-empty list of fractions ≥ 0', pcts);
  }
  if (!Array.isArray(scheds) || scheds.length !== pcts.length || scheds.some((s) => typeof s !== 'function')) {
    throw invalidParameterError('combineScheds', 'scheds', `${pcts.length} schedule functions, one per phase`, scheds);
  }
  const total = pcts.reduce((a, b) => a + b, 0);
  if (Math.abs(total - 1) > 1e-9) {
    throw new FasttuneError(`combineScheds: the phase fractions must add up to 1, got ${total}`, 'E_ARG');
  }
  const bounds = [0];
  for (const p of pcts) bounds.push(Math.fround((bounds.at(-1) as number) + Math.fround(p)));
  const lastPhase = pcts.length - 1;
  return (pos: number) => {
    const p = Math.fround(pos);
    let phase = 0;
    for (let i = 0; i < bounds.length; i++) if (p >= (bounds[i] as number)) phase = i;
    phase = Math.min(phase, lastPhase);
    const start = bounds[phase] as number;
    const length = Math.fround((bounds[phase + 1] as number) - start);
    const inPhase = Math.fround(Math.fround(p - start) / length);
    return (scheds[phase] as Schedule)(inPhase);
  };
}

/** Cosine from `start` up (or down) to `middle` over the first `pct` of training, then to `end`. */
export function combinedCos(pct: number, start: number, middle: number, end: number): Schedule {
  return combineScheds([pct, 1 - pct], [(p) => schedCos(start, middle, p), (p) => schedCos(middle, end, p)]);
}
