// Serving case: `POST /predict` under load from autocannon on 127.0.0.1, at concurrency 1, 8 and 32,
// with dynamic batching (max batch 32, 5 ms) and without it (max batch 1), taking turns, beside
// offline getPreds at batch size 32 on the same image; then a longer run at concurrency 32 for
// errors and RSS. The machine is shared: state the load average beside the figures.
// The model: ResNet-34 (random weights; speed does not depend on them) on 64 px inputs, each
// request one ~320×240 JPEG. Run by run.ts (`--cases serve`).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { benchCache, fixed, makeImages, ours, root, table } from './lib.js';

export interface ServeCaseOptions {
  /** Seconds of each measured load run. */
  seconds: number;
  /** Seconds of the long run (errors, RSS). */
  soakSeconds: number;
}

const SIZE = 64;
const MAX_BATCH = 32;
const CONCURRENCY = [1, 8, 32];

interface Load {
  imagesPerS: number;
  /** Server CPU time per image answered (all its threads): what it needs on a machine of its own. */
  cpuMsPerImage?: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

interface Worker {
  url: string;
  rss: number[];
  /** The server's CPU seconds so far. */
  cpu(): Promise<number>;
  stop(): Promise<void>;
}

/** Starts serve-worker.ts and waits (at most 120 s) for its port. */
async function startServer(model: string, maxBatch: number): Promise<Worker> {
  const child = spawn(
    process.execPath,
    ['--import', './test/helpers/ts-register.mjs', join('test', 'bench', 'serve-worker.ts'), JSON.stringify({ mode: 'serve', model, maxBatch, maxDelayMs: 5 })],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let stopping = false;
  child.on('exit', (code, signal) => {
    if (!stopping) console.error(`the server (max batch ${maxBatch}) exited by itself: ${signal ?? code}`);
  });
  const rss: number[] = [];
  const lines = createInterface({ input: child.stdout });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the server did not start in 120 s')), 120_000);
    child.once('exit', (code) => reject(new Error(`the server exited (${code})`)));
    lines.on('line', (text) => {
      const msg = JSON.parse(text) as { port?: number; rssMiB?: number };
      if (msg.rssMiB !== undefined) rss.push(msg.rssMiB);
      if (msg.port !== undefined) {
        clearTimeout(timer);
        resolve(msg.port);
      }
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    rss,
    async cpu() {
      return ((await (await fetch(`http://127.0.0.1:${port}/bench-cpu`, { signal: AbortSignal.timeout(10_000) })).json()) as { cpuS: number }).cpuS;
    },
    async stop() {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function load(server: Worker, body: Buffer, connections: number, seconds: number): Promise<Load> {
  const cpuBefore = await server.cpu();
  const r = await autocannon({
    url: `${server.url}/predict`,
    method: 'POST',
    headers: { 'content-type': 'image/jpeg' },
    body,
    connections,
    duration: seconds,
    timeout: 30,
  });
  const cpuMsPerImage = (((await server.cpu()) - cpuBefore) * 1000) / r['2xx'];
  return { imagesPerS: r['2xx'] / r.duration, cpuMsPerImage, p50Ms: r.latency.p50, p99Ms: r.latency.p99, errors: r.errors + r.timeouts + r.non2xx };
}

export async function serveCase({ seconds, soakSeconds }: ServeCaseOptions): Promise<{ results: object; verdicts: string[][] }> {
  console.log(`\n## Serving: POST /predict under autocannon on 127.0.0.1, ResNet-34 at ${SIZE} px, ${seconds} s per run`);
  const dir = join(benchCache, 'serve-images');
  await makeImages(dir, { train: 8 }, [300, 340]);
  const image = join(dir, 'train', 'a', readdirSync(join(dir, 'train', 'a'))[0] as string);
  const model = join(benchCache, `serve-resnet34-${SIZE}.safetensors`);
  if (!existsSync(model)) ours('serve-worker.ts', { mode: 'prepare', model, images: dir, size: SIZE });
  const body = await readFile(image);
  const offline = () => ours<{ imagesPerS: number }>('serve-worker.ts', { mode: 'offline', model, image, n: 256, bs: MAX_BATCH }).imagesPerS;

  // Both servers stay up (the idle one costs nothing) and take turns at each concurrency, so that
  // each pair of runs sees the same machine; offline getPreds runs between them at 32.
  const servers = { 'no batching': await startServer(model, 1), batching: await startServer(model, MAX_BATCH) };
  const runs: Record<string, Record<number, Load>> = { 'no batching': {}, batching: {} };
  let offlineImagesPerS = Number.NaN;
  try {
    for (const server of Object.values(servers)) await load(server, body, 8, 2); // warm the connections and allocator
    for (const c of CONCURRENCY) {
      (runs['no batching'] as Record<number, Load>)[c] = await load(servers['no batching'], body, c, seconds);
      if (c === 32) offlineImagesPerS = offline();
      (runs.batching as Record<number, Load>)[c] = await load(servers.batching, body, c, seconds);
    }
  } finally {
    for (const server of Object.values(servers)) await server.stop();
  }
  const rows: string[][] = [];
  for (const c of CONCURRENCY) {
    for (const name of ['no batching', 'batching'] as const) {
      const r = runs[name]?.[c] as Load;
      rows.push([
        `${name}, concurrency ${c}`,
        fixed(r.imagesPerS, 1),
        fixed(r.cpuMsPerImage ?? Number.NaN, 1),
        fixed(r.p50Ms, 1),
        fixed(r.p99Ms, 1),
        String(r.errors),
      ]);
    }
  }
  rows.push([`offline getPreds, bs ${MAX_BATCH}`, fixed(offlineImagesPerS, 1), '', '', '', '']);
  console.log(table(['server', 'images/s', 'CPU ms/image', 'p50 ms', 'p99 ms', 'errors'], rows));

  // The long run: batching at concurrency 32; RSS from the second tenth on (after warm-up).
  const server = await startServer(model, MAX_BATCH);
  let soak: Load;
  let rss: number[];
  let soakBatch: number;
  try {
    soak = await load(server, body, 32, soakSeconds);
    rss = server.rss.slice(Math.floor(server.rss.length / 10));
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const of = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1]);
    soakBatch = of('fasttune_batch_size_sum') / of('fasttune_batch_size_count');
  } finally {
    await server.stop();
  }
  const rssStart = rss[0] ?? Number.NaN;
  const rssEnd = rss[rss.length - 1] ?? Number.NaN;
  const rssMax = Math.max(...rss);
  console.log(
    `${soakSeconds} s at concurrency 32 with batching: ${fixed(soak.imagesPerS, 1)} images/s, p50 ${fixed(soak.p50Ms, 1)} ms, p99 ${fixed(soak.p99Ms, 1)} ms, ` +
      `${soak.errors} errors; mean batch ${fixed(soakBatch, 1)} images, ${fixed(soak.cpuMsPerImage ?? Number.NaN, 1)} CPU ms/image; RSS ${fixed(rssStart, 0)} → ${fixed(rssEnd, 0)} MiB (max ${fixed(rssMax, 0)})`,
  );

  const batched = runs.batching?.[32] as Load;
  const unbatched = runs['no batching']?.[32] as Load;
  const verdicts = [
    [
      'serving c32 / offline getPreds (images/s)',
      `${fixed(batched.imagesPerS / offlineImagesPerS)}×`,
      '≥ 0.8×',
      batched.imagesPerS / offlineImagesPerS >= 0.8 ? 'met' : 'NOT met',
    ],
    [
      'serving c32, batching / none (images/s)',
      `${fixed(batched.imagesPerS / unbatched.imagesPerS)}×`,
      '≥ 2×',
      batched.imagesPerS / unbatched.imagesPerS >= 2 ? 'met' : 'NOT met',
    ],
    // Server CPU per image does not depend on what else runs: the same ratio on a machine of its own.
    ['serving c32, CPU per image: none / batching', `${fixed((unbatched.cpuMsPerImage as number) / (batched.cpuMsPerImage as number))}×`, '(info)', ''],
    [`serving ${soakSeconds} s run: errors`, String(soak.errors), '0', soak.errors === 0 ? 'met' : 'NOT met'],
    [`serving ${soakSeconds} s run: RSS growth`, `${fixed(rssEnd - rssStart, 0)} MiB`, '≤ 10%', rssEnd - rssStart <= 0.1 * rssStart ? 'met' : 'NOT met'],
  ];
  return {
    results: { size: SIZE, maxBatch: MAX_BATCH, offlineImagesPerS, runs, soak: { ...soak, seconds: soakSeconds, meanBatch: soakBatch, rssMiB: rss } },
    verdicts,
  };
}
