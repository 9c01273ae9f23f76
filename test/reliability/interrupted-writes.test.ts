// A process killed (SIGKILL) while it exports or saves leaves the previous file whole; a write
// that runs out of space (a file-size limit, `ulimit -f`, standing in for a full disk) fails with
// an error naming the file and leaves the previous file, and no partial file, in place.
import { createHash } from 'node:crypto';
import { copyFileSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWeights } from '../../src/index.js';
import { runFitChild } from '../helpers/fit-child-run.js';
import { writeClassFolders } from '../helpers/image-learner.js';
import { seededRng } from '../helpers/rng.js';

let dir: string;
let images: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fasttune-writes-'));
  images = join(dir, 'images');
  await writeClassFolders(images, 2);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

const KILLS = 2;

describe.each([
  ['export', 'export-loop', (w: string) => join(w, 'target.safetensors')],
  ['save', 'save-loop', (w: string) => join(w, 'models', 'target.safetensors')],
])('SIGKILL during %s', (what, mode, target) => {
  it(`leaves the previous file whole, killed at ${KILLS} random moments`, async () => {
    const workdir = join(dir, what);
    await mkdir(workdir, { recursive: true });
    const rng = seededRng(what === 'export' ? 11 : 12);
    let good: string | undefined;
    for (let k = 0; k < KILLS; k++) {
      let timer: NodeJS.Timeout | undefined;
      const result = await runFitChild(images, workdir, mode, {
        onLine: (line, proc) => {
          if (line === 'wrote 0' && good === undefined) good = sha(target(workdir));
          // After the first complete write, kill somewhere in the next ones.
          if (line === 'wrote 0') timer = setTimeout(() => proc.kill('SIGKILL'), Math.floor(rng.next() * 1500));
        },
      });
      clearTimeout(timer);
      expect(result.signal, result.stderr).toBe('SIGKILL');
      expect(sha(target(workdir))).toBe(good);
      const contents = await readWeights(target(workdir));
      expect(contents.tensors.length).toBeGreaterThan(100);
    }
    const strays = readdirSync(join(target(workdir), '..')).filter((f) => f.includes('.tmp-'));
    console.info(`SIGKILL during ${what}: ${KILLS} kills, previous file intact each time; ${strays.length} temporary files left by the killed writers`);
  });
});

describe('a full disk', () => {
  // Runs after the SIGKILL tests, whose surviving files it starts from.
  it('fails export and save with an error naming the file, and leaves the previous file and no partial one', async () => {
    const workdir = join(dir, 'full');
    await mkdir(workdir, { recursive: true });
    // The files the SIGKILL tests above left whole are the previous files here.
    await mkdir(join(workdir, 'models'), { recursive: true });
    copyFileSync(join(dir, 'export', 'target.safetensors'), join(workdir, 'target.safetensors'));
    copyFileSync(join(dir, 'save', 'models', 'target.safetensors'), join(workdir, 'models', 'target.safetensors'));
    const strays = () => [...readdirSync(workdir), ...readdirSync(join(workdir, 'models'))].filter((f) => f.includes('.tmp-')).sort();
    const straysBefore = strays();
    const before = { exported: sha(join(workdir, 'target.safetensors')), saved: sha(join(workdir, 'models', 'target.safetensors')) };

    const result = await runFitChild(images, workdir, 'full-disk', { limitKiB: 8 * 1024 });
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse((result.lines.find((l) => l.startsWith('result ')) as string).slice(7));
    for (const [key, file] of [
      ['exported', join(workdir, 'target.safetensors')],
      ['saved', join(workdir, 'models', 'target.safetensors')],
    ] as const) {
      expect(report[key]?.code, key).toBe('E_IO');
      expect(report[key].message).toContain(file);
      expect(report[key].message).toMatch(/File too large|No space left/);
      expect(report[key].message).toContain('the previous file, if any, is untouched');
      expect(sha(file)).toBe(before[key]);
    }
    console.info(`full disk: ${report.exported.message}`);
    // The killed writers above may have left temporary files; the failed writes removed theirs.
    expect(strays()).toEqual(straysBefore);
  });
});
