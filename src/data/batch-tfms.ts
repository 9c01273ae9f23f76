// Batch transforms as the loaders see them: one BatchTransform whose parameters are drawn per
// batch and attached to it, and the normalization statistics handed on to the model.
import type { AugmentParams, BatchTransform } from '../augment/batch-transform.js';
import type { Rng } from '../core/rng.js';
import { imagenetStats, Normalize, type Stats } from '../augment/normalize.js';
import { FasttuneError } from '../core/errors.js';
import { invalidParameterError } from '../core/validate.js';

/** Per-channel statistics for `(x/255 − mean)/std`, applied on the device. */
export type NormalizeStats = Stats;

/** 'imagenet' (the default), null for none, or three-channel statistics. */
function checkNormalize(where: string, value: unknown): NormalizeStats | null {
  if (value === undefined || value === 'imagenet') return imagenetStats;
  if (value === null || value === false) return null;
  const v = value as Partial<Stats>;
  const ok = (x: unknown): boolean => Array.isArray(x) && x.length === 3 && x.every((n) => typeof n === 'number' && Number.isFinite(n));
  if (typeof value !== 'object' || !ok(v.mean) || !ok(v.std) || !(v.std as number[]).every((n) => n > 0)) {
    throw invalidParameterError(where, 'normalize', "'imagenet', null, or { mean: [r, g, b], std: [r, g, b] } with positive std", value);
  }
  return Normalize.fromStats(v.mean as number[], v.std as number[]);
}

const sameStats = (a: Stats | null, b: Stats | null): boolean =>
  a === b || (a !== null && b !== null && a.mean.length === b.mean.length && a.mean.every((m, i) => m === b.mean[i] && a.std[i] === b.std[i]));

const describeStats = (s: Stats | null): string => (s === null ? 'none' : `mean [${s.mean.join(', ')}], std [${s.std.join(', ')}]`);

/**
 * The loaders' batch transforms and normalization. A `Normalize` among `batchTfms` (fastai's
 * `batch_tfms=[*aug_transforms(), Normalize.from_stats(...)]`) sets the normalization, as the
 * `normalize` option does; both may be given only when they agree.
 */
export function checkBatchTfms(
  where: string,
  batchTfms: unknown,
  normalizeOption: unknown,
): { batchTfm: BatchTransform | undefined; normalize: NormalizeStats | null } {
  const list: unknown[] = batchTfms === undefined || batchTfms === null ? [] : Array.isArray(batchTfms) ? batchTfms : [batchTfms];
  const tfms: BatchTransform[] = [];
  const norms: Normalize[] = [];
  list.forEach((t, i) => {
    const name = Array.isArray(batchTfms) ? `batchTfms[${i}]` : 'batchTfms';
    if (t instanceof Normalize && t.mean.length === 3) norms.push(t);
    else if (t instanceof Normalize)
      throw invalidParameterError(
        where,
        name,
        'a Normalize with three channels (r, g, b)',
        `a Normalize of ${t.mean.length} channel${t.mean.length === 1 ? '' : 's'}`,
      );
    else if (t && typeof (t as BatchTransform).draw === 'function') tfms.push(t as BatchTransform);
    else throw invalidParameterError(where, name, 'a batch transform (e.g. augTransforms()) or Normalize.fromStats(...)', t);
  });
  let normalize = checkNormalize(where, normalizeOption);
  const fromTfms = norms[0];
  if (fromTfms) {
    for (const other of norms.slice(1)) {
      if (!sameStats(fromTfms, other)) {
        throw invalidParameterError(
          where,
          'batchTfms',
          `one Normalize (or several with the same statistics; the first has ${describeStats(fromTfms)})`,
          `a Normalize with ${describeStats(other)}`,
        );
      }
    }
    if (normalizeOption !== undefined && !sameStats(normalize, fromTfms)) {
      throw invalidParameterError(
        where,
        'normalize',
        `the statistics of the Normalize in batchTfms (${describeStats(fromTfms)}), or no normalize option`,
        normalize === null ? null : describeStats(normalize),
      );
    }
    normalize = fromTfms;
  }
  const batchTfm = tfms.length === 0 ? undefined : tfms.length === 1 ? tfms[0] : compose(tfms);
  return { batchTfm, normalize };
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
