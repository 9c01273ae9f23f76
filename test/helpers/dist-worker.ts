// One rank of a data-parallel test run, started by test/native/distributed.test.ts with the
// torchrun variables set. `grad`: a model seeded by its rank joins the group, takes rank 0's
// weights, runs one backward on its own batch (the Reducer averages the gradients) and writes its
// parameters and gradients to `<out>.rank<R>.bin`. `join`: joins and leaves (start-up faults).
// `learner`: learn.distributed around a fit (see learnerRun). `other-model`: rank 1 builds a model with another head. `hang`: joins, then runs backward passes until killed or failed (a lost rank).
// `twin`: three steps from test/reference/ddp_twin.py's model and batches (see twinRun).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GroupHypers } from '../../src/core/hypers.js';
import { createVisionModel } from '../../src/model/vision-model.js';
import { initProcessGroup } from '../../src/model/process-group.js';
import { Learner } from '../../src/learner/learner.js';
import { fixturesDir, readSafetensors } from './fixtures.js';
import { CapturedOutput } from './learner-kit.js';
import { noiseDataLoaders } from './memory-data.js';

const [mode, out] = process.argv.slice(2);

/** test/helpers/model.ts's syntheticBatch (that module needs vitest, which a child cannot load). */
function syntheticBatch(n: number, size: number, seed: number) {
  let state = seed >>> 0;
  const next = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0);
  const images = new Uint8Array(n * size * size * 3).map(() => next() >>> 24);
  const labels = Int32Array.from({ length: n }, () => next() % 5);
  return { images, shape: [n, size, size, 3] as [number, number, number, number], labels };
}
const rank = Number(process.env.RANK);

async function main(): Promise<void> {
  if (mode === 'learner') return learnerRun(out as string); // learn.distributed joins by itself
  if (mode === 'twin') return twinRun(out as string);
  const group = await initProcessGroup();
  if (mode === 'join') {
    await group.barrier();
    group.close();
    return;
  }
  // ps 0: no dropout, whose masks would differ between the ranks and the one-process run.
  const nOut = mode === 'other-model' && rank === 1 ? 6 : 5;
  using model = await createVisionModel({ nOut, device: 'cpu', seed: 10 + rank, ps: 0 });
  await model.distribute(group);
  if (mode === 'hang') {
    process.stdout.write(`stepping rank ${rank} pid ${process.pid}\n`);
    for (;;) await model.accumulateStep(syntheticBatch(2, 32, 100 + rank));
  }
  await model.accumulateStep(syntheticBatch(4, 32, 100 + rank));
  // Parameters only: each rank's BatchNorm statistics moved with its own batch, as in DDP.
  const params = new Set(model.paramInfo().map((p) => p.name));
  const weights = (await model.stateDict()).filter((t) => params.has(t.name)).map((t) => t.data as Float32Array);
  const grads = (await model.gradients()).map((g) => g.data ?? new Float32Array());
  const parts = [...weights, ...grads].map((t) => Buffer.from(t.buffer, t.byteOffset, t.byteLength));
  writeFileSync(`${out}.rank${rank}.bin`, Buffer.concat(parts));
  group.close();
}

/**
 * The fasttune side of test/reference/ddp_twin.py: the same initial model and per-rank batches,
 * three Adam steps; writes the final weights and buffers to `<out>.rank<R>.safetensors`.
 */
async function twinRun(out: string): Promise<void> {
  const dir = join(fixturesDir, 'ddp_twin');
  const data = readSafetensors(join(dir, 'data.safetensors'));
  const group = await initProcessGroup();
  using model = await createVisionModel({ nOut: data.meta.nOut as number, device: 'cpu', ps: 0 });
  await model.loadWeights(join(dir, 'initial.pth'), { part: 'full' });
  await model.distribute(group);
  const images = data.get(`rank${rank}.images`);
  const labels = data.get(`rank${rank}.labels`);
  const [steps, n, size] = images.shape as [number, number, number];
  const hypers = Array.from({ length: model.nGroups }, () => data.meta.hypers as GroupHypers);
  const perStep = n * size * size * 3;
  for (let step = 0; step < steps; step++) {
    const batch = {
      images: (images.data as Uint8Array).subarray(step * perStep, (step + 1) * perStep),
      shape: [n, size, size, 3] as [number, number, number, number],
      labels: Int32Array.from((labels.data as BigInt64Array).subarray(step * n, (step + 1) * n), Number),
    };
    await model.trainStep(batch, hypers);
  }
  await model.saveWeights(`${out}.rank${rank}.safetensors`);
  group.close();
}

/** learn.distributed around a one-epoch fit: writes the weights, what it printed and the Recorder. */
async function learnerRun(out: string): Promise<void> {
  const dls = noiseDataLoaders({ nTrain: 16, nValid: 8, bs: 4, size: 32, classes: 3 });
  using model = await createVisionModel({ nOut: 3, device: 'cpu', seed: 10 + rank, ps: 0 });
  const output = new CapturedOutput();
  const learn = new Learner(dls, model, { output, progress: 'lines' });
  await learn.distributed(() => learn.fit(1, 1e-3));
  const weights = (await model.stateDict()).map((t) => t.data).filter((d) => d instanceof Float32Array);
  writeFileSync(`${out}.rank${rank}.bin`, Buffer.concat(weights.map((t) => Buffer.from(t.buffer, t.byteOffset, t.byteLength))));
  const record = { printed: output.text, values: learn.recorder.values };
  writeFileSync(`${out}.rank${rank}.json`, JSON.stringify(record));
}

main().then(
  () => process.exit(0),
  (error: Error & { code?: string }) => {
    process.stderr.write(`rank ${rank}: ${error.code ?? ''} ${error.message}\n`);
    process.exit(1);
  },
);
