#!/usr/bin/env node
// Opt-in: builds the native image path (native/image/) with AddressSanitizer and UBSan into a
// standalone harness (test/fuzz/images/native_harness.cc, no Node or LibTorch involved), writes
// a few JPEGs of each kind (baseline, progressive, grey, 4:4:4, EXIF-rotated, large enough for
// shrink-on-load), and runs seeded corruptions of them through the decoder and the resampler.
// Needs g++ (or $CXX) and libjpeg's headers.
//
//   node test/fuzz/jpeg-sanitized.mjs [count=4000] [seed=1]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const [count = '4000', seed = '1'] = process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), 'fasttune-jpeg-fuzz-'));
try {
  const image = join(root, 'native', 'image');
  const sources = readdirSync(image)
    .filter((f) => f.endsWith('.cc'))
    .map((f) => join(image, f));
  const harness = join(dir, 'native_harness');
  execFileSync(
    process.env.CXX ?? 'g++',
    [
      '-std=c++17',
      '-O1',
      '-g',
      '-fsanitize=address,undefined',
      '-fno-sanitize-recover=undefined',
      '-fno-omit-frame-pointer',
      `-I${join(root, 'native')}`,
      join(root, 'test', 'fuzz', 'images', 'native_harness.cc'),
      ...sources,
      '-ljpeg',
      '-o',
      harness,
    ],
    { stdio: 'inherit' },
  );

  const noise = (w, h, channels) =>
    sharp(Buffer.from(Array.from({ length: 12 * 9 * channels }, (_, i) => (i * 97) % 256)), { raw: { width: 12, height: 9, channels } }).resize(w, h, {
      kernel: 'cubic',
      fit: 'fill',
    });
  const files = [];
  const write = async (name, pipeline) => {
    files.push(join(dir, name));
    await pipeline.toFile(files.at(-1));
  };
  await write('baseline.jpg', noise(500, 375, 3).jpeg({ quality: 85 }));
  await write('progressive.jpg', noise(333, 251, 3).jpeg({ quality: 70, progressive: true }));
  await write('grey.jpg', noise(160, 120, 1).jpeg());
  await write('chroma444.jpg', noise(240, 180, 3).jpeg({ chromaSubsampling: '4:4:4' }));
  await write('rotated.jpg', noise(200, 150, 3).jpeg().withMetadata({ orientation: 6 }));
  await write('large.jpg', noise(1700, 1275, 3).jpeg({ quality: 60 }));

  const run = spawnSync(harness, [count, seed, ...files], {
    stdio: 'inherit',
    env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=1', UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1' },
  });
  process.exitCode = run.status ?? 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
