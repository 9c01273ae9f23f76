// Splitters decide which items are for training and which for validation. Each returns index
// lists into the item list it is given, in the order fastai's splitters return them.
import { basename, dirname } from 'node:path';
import { checkInteger, checkNumber, checkOptions, invalidParameterError } from '../core/validate.js';
import { randomSeed, torchRandperm } from '../core/rng.js';

export interface SplitIndices {
  train: number[];
  valid: number[];
}

/** Splits items (file paths) into training and validation indices. */
export type Splitter = (items: readonly string[]) => SplitIndices;

/**
 * fastai's `RandomSplitter`: `torch.manual_seed(seed); perm = torch.randperm(n)`; the first
 * `int(validPct·n)` of `perm` are validation, the rest training (both in `perm` order). With a
 * seed the indices equal PyTorch's; without one a random seed is used.
 */
export function RandomSplitter(validPct = 0.2, seed?: number): Splitter {
  checkNumber('RandomSplitter', 'validPct', validPct, { min: 0, max: 1, maxOpen: true });
  if (seed !== undefined) checkInteger('RandomSplitter', 'seed', seed, { min: 0 });
  return (items) => {
    const perm = torchRandperm(items.length, seed ?? randomSeed());
    const cut = Math.trunc(validPct * items.length);
    return { train: perm.slice(cut), valid: perm.slice(0, cut) };
  };
}

/**
 * fastai's `GrandparentSplitter`: items whose grandparent folder is named `train` go to training,
 * `valid` to validation (`path/train/cat/1.jpg`); others are left out.
 */
export function GrandparentSplitter(options: { train?: string | string[]; valid?: string | string[] } = {}): Splitter {
  checkOptions('GrandparentSplitter', options, ['train', 'valid']);
  const asList = (v: string | string[]) => (Array.isArray(v) ? v : [v]);
  const trainNames = asList(options.train ?? 'train');
  const validNames = asList(options.valid ?? 'valid');
  return (items) => {
    const train: number[] = [];
    const valid: number[] = [];
    items.forEach((item, i) => {
      const grandparent = basename(dirname(dirname(item)));
      if (trainNames.includes(grandparent)) train.push(i);
      else if (validNames.includes(grandparent)) valid.push(i);
    });
    return { train, valid };
  };
}

/** Validation = the given indices, training = the rest (fastai's `IndexSplitter`). */
export function IndexSplitter(validIndices: readonly number[]): Splitter {
  if (!Array.isArray(validIndices)) throw invalidParameterError('IndexSplitter', 'validIndices', 'an array of item indices', validIndices);
  validIndices.forEach((i, k) => checkInteger('IndexSplitter', `validIndices[${k}]`, i, { min: 0 }));
  return (items) => {
    const isValid = new Set(validIndices);
    for (const i of isValid) {
      if (i >= items.length) throw invalidParameterError('IndexSplitter', 'validIndices', `indices below ${items.length} (the number of items)`, i);
    }
    const train: number[] = [];
    items.forEach((_, i) => {
      if (!isValid.has(i)) train.push(i);
    });
    return { train, valid: [...validIndices] };
  };
}
