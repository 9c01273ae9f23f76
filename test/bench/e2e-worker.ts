// fasttune's side of the end-to-end benchmark: one epoch of fitOneCycle from a JPEG folder
// (train/ and valid/ with a sub-folder per class): list and label the files, decode, random
// resized crop to `size`, train, validate. The twin is e2e_torch.py. Runs the built library.
//
//   node --import ./test/helpers/ts-register.mjs test/bench/e2e-worker.ts '{"dir":…,"size":128,"bs":32,"epochs":1}'
//
// Prints one JSON line: seconds in total (from listing the files to the end of the fit), of the
// fit, of each training and validation phase; images per phase; peak RSS of the process (MiB).
import { readFileSync } from 'node:fs';
import { createVisionModel, errorRate, getNumThreads, ImageDataLoaders, Learner, RandomResizedCrop, type Callback } from '../../dist/index.js';

interface Config {
  dir: string;
  size: number;
  bs: number;
  epochs: number;
  lr: number;
}

const cfg = JSON.parse(process.argv[2] ?? '{}') as Config;
const now = () => performance.now() / 1000;

function statusMiB(field: string): number {
  const line = readFileSync('/proc/self/status', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${field}:`));
  return line ? Number(line.split(/\s+/)[1]) / 1024 : Number.NaN;
}

const cpu = process.cpuUsage();
const start = now();
const dls = await ImageDataLoaders.fromFolder(cfg.dir, { bs: cfg.bs, itemTfms: RandomResizedCrop(cfg.size, { minScale: 0.35 }), seed: 0 });
using model = await createVisionModel({ nOut: dls.c, device: 'cpu', seed: 0 });
const learn = new Learner(dls, model, { metrics: [errorRate], progress: false, output: { write: () => true } });
const phases: { train: number[]; valid: number[] } = { train: [], valid: [] };
let phaseStart = 0;
const timer: Callback = {
  name: 'BenchTimer',
  order: 100,
  beforeTrain: () => {
    phaseStart = now();
  },
  afterTrain: () => {
    phases.train.push(now() - phaseStart);
  },
  beforeValidate: () => {
    phaseStart = now();
  },
  afterValidate: () => {
    phases.valid.push(now() - phaseStart);
  },
};
const fitStart = now();
await learn.fitOneCycle(cfg.epochs, cfg.lr, { cbs: [timer] });
const end = now();
const used = process.cpuUsage(cpu);
console.log(
  JSON.stringify({
    totalSeconds: end - start,
    fitSeconds: end - fitStart,
    trainSeconds: phases.train,
    validSeconds: phases.valid,
    trainImages: dls.train.length * dls.train.bs,
    validImages: dls.valid.n,
    validLoss: learn.recorder.lastValidation?.validLoss,
    peakMiB: statusMiB('VmHWM'),
    cpuSeconds: (used.user + used.system) / 1e6,
    threads: getNumThreads(),
    decodeWorkers: dls.decodeWorkers,
  }),
);
