// The demo's own data: Fashion-MNIST from Debian's dataset-fashion-mnist package (installed with
// apt-get when it is missing and we may), written once as two image folder trees: the source
// task (classes 0–4) for pretraining and the small target task (classes 5–9).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FasttuneError } from '../core/errors.js';
import { FASHION_MNIST_DIR, fashionMnistClasses, fashionMnistToFolder } from '../data/fashion-mnist.js';

/** Classes of the source task: T-shirt/top, trouser, pullover, dress, coat. */
export const SOURCE_CLASSES: readonly number[] = [0, 1, 2, 3, 4];
/** Classes of the target task: sandal, shirt, sneaker, bag, ankle boot. */
export const TARGET_CLASSES: readonly number[] = [5, 6, 7, 8, 9];

const FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];
const PACKAGE = 'dataset-fashion-mnist';

/** What the machine offers for installing the package; tests pass their own. */
export interface AptProbe {
  isRoot: boolean;
  isDebian: boolean;
  aptGet: string | null;
  /** Runs apt-get with these arguments, output to the terminal; true on success. */
  run(args: string[]): boolean;
}

function which(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return null;
}

export function systemApt(): AptProbe {
  const aptGet = which('apt-get');
  return {
    isRoot: process.getuid?.() === 0,
    isDebian: existsSync('/etc/debian_version'),
    aptGet,
    run(args) {
      const result = spawnSync(aptGet as string, args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
      return result.status === 0;
    },
  };
}

function present(dir: string): boolean {
  return FILES.every((f) => existsSync(join(dir, f)));
}

/**
 * The folder holding Fashion-MNIST's four IDX files. `dir` given: it must hold them. Otherwise
 * Debian's package folder, installing the package with apt-get first when it is missing, this is
 * a Debian system and we run as root; else an error that gives the command to run.
 */
export function ensureFashionMnist(dir: string | undefined, log: (line: string) => void, apt: AptProbe = systemApt()): string {
  if (dir !== undefined) {
    if (!present(dir)) {
      throw new FasttuneError(`Fashion-MNIST: ${dir} should hold ${FILES.join(', ')}`, 'E_IO');
    }
    return dir;
  }
  if (present(FASHION_MNIST_DIR)) return FASHION_MNIST_DIR;
  const how = `Install it with \`sudo apt-get install ${PACKAGE}\`, or pass --fashion-mnist <folder with ${FILES.join(', ')}>.`;
  if (!apt.isDebian || apt.aptGet === null) {
    throw new FasttuneError(
      `Fashion-MNIST is not in ${FASHION_MNIST_DIR} and this is not a Debian system with apt-get. Pass --fashion-mnist <folder with ${FILES.join(', ')}> (the files of github.com/zalandoresearch/fashion-mnist).`,
      'E_IO',
    );
  }
  if (!apt.isRoot) throw new FasttuneError(`Fashion-MNIST is not installed (${FASHION_MNIST_DIR} is missing). ${how}`, 'E_IO');
  log(`Fashion-MNIST is missing: running apt-get install -y ${PACKAGE}`);
  let ok = apt.run(['install', '-y', '--no-install-recommends', PACKAGE]);
  if (!ok) {
    // Stale package lists are the usual cause; refresh once and try again.
    log('apt-get install failed; running apt-get update and trying once more');
    apt.run(['update']);
    ok = apt.run(['install', '-y', '--no-install-recommends', PACKAGE]);
  }
  if (!ok || !present(FASHION_MNIST_DIR)) throw new FasttuneError(`apt-get could not install ${PACKAGE}. ${how}`, 'E_IO');
  return FASHION_MNIST_DIR;
}

/** Images per class of one task. */
export interface TaskSize {
  trainPerClass: number;
  validPerClass: number;
}

/** A task written as `dir/train/<class>/*.png` and `dir/valid/<class>/*.png`. */
export interface TaskFolder {
  dir: string;
  classes: string[];
  train: number;
  valid: number;
  /** False when an earlier run had already written it. */
  written: boolean;
}

const MARKER = 'fasttune-task.json';

/**
 * Writes the chosen classes of Fashion-MNIST under `dir`, or reuses what an earlier run wrote
 * with the same settings (a marker file written last records them).
 */
export async function fashionTask(dir: string, source: string, classes: readonly number[], size: TaskSize): Promise<TaskFolder> {
  const settings = { classes: [...classes], ...size };
  const marker = join(dir, MARKER);
  const names = classes.map((c) => fashionMnistClasses[c] as string);
  const total = (perClass: number) => perClass * classes.length;
  const previous = await readFile(marker, 'utf8').then(
    (text) => text,
    () => null,
  );
  if (previous === JSON.stringify(settings)) {
    return { dir, classes: names, train: total(size.trainPerClass), valid: total(size.validPerClass), written: false };
  }
  await rm(marker, { force: true });
  const summary = await fashionMnistToFolder(dir, { source, classes, trainPerClass: size.trainPerClass, validPerClass: size.validPerClass, overwrite: true });
  const count = (perClass: Record<string, number>) => Object.values(perClass).reduce((a, b) => a + b, 0);
  await writeFile(`${marker}.tmp`, JSON.stringify(settings));
  await rename(`${marker}.tmp`, marker);
  return { dir, classes: names, train: count(summary.train), valid: count(summary.valid), written: true };
}
