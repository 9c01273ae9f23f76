// What an export keeps of the batch transforms: their validation draw, replayed exactly.
import { describe, expect, it } from 'vitest';
import { augTransforms, type AugmentParams, type BatchTransform } from '../../src/index.js';
import { validResizeOf, validResizeTransform } from '../../src/learner/valid-resize.js';
import { StreamRng } from '../../src/core/rng.js';

const plain = (p: AugmentParams) => ({ ...p, affine: p.affine ? Array.from(p.affine) : undefined });

describe('the validation resize of an export', () => {
  it.each([
    ['a resize', augTransforms({ size: [24, 28] }), [32, 40]],
    ['a folded-in crop (minScale < 1)', augTransforms({ size: 24, minScale: 0.75 }), [32, 32]],
    ['no size: the input size', augTransforms(), [30, 20]],
  ] as const)('%s: recorded, then drawn again as the original draws it', (_what, tfm, [h, w]) => {
    const config = validResizeOf(tfm, [h, w]);
    expect(JSON.parse(JSON.stringify(config))).toEqual(config);
    const replay = validResizeTransform(config);
    for (const n of [1, 3]) {
      expect(plain(replay.draw(n, h, w, new StreamRng(5), 'valid'))).toEqual(plain(tfm.draw(n, h, w, new StreamRng(5), 'valid')));
    }
  });

  it('the replay refuses other input sizes and training draws', () => {
    const replay = validResizeTransform(validResizeOf(augTransforms({ size: 24 }), [32, 32]));
    expect(() => replay.draw(1, 30, 32, new StreamRng(0), 'valid')).toThrow(/take 32×32 images .* got 32×30/);
    expect(() => replay.draw(1, 32, 32, new StreamRng(0), 'train')).toThrow(/keeps only the validation transforms/);
  });

  it('a transform that does more than resize on validation cannot be exported', () => {
    const lit: BatchTransform = {
      name: 'alwaysBright',
      draw: (n, h, w) => ({ size: [h, w], brightness: new Float32Array(n).fill(0.1) }),
    };
    expect(() => validResizeOf(lit, [8, 8])).toThrow(/'alwaysBright' draws more than a fixed resize on validation \(brightness\)/);
  });
});
