// What one photo-sized JPEG costs to decode and presize: the native decoder the loaders use for
// JPEGs, sharp per option (what other formats go through), and Pillow (what torchvision's
// ImageFolder uses): CPU time per image, one image at a time on one thread (one libuv pool
// thread, one libvips thread), best of three passes over the same files (cached by the OS after
// the first). Not a test.
//
//   UV_THREADPOOL_SIZE=1 node --import ./test/helpers/ts-register.mjs test/bench/decode.bench.ts [--images 200]
//
// The loaders' sharp call (src/data/decode-image.ts) is `sharp as called`; each variant below it changes one thing.
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { nativeJpegDecoder } from '../../src/data/native-image.js';
import { benchCache, fixed, makeImages, python, runJson, table } from './lib.js';

const { values } = parseArgs({ options: { images: { type: 'string', default: '200' } } });
const N = Number(values.images);
const SIZE = 224;
const dir = join(benchCache, `decode-${N}`);
await makeImages(dir, { train: N }, [400, 520]);
const files = (await readdir(join(dir, 'train', 'a')))
  .map((f) => join(dir, 'train', 'a', f))
  .concat((await readdir(join(dir, 'train', 'b'))).map((f) => join(dir, 'train', 'b', f)));
sharp.concurrency(1);

type Variant = (path: string) => Promise<unknown>;
const base = { limitInputPixels: 2 * 89_478_485, autoOrient: true, failOn: 'warning' as const };
const resize = { width: SIZE, height: SIZE, fit: 'outside' as const, kernel: 'linear' as const, withoutEnlargement: false };
const finish = (p: sharp.Sharp) => p.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });

const jpeg = nativeJpegDecoder();
if (!jpeg) throw new Error('the addon has no native JPEG decoder (see npx fasttune doctor)');
const variants: Array<[string, Variant, (() => void)?]> = [
  ['native decoder (src/data/native-image.ts)', (f) => jpeg(f, resize, base.limitInputPixels)],
  ['sharp as called (src/data/decode-image.ts)', (f) => finish(sharp(f, base).resize(resize))],
  ['sequentialRead: false', (f) => finish(sharp(f, { ...base, sequentialRead: false }).resize(resize))],
  ['without toColourspace(srgb)', (f) => sharp(f, base).resize(resize).removeAlpha().raw().toBuffer({ resolveWithObject: true })],
  ['without autoOrient', (f) => finish(sharp(f, { ...base, autoOrient: false }).resize(resize))],
  ["failOn: 'none'", (f) => finish(sharp(f, { ...base, failOn: 'none' }).resize(resize))],
  ['from a Buffer read first', async (f) => finish(sharp(await readFile(f), base).resize(resize))],
  ['libvips cache off', (f) => finish(sharp(f, base).resize(resize)), () => sharp.cache(false)],
  ['kernel nearest (resample cost)', (f) => finish(sharp(f, base).resize({ ...resize, kernel: 'nearest' }))],
  ['decode only, no resize', (f) => finish(sharp(f, base))],
  ['decode at 1/2 (shrink-on-load, 188 px)', (f) => finish(sharp(f, base).resize({ ...resize, width: 188, height: 188 }))],
  ['metadata() only', (f) => sharp(f, base).metadata()],
];

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

async function measure(run: Variant): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let pass = 0; pass < 3; pass++) {
    const start = cpuMs();
    for (const f of files) await run(f);
    best = Math.min(best, (cpuMs() - start) / files.length);
  }
  return best;
}

const rows: string[][] = [];
for (const [name, run, setup] of variants) {
  setup?.();
  rows.push([name, fixed(await measure(run))]);
}
const pillow = runJson<Record<string, number>>(python, ['test/bench/decode_pillow.py', join(dir, 'train'), String(SIZE)]);
for (const [name, ms] of Object.entries(pillow)) rows.push([`Pillow: ${name}`, fixed(ms)]);
console.log(
  `${files.length} JPEGs ~500×375 (${fixed(readFileSync(files[0] as string).length / 1024, 0)} KiB the first), short side to ${SIZE}; CPU ms per image, one thread, best of 3`,
);
console.log(table(['variant', 'CPU ms/img'], rows));
