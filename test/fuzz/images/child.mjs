// Runs image fuzz cases in this process: each corrupted file goes through `learn.predict` and
// through a test loader (`getPreds` on `dls.testDl`), the two ways images reach a model. Each
// case is reported on stdout with synchronous writes before it starts, so a crash or hang can be
// pinned on it by test/fuzz/images.mjs. Started with test/helpers/ts-register.mjs (loads src/).
import { mkdirSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { FasttuneError, ImageDataLoaders, Resize, augTransforms, resnet34, visionLearner } from '../../../src/index.ts';
import { caseSeed, makeBases, makeRng, mutateImage } from './mutate.mjs';

const { seed, start, count, dir } = JSON.parse(process.argv[2]);

// A small learner to predict with: two classes of one image each, 32 px, fastai's augmentation.
const data = join(dir, 'data');
for (const [i, label] of ['a', 'b'].entries()) {
  mkdirSync(join(data, label), { recursive: true });
  await sharp({ create: { width: 20, height: 16, channels: 3, background: { r: 40 * i, g: 90, b: 200 } } })
    .png()
    .toFile(join(data, label, `${label}.png`));
}
const dls = await ImageDataLoaders.fromFolder(data, { validPct: 0, seed: 1, bs: 2, itemTfms: Resize(32), batchTfms: augTransforms(), decodeWorkers: 0 });
const learn = await visionLearner(dls, resnet34, { pretrained: false, device: 'cpu', seed: 1, progress: false });
const bases = await makeBases();

/** 'ok', 'refused' (a FasttuneError naming the file) or 'wrong: …'. */
async function attempt(run, file) {
  try {
    await run();
    return 'ok';
  } catch (error) {
    if (error instanceof FasttuneError && error.message.includes(file)) return 'refused';
    return `wrong: ${error?.code ?? error?.constructor?.name}: ${error?.message}`;
  }
}

for (let i = start; i < start + count; i++) {
  const { bytes, ext, how } = mutateImage(bases, makeRng(caseSeed(seed, i)));
  const file = join(dir, `case-${i}.${ext}`);
  writeFileSync(file, bytes);
  writeSync(1, `start ${i} ${JSON.stringify(how)}\n`);
  const results = [await attempt(() => learn.predict(file), file), await attempt(() => learn.getPreds({ ds: dls.testDl([file]) }), file)];
  const wrong = results.find((r) => r.startsWith('wrong'));
  const outcome = wrong ? `wrong ${JSON.stringify(wrong.slice('wrong: '.length))}` : results.includes('refused') ? 'refused' : 'read';
  writeSync(1, `done ${i} ${outcome}\n`);
  unlinkSync(file);
}
learn.dispose();
dls.close();
