// One measured run of fasttune's loader, from the built library (dist/), spawned by data.bench.ts
// with its own UV_THREADPOOL_SIZE / FASTTUNE_DECODE_WORKERS / FASTTUNE_SHARP_CONCURRENCY.
//   node test/bench/data-worker.mjs <root with train/ and valid/> <epochs> <bs> <size>
// Prints one JSON line: per epoch the seconds, images, CPU seconds of the whole process and of the
// main thread alone (Linux /proc), so per-image CPU and the main thread's share can be compared.
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { ImageDataLoaders, Resize } from '../../dist/data/index.js';
import { versions } from '../../dist/runtime.js';

const [root, epochs, bs, size] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5])];

/** CPU seconds used so far by the main thread. */
function mainThreadCpu() {
  const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

// Load the native library (LibTorch with it) before the clock starts, as the torchvision twin
// imports torch before its own; a training process has it loaded by the time data flows.
versions();
const dls = await ImageDataLoaders.fromFolder(root, { bs, itemTfms: Resize(size), seed: 0 });
const result = { seconds: [], images: [], cpu: [], mainCpu: [] };
for (let e = 0; e < epochs; e++) {
  const [cpuBefore, mainBefore, start] = [process.cpuUsage(), mainThreadCpu(), performance.now()];
  let n = 0;
  for await (const batch of dls.train) n += batch.shape[0];
  result.seconds.push((performance.now() - start) / 1000);
  result.images.push(n);
  const used = process.cpuUsage(cpuBefore);
  result.cpu.push((used.user + used.system) / 1e6);
  result.mainCpu.push(mainThreadCpu() - mainBefore);
}
console.log(JSON.stringify({ ...result, workers: dls.decodeWorkers, sharpConcurrency: sharp.concurrency(), cached: dls.cached }));
