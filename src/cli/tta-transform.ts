// What `fasttune predict --tta` augments with. An exported model keeps only its validation resize,
// so the augmented passes use what `fasttune train` trained with: fastai's aug_transforms, cropping
// 75–100% of the image, to the size the model was exported for.
import { augTransforms } from '../augment/aug-transforms.js';
import type { BatchTransform } from '../augment/batch-transform.js';

/** The exported validation transform for the plain pass, `fasttune train`'s augmentation for the others. */
export function ttaTransform(exported: BatchTransform | undefined): BatchTransform {
  const bySize = new Map<string, BatchTransform>();
  return {
    name: 'ttaTransform',
    draw(n, height, width, rng, split) {
      if (split === 'valid' && exported) return exported.draw(n, height, width, rng, split);
      // The size the model sees: the exported resize's, else the images' own.
      const size = exported ? exported.draw(1, height, width, rng, 'valid').size : ([height, width] as [number, number]);
      const key = size.join('x');
      let augment = bySize.get(key);
      if (!augment) {
        augment = augTransforms({ size: [size[0], size[1]], minScale: 0.75 });
        bySize.set(key, augment);
      }
      return augment.draw(n, height, width, rng, split);
    },
  };
}
