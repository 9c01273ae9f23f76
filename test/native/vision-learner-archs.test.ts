// Every architecture family through the Learner: visionLearner builds it with fastai's groups,
// freezing keeps its norm layers trainable, it trains, exports with its name in the metadata and
// loads back to the same predictions. (Numbers against PyTorch: test/parity/vision-arch-*.test.ts.)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convnextTiny, loadLearner, readWeights, resnet50, type Architecture } from '../../src/index.js';
import { smallLearner, writeClassFolders } from '../helpers/image-learner.js';

let dir: string;
let files: string[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fasttune-archs-'));
  files = await writeClassFolders(join(dir, 'images'), 4);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe.each([
  [resnet50.name, resnet50, 3],
  [convnextTiny.name, convnextTiny, 2],
] as [string, Architecture, number][])('%s through the Learner', (_name, arch, nGroups) => {
  it('freezes, trains, exports and loads back to the same predictions', async () => {
    const run = await smallLearner(join(dir, 'images'), { arch, augment: false, path: dir });
    try {
      const { learn, model } = run;
      expect(model.nGroups).toBe(nGroups);
      expect(model.settings.arch).toBe(arch.name);
      learn.freeze();
      const info = model.paramInfo();
      const trainable = info.filter((p) => p.trainable);
      // Frozen: the head, and the body's norm layers (trainBn), nothing else.
      expect(trainable.every((p) => p.group === nGroups - 1 || p.isNorm)).toBe(true);
      expect(trainable.some((p) => p.group < nGroups - 1)).toBe(true);
      expect(info.find((p) => p.name === '1.2.weight')?.shape).toEqual([2 * arch.bodyFeatures]);
      await learn.fit(1, 1e-3);
      const path = join(dir, `${arch.name}.safetensors`);
      await learn.export(path);
      expect(JSON.parse((await readWeights(path)).metadata['fasttune.export'] as string).arch).toBe(arch.name);
      const loaded = await loadLearner(path);
      try {
        expect(loaded.model.settings.arch).toBe(arch.name);
        const [a, b] = [await learn.predict(files[0] as string), await loaded.predict(files[0] as string)];
        expect(b.label).toBe(a.label);
        expect(Array.from(b.probs)).toEqual(Array.from(a.probs));
      } finally {
        loaded.model.dispose();
      }
    } finally {
      run.dispose();
    }
  });
});
