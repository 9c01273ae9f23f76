// One rank of a data-parallel test run, started by test/native/distributed.test.ts with the
// torchrun variables set. `grad`: a model seeded by its rank joins the group, takes rank 0's
// weights, runs one backward on its own batch (the Reducer averages the gradients) and writes its
// weights and gradients to `<out>.rank<R>.bin`. `join`: joins and leaves (start-up faults).
// `other-model`: rank 1 builds a model with another head. `hang`: joins, then runs backward passes until killed or failed (a lost rank).
import { writeFileSync } from 'node:fs';
import { createVisionModel } from '../../src/model/vision-model.js';
import { initProcessGroup } from '../../src/model/process-group.js';
import { syntheticBatch } from './model.js';

const [mode, out] = process.argv.slice(2);
const rank = Number(process.env.RANK);

async function main(): Promise<void> {
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
  const weights = (await model.stateDict()).map((t) => t.data).filter((d) => d instanceof Float32Array);
  const grads = (await model.gradients()).map((g) => g.data ?? new Float32Array());
  const parts = [...weights, ...grads].map((t) => Buffer.from(t.buffer, t.byteOffset, t.byteLength));
  writeFileSync(`${out}.rank${rank}.bin`, Buffer.concat(parts));
  group.close();
}

main().then(
  () => process.exit(0),
  (error: Error & { code?: string }) => {
    process.stderr.write(`rank ${rank}: ${error.code ?? ''} ${error.message}\n`);
    process.exit(1);
  },
);
