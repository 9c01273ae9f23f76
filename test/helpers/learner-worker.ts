// A worker thread that trains a small learner and reports a digest of its weights and its
// validation probabilities (started with test/helpers/ts-register.mjs in execArgv).
import { createHash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { smallLearner } from './image-learner.js';

const { images, path, seed } = workerData as { images: string; path: string; seed: number };
const run = await smallLearner(images, { seed: 1, modelSeed: seed, path });
await run.learn.fitOneCycle(1, 2e-3);
const { probs } = await run.learn.getPreds();
const digest = createHash('sha256');
for (const t of await run.model.stateDict())
  digest.update(Buffer.from((t.data as Uint8Array).buffer, (t.data as Uint8Array).byteOffset, (t.data as Uint8Array).byteLength));
run.dispose();
parentPort?.postMessage({ weights: digest.digest('hex'), probs });
