// Run in its own process by test/reliability/fork-during-steps.test.ts: eval steps on the compute
// thread while the event loop spawns child processes without pause. Prints `done <steps> <forks>`.
import { spawn } from 'node:child_process';
import { createVisionModel } from '../../src/model/vision-model.js';

const steps = Number(process.argv[2] ?? 200);
let state = 7;
const next = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0);
const batch = {
  images: new Uint8Array(2 * 32 * 32 * 3).map(() => next() >>> 24),
  shape: [2, 32, 32, 3] as [number, number, number, number],
  labels: Int32Array.from([0, 1]),
};

using model = await createVisionModel({ nOut: 5, device: 'cpu', seed: 1 });
let stop = false;
let forks = 0;
const forking = (async () => {
  while (!stop) {
    await new Promise((resolve) => spawn('/bin/true').on('close', resolve));
    forks++;
  }
})();
for (let i = 0; i < steps; i++) await model.evalStep(batch);
stop = true;
await forking;
process.stdout.write(`done ${steps} ${forks}\n`);
