// fasttune's side of the serving benchmark (spawned by serve-case.ts). Runs the built library (dist/).
//
//   node --import ./test/helpers/ts-register.mjs test/bench/serve-worker.ts '<json config>'
//
// Modes:
//   prepare  exports a ResNet-34 (random weights) for `size` px images of `images`; prints { model }.
//   offline  getPreds over `n` copies of `image` in batches of `bs`; prints { imagesPerS }.
//   serve    createPredictionServer behind node:http on 127.0.0.1, a free port: prints { port } once
//            ready, then { rssMiB } every second, until SIGTERM; GET /bench-cpu gives its CPU seconds.
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createPredictionServer, ImageDataLoaders, loadLearner, Resize, resnet34, visionLearner } from '../../dist/index.js';

interface Config {
  mode: 'prepare' | 'offline' | 'serve';
  model: string;
  images?: string;
  size?: number;
  image?: string;
  n?: number;
  bs?: number;
  maxBatch?: number;
  maxDelayMs?: number;
}

const config = JSON.parse(process.argv[2] as string) as Config;
const line = (value: object) => process.stdout.write(`${JSON.stringify(value)}\n`);

if (config.mode === 'prepare') {
  const dls = await ImageDataLoaders.fromFolder(join(config.images as string, 'train'), {
    validPct: 0.5,
    seed: 1,
    bs: 2,
    itemTfms: Resize(config.size as number),
  });
  const learn = await visionLearner(dls, resnet34, { pretrained: false, device: 'cpu', seed: 1, progress: false, path: config.images as string });
  line({ model: await learn.export(config.model) });
  learn.dispose();
  dls.close();
} else if (config.mode === 'offline') {
  const learn = await loadLearner(config.model, { bs: config.bs as number });
  const files = new Array<string>(config.n as number).fill(config.image as string);
  await learn.getPreds({ ds: learn.dls.testDl(files.slice(0, config.bs)) }); // warm-up
  const started = performance.now();
  await learn.getPreds({ ds: learn.dls.testDl(files) });
  line({ imagesPerS: files.length / ((performance.now() - started) / 1000) });
  learn.dispose();
} else {
  const learn = await loadLearner(config.model);
  const handler = createPredictionServer(learn, { maxBatch: config.maxBatch as number, maxDelayMs: config.maxDelayMs as number, maxQueue: 1024 });
  // Beside the served endpoints, the worker's own: its CPU seconds so far (all threads).
  const server = createServer((req, res) => {
    if (req.url !== '/bench-cpu') return handler(req, res);
    const { user, system } = process.cpuUsage();
    res.end(JSON.stringify({ cpuS: (user + system) / 1e6 }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  await handler.ready;
  line({ port: (server.address() as AddressInfo).port });
  const sampler = setInterval(() => line({ rssMiB: process.memoryUsage().rss / 2 ** 20 }), 1000);
  await once(process, 'SIGTERM');
  clearInterval(sampler);
  await handler.close();
  server.closeAllConnections();
  server.close();
  learn.dispose();
}
