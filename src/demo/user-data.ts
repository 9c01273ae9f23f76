// A user's own images for the walkthrough, read the way fastai's guide reads them: presized on
// the CPU (Resize to about twice the training size), then cropped and augmented per batch.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { augTransforms } from '../augment/aug-transforms.js';
import { ImageDataLoaders } from '../data/dataloaders.js';
import { getImageFiles } from '../data/files.js';
import { Resize } from '../data/item-transforms.js';

export interface UserDataOptions {
  /** Labels from group 1 of this pattern on each file name (else the parent folder's name). */
  pattern?: string;
  /** Training image side (fastai's guide: 224). */
  size: number;
  bs: number;
  seed: number;
}

async function isDir(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/**
 * DataLoaders over `dir`: `train/` and `valid/` folders when it has both, else a random 20 %
 * held out. Labels: the pattern's first group on the file name, or the parent folder's name.
 * Items are presized to `size · 460/224` and augmented with `augTransforms({ size, minScale: 0.75 })`,
 * as fastai's guide does for 224 px.
 */
export async function userDataLoaders(dir: string, options: UserDataOptions): Promise<{ dls: ImageDataLoaders; description: string }> {
  const common = {
    itemTfms: Resize(Math.round((options.size * 460) / 224)),
    batchTfms: augTransforms({ size: options.size, minScale: 0.75 }),
    bs: options.bs,
    seed: options.seed,
  };
  if (options.pattern !== undefined) {
    const files = await getImageFiles(dir);
    const dls = await ImageDataLoaders.fromNameRe(dir, files, new RegExp(options.pattern), { ...common, validPct: 0.2 });
    return { dls, description: `${dir} (labels from /${options.pattern}/, 20 % held out)` };
  }
  if ((await isDir(join(dir, 'train'))) && (await isDir(join(dir, 'valid')))) {
    return { dls: await ImageDataLoaders.fromFolder(dir, common), description: `${dir} (train/ and valid/ folders)` };
  }
  return { dls: await ImageDataLoaders.fromFolder(dir, { ...common, validPct: 0.2 }), description: `${dir} (labels from folder names, 20 % held out)` };
}
