// Targets by kind (fastai's CategoryBlock, MultiCategoryBlock, RegressionBlock): what each item's
// raw label must be, the vocab, and each item's class index or float target row.
import type { TargetKind } from '../core/batch.js';
import { FasttuneError } from '../core/errors.js';
import { describe } from '../core/validate.js';
import { compareCodePoints, type RawTarget } from './labels.js';

export type { TargetKind };

/** One item's targets: a class index (-1 for float targets) and, for float targets, its row. */
export interface ItemTarget {
  label: number;
  target?: Float32Array;
}

/** The kind a list of raw labels asks for when none is given: arrays make it multi-label. */
export function inferTargetKind(labels: readonly RawTarget[]): TargetKind {
  return labels.some((l) => Array.isArray(l)) ? 'multiCategory' : 'category';
}

/** Normalizes one raw label for `kind`, naming `item` when it does not fit. */
export function normalizeTarget(kind: TargetKind, raw: RawTarget, item: string, where: string): RawTarget {
  if (kind === 'category') {
    if (typeof raw === 'number' || (typeof raw === 'string' && raw !== '')) return String(raw);
    throw new FasttuneError(`${where}: ${item} has label ${describe(raw)}; expected a class name`, 'E_ARG');
  }
  if (kind === 'multiCategory') {
    const list = typeof raw === 'string' ? [raw] : raw;
    if (!Array.isArray(list) || list.length === 0 || !list.every((l) => typeof l === 'string' && l !== '')) {
      throw new FasttuneError(`${where}: ${item} has labels ${describe(raw)}; expected a non-empty array of class names`, 'E_ARG');
    }
    return [...new Set(list as string[])];
  }
  const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new FasttuneError(`${where}: ${item} has regression target ${describe(raw)}; expected a finite number`, 'E_ARG');
  }
  return value;
}

/** The vocab of `kind` from the training labels: sorted classes (none for regression). */
export function vocabOf(kind: TargetKind, trainLabels: readonly RawTarget[]): string[] {
  if (kind === 'regression') return [];
  const all = kind === 'multiCategory' ? trainLabels.flatMap((l) => l as string[]) : (trainLabels as string[]);
  return [...new Set(all)].sort(compareCodePoints);
}

/** Number of model outputs for `kind`: one per class, or one regression value. */
export function outputsOf(kind: TargetKind, vocab: readonly string[]): number {
  return kind === 'regression' ? 1 : vocab.length;
}

/**
 * One item's target against the vocab: a class index, or a multi-hot row / a value as floats.
 * `unknown(label)` describes a class missing from the vocab.
 */
export function encodeTarget(kind: TargetKind, raw: RawTarget, index: ReadonlyMap<string, number>, unknown: (label: string) => never): ItemTarget {
  if (kind === 'regression') return { label: -1, target: Float32Array.of(raw as number) };
  if (kind === 'category') {
    const label = index.get(raw as string);
    return { label: label === undefined ? unknown(raw as string) : label };
  }
  const row = new Float32Array(index.size);
  for (const name of raw as string[]) {
    const i = index.get(name);
    row[i === undefined ? unknown(name) : i] = 1;
  }
  return { label: -1, target: row };
}
