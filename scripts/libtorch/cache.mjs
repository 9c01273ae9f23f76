// Puts a downloaded LibTorch into the cache folder so that only a complete, verified tree is
// ever visible there: download to a temp file, unpack into a temp folder, rename into place.
// The next install finds it by its marker and skips the download. Temp names carry the
// installer's pid, so leftovers of a killed install are recognised and removed next time.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatBytes } from '../lib/progress.mjs';
import { extractZip } from '../lib/unzip.mjs';
import { CONFIG, torchDirOfLibtorch } from './config.mjs';

const MARKER = '.fasttune-archive.json';

function isComplete(dir) {
  return existsSync(join(torchDirOfLibtorch(dir), CONFIG));
}

/** The archive recorded in a cached tree, or null. */
function readMarker(dir) {
  try {
    return JSON.parse(readFileSync(join(dir, MARKER), 'utf8'));
  } catch {
    return null;
  }
}

/** A cached tree unpacked from an archive with this checksum, or null. */
export function cachedTree(dir, sha256) {
  return isComplete(dir) && readMarker(dir)?.sha256 === sha256 ? dir : null;
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** Removes `<key>.<pid>.*` temp files and folders whose installer is no longer running. */
async function sweepLeftovers(parent, key) {
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`^\\.?${escaped}\\.(\\d+)\\.`);
  for (const name of await readdir(parent)) {
    const pid = Number(pattern.exec(name)?.[1]);
    if (pid && pid !== process.pid && !alive(pid)) await rm(join(parent, name), { recursive: true, force: true });
  }
}

/** The LibTorch root inside an unpacked archive: the folder itself or its one top folder. */
async function findRoot(staging) {
  if (isComplete(staging)) return staging;
  for (const entry of await readdir(staging, { withFileTypes: true })) {
    if (entry.isDirectory() && isComplete(join(staging, entry.name))) return join(staging, entry.name);
  }
  return null;
}

/**
 * Makes `archive` available under `<root>/libtorch/<key>`; returns `{ dir, reused }`.
 * Throws an Error that says what went wrong (network, checksum, unpacking).
 */
export async function installArchive(ctx, archive, root) {
  const parent = join(root, 'libtorch');
  const dir = join(parent, archive.key);
  if (cachedTree(dir, archive.sha256)) return { dir, reused: true };

  await mkdir(parent, { recursive: true });
  await sweepLeftovers(parent, archive.key);
  const temp = `${archive.key}.${process.pid}`;
  const zip = join(parent, `${temp}.zip`);
  const label = ['fasttune: downloading LibTorch', archive.version, `(${archive.variant})`].filter(Boolean).join(' ');
  const progress = ctx.progress(label);
  let staging;
  try {
    ctx.log(`fasttune: fetching ${archive.url}`);
    const { bytes } = await ctx.download({
      url: archive.url,
      dest: zip,
      sha256: archive.sha256,
      onProgress: progress.update,
      onRetry: ({ attempt, retries, delayMs, error }) => ctx.log(`fasttune: ${error.message}; retry ${attempt} of ${retries} in ${delayMs / 1000} s`),
      ...ctx.downloadOptions,
    });
    progress.done();
    ctx.log(`fasttune: ${formatBytes(bytes)} downloaded, SHA-256 verified; unpacking`);

    staging = await mkdtemp(join(parent, `.${temp}.unpacking-`));
    await extractZip(zip, staging);
    const unpacked = await findRoot(staging);
    if (!unpacked) throw new Error(`${archive.url} unpacks to no LibTorch (no share/cmake/Torch/${CONFIG} in it)`);
    await writeFile(join(unpacked, MARKER), `${JSON.stringify({ url: archive.url, sha256: archive.sha256 }, null, 2)}\n`);
    await replaceDir(unpacked, dir, join(parent, `.${temp}.old`), archive.sha256);
    return { dir, reused: false };
  } finally {
    if (staging) await rm(staging, { recursive: true, force: true });
    await rm(zip, { force: true });
  }
}

/** Moves `from` to `to`, setting a stale tree at `to` aside first; tolerates a racing install. */
async function replaceDir(from, to, aside, sha256) {
  const stale = existsSync(to);
  if (stale) await rename(to, aside);
  try {
    await rename(from, to);
  } catch (error) {
    // Another install put the same archive there first: theirs is as good as ours.
    if (!cachedTree(to, sha256)) throw error;
  } finally {
    if (stale) await rm(aside, { recursive: true, force: true });
  }
}
