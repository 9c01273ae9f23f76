// One soak run in a fresh process (started with --expose-gc and test/helpers/ts-register.mjs): trains
// `steps` batches of tiny images, then makes `predicts` predict calls (half of them concurrent),
// then creates and disposes `learners` learners, sampling RSS and the live native objects after
// a garbage collection at regular points. Prints one JSON line.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { CancelFitError, ImageDataLoaders, Resize, liveNativeObjects, resnet34, visionLearner } from '../../src/index.ts';

const { steps, predicts, learners, samples: nSamples } = JSON.parse(process.argv[2]);
const dir = mkdtempSync(join(tmpdir(), 'fasttune-soak-'));

const files = [];
for (const [c, label] of ['a', 'b', 'c'].entries()) {
  mkdirSync(join(dir, label), { recursive: true });
  for (let i = 0; i < 12; i++) {
    const file = join(dir, label, `${label}${i}.png`);
    await sharp({ create: { width: 20, height: 16, channels: 3, background: { r: 80 * c, g: 10 * i, b: 200 - 9 * i } } })
      .png()
      .toFile(file);
    files.push(file);
  }
}

const sample = (phase, count) => {
  globalThis.gc();
  return { phase, count, rssMiB: process.memoryUsage().rss / 2 ** 20, heapMiB: process.memoryUsage().heapUsed / 2 ** 20, live: liveNativeObjects() };
};
const out = { samples: [], baseline: null, seconds: 0 };
const started = Date.now();
out.baseline = sample('start', 0);

const dls = await ImageDataLoaders.fromFolder(dir, { validPct: 0.1, seed: 1, bs: 4, itemTfms: Resize(16), decodeWorkers: 0 });
const learn = await visionLearner(dls, resnet34, { pretrained: false, device: 'cpu', seed: 1, progress: false });

// Training: whole epochs, cut at `steps` batches; a sample every steps/nSamples batches.
let done = 0;
const every = Math.max(1, Math.floor(steps / nSamples));
const counter = {
  name: 'SoakCounter',
  afterBatch: (l) => {
    if (!l.training) return;
    done++;
    if (done % every === 0) out.samples.push(sample('train', done));
    if (done >= steps) throw new CancelFitError('enough');
  },
};
await learn.fit(Math.ceil(steps / dls.train.length) + 1, 1e-3, { cbs: [counter] });

// Predict: one at a time and eight at a time, from paths.
const everyPredict = Math.max(1, Math.floor(predicts / nSamples));
for (let n = 0; n < predicts; ) {
  if ((n / 8) % 2 === 0) {
    for (let k = 0; k < 8; k++) await learn.predict(files[(n + k) % files.length]);
  } else {
    await Promise.all(Array.from({ length: 8 }, (_, k) => learn.predict(files[(n + k) % files.length])));
  }
  n += 8;
  if (n % everyPredict < 8) out.samples.push(sample('predict', n));
}
learn.dispose();
dls.close();

// Learners made and disposed.
for (let i = 0; i < learners; i++) {
  const d = await ImageDataLoaders.fromFolder(dir, { validPct: 0.1, seed: 1, bs: 4, itemTfms: Resize(16), decodeWorkers: 0 });
  const l = await visionLearner(d, resnet34, { pretrained: false, device: 'cpu', seed: i, progress: false });
  await l.predict(files[i % files.length]);
  l.dispose();
  d.close();
}
out.end = sample('end', learners);
out.seconds = (Date.now() - started) / 1000;
rmSync(dir, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify(out)}\n`);
