// Batch transforms as the loaders see them: one BatchTransform whose parameters are drawn per
// batch and attached to it, and the normalization statistics handed on to the model.
import type { AugmentParams, BatchTransform } from '../augment/types.js';
import type { Rng } from '../core/rng.js';
import { imagenetStats, Normalize, type Stats } from '../augment/normalize.js';
import { FasttuneError } from '../core/errors.js';

/** Per-channel statistics for `(x/255 − mean)/std`, applied on the device. */
export type NormalizeStats = Stats;

/** 'imagenet' (the default), null for none, or three-channel statistics. */
export function checkNormalize(value: unknown): NormalizeStats | null {
  if (value === undefined || value === 'imagenet') return imagenetStats;
  if (value === null || value === false) return null;
  const v = value as Partial<Stats>;
  if (typeof value === 'object' && Array.isArray(v.mean) && v.mean.length === 3) {
    return Normalize.fromStats(v.mean, v.std ?? []);
  }
  throw new FasttuneError(
    `normalize must be 'imagenet', null, or { mean: [r, g, b], std: [r, g, b] } with positive std, got ${JSON.stringify(value)}`,
    'E_ARG',
  );
}

function multiply3x3(a: Float32Array, b: Float32Array, i: number, out: Float32Array): void {
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += (a[i * 9 + r * 3 + k] as number) * (b[i * 9 + k * 3 + c] as number);
      out[i * 9 + r * 3 + c] = s;
    }
  }
}

/**
 * Several batch transforms as one: each draws in turn from the same stream; affine matrices
 * compose (the first transform's matrix applied last to output coordinates, as sampling maps
 * output → input); the size is the last one given; brightness, contrast and warp may come from
 * one transform only.
 */
function compose(tfms: readonly BatchTransform[]): BatchTransform {
  return {
    name: tfms.map((t) => t.name).join('+'),
    draw(n: number, height: number, width: number, rng: Rng, split: 'train' | 'valid'): AugmentParams {
      let merged: AugmentParams | undefined;
      for (const tfm of tfms) {
        const p = tfm.draw(n, height, width, rng, split);
        if (!merged) {
          merged = { ...p };
          continue;
        }
        for (const key of ['brightness', 'contrast', 'warp'] as const) {
          if (p[key] && merged[key]) {
            throw new FasttuneError(`batch transforms ${tfms.map((t) => t.name).join(', ')} both set ${key}; give it to one of them only`, 'E_ARG');
          }
          if (p[key]) merged[key] = p[key];
        }
        merged.size = p.size;
        if (p.affine && merged.affine) {
          const out = new Float32Array(n * 9);
          for (let i = 0; i < n; i++) multiply3x3(merged.affine, p.affine, i, out);
          merged.affine = out;
        } else if (p.affine) merged.affine = p.affine;
      }
      return merged as AugmentParams;
    },
  };
}

export function checkBatchTfms(value: unknown): BatchTransform | undefined {
  if (value === undefined || value === null) return undefined;
  const list = Array.isArray(value) ? value : [value];
  for (const t of list) {
    if (!t || typeof (t as BatchTransform).draw !== 'function') {
      throw new FasttuneError(`batchTfms must be a BatchTransform (e.g. augTransforms()) or an array of them, got ${String(t)}`, 'E_ARG');
    }
  }
  if (list.length === 0) return undefined;
  return list.length === 1 ? (list[0] as BatchTransform) : compose(list as BatchTransform[]);
}
