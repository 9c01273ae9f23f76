#!/usr/bin/env node
// Fuzzes the image path with seeded corruptions of small JPEG, PNG and WebP files (truncations,
// flipped and zeroed bytes, empty files, text named .jpg, huge declared dimensions, bad segment
// lengths). Each case goes through learn.predict and through a test loader; every one must either
// predict or fail with a FasttuneError naming the file. A crash or hang is caught here, recorded
// with its case file, and the run goes on from the next case.
//
//   node test/fuzz/images.mjs [count=1000] [seed=1] [--json] [--timeout-ms=60000] [--crash-dir=fuzz-crashes]
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseFuzzArgs, printFuzzResult, runFuzzCampaign } from './runner.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Runs `count` image cases seeded by `seed`; resolves with the tallies (`read`: predicted,
 * `refused`: a FasttuneError naming the file) and any wrong errors, crashes and hangs.
 * @param {{ count: number, seed: number, timeoutMs?: number, crashDir?: string, log?: (line: string) => void }} options
 * @returns {Promise<import('./runner.mjs').FuzzResult>}
 */
export async function fuzzImages({ count, seed, timeoutMs = 60_000, crashDir = join(root, 'fuzz-crashes'), log = () => {} }) {
  const dir = mkdtempSync(join(tmpdir(), 'fasttune-image-fuzz-'));
  const caseFile = (index) => {
    for (const ext of ['jpg', 'png', 'webp']) {
      const file = join(dir, `case-${index}.${ext}`);
      if (existsSync(file)) return file;
    }
    return join(dir, `case-${index}.bin`);
  };
  try {
    return await runFuzzCampaign({
      name: 'fuzz-images',
      args: (start, end) => [
        '--import',
        pathToFileURL(join(root, 'test', 'helpers', 'ts-register.mjs')).href,
        join(root, 'test', 'fuzz', 'images', 'child.mjs'),
        JSON.stringify({ seed, start, count: end - start, dir }),
      ],
      count,
      seed,
      timeoutMs,
      crashDir,
      caseFile,
      savedName: (index) => `images-seed${seed}-${basename(caseFile(index))}`,
      log,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const options = parseFuzzArgs(process.argv.slice(2), { timeoutMs: 60_000, crashDir: join(root, 'fuzz-crashes') });
  const result = await fuzzImages({ ...options, log: options.json ? () => {} : console.log });
  printFuzzResult('fuzz-images', result, { json: options.json, readAs: 'predicted', refusedAs: 'refused with a FasttuneError naming the file' });
}
