#!/usr/bin/env node
// Long-run check: RSS and live native objects over many training steps, predict calls and
// learners made and disposed, in a fresh process. Fails when RSS grows past the allowance after
// the warm-up, or when native objects outlive their learners.
//
//   node test/soak/soak.mjs [steps=5000] [predicts=20000] [--learners=50] [--max-growth-mib=64] [--json]
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Runs the soak child; resolves with its samples and two figures: `trainGrowthMiB` (RSS at the
 * last training sample minus the one a quarter of the way in) and `predictGrowthMiB` (likewise
 * over the predict calls).
 */
export function soak({ steps = 5000, predicts = 20_000, learners = 50, samples = 20, threads } = {}) {
  return new Promise((resolve, reject) => {
    const args = [
      '--expose-gc',
      '--import',
      pathToFileURL(join(root, 'test', 'helpers', 'ts-register.mjs')).href,
      join(root, 'test', 'soak', 'child.mjs'),
      JSON.stringify({ steps, predicts, learners, samples }),
    ];
    const env = threads ? { ...process.env, FASTTUNE_NUM_THREADS: String(threads) } : process.env;
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code !== 0) return reject(new Error(`soak child failed (${code ?? signal}):\n${stderr.slice(-4000)}`));
      const out = JSON.parse(stdout.trim().split('\n').at(-1));
      const growth = (phase) => {
        const s = out.samples.filter((x) => x.phase === phase);
        if (s.length < 2) return 0;
        return s.at(-1).rssMiB - s[Math.floor(s.length / 4)].rssMiB;
      };
      resolve({ ...out, steps, predicts, learners, trainGrowthMiB: growth('train'), predictGrowthMiB: growth('predict') });
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const flag = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
  const maxGrowth = flag('max-growth-mib', 64);
  const result = await soak({ steps: Number(positional[0] ?? 5000), predicts: Number(positional[1] ?? 20_000), learners: flag('learners', 50) });
  if (process.argv.includes('--json')) console.log(JSON.stringify(result));
  else {
    for (const s of result.samples)
      console.log(
        `${s.phase.padEnd(8)} ${String(s.count).padStart(6)}  rss ${s.rssMiB.toFixed(1)} MiB  heap ${s.heapMiB.toFixed(1)} MiB  models ${s.live.models}  jobs ${s.live.jobs}`,
      );
    console.log(
      `soak: ${result.steps} training steps, ${result.predicts} predict calls, ${result.learners} learners in ${result.seconds.toFixed(0)} s; ` +
        `RSS growth after warm-up: training ${result.trainGrowthMiB.toFixed(1)} MiB, predict ${result.predictGrowthMiB.toFixed(1)} MiB; ` +
        `live native objects at the end: ${result.end.live.models} models, ${result.end.live.jobs} jobs`,
    );
  }
  const leaked = result.end.live.models !== result.baseline.live.models || result.end.live.jobs !== 0;
  process.exitCode = leaked || result.trainGrowthMiB > maxGrowth || result.predictGrowthMiB > maxGrowth ? 1 : 0;
}
