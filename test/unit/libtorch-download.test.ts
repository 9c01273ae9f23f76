// Step 4 of the LibTorch resolution against a loopback server: a good archive lands in the
// cache and is reused; every kind of failure leaves the cache as it was.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemContext } from '../../scripts/libtorch/context.mjs';
import { fromDownload } from '../../scripts/libtorch/from-download.mjs';
import { deadUrl, startServer, type TestServer } from '../helpers/http-server.js';
import { makeZip, type ZipMember } from '../helpers/zip.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const TREE: ZipMember[] = [
  { name: 'libtorch/' },
  { name: 'libtorch/share/cmake/Torch/TorchConfig.cmake', data: '# fake Torch config\n' },
  { name: 'libtorch/share/cmake/Torch/TorchConfigVersion.cmake', data: 'set(PACKAGE_VERSION "2.5.1")\n' },
  { name: 'libtorch/lib/libtorch_cpu.so', data: randomBytes(200_000) },
  { name: 'libtorch/lib/libtorch.so', symlink: 'libtorch_cpu.so' },
  { name: 'libtorch/bin/torch_shm_manager', data: '#!/bin/sh\n', mode: 0o755, store: true },
  { name: 'libtorch/build-version', data: '2.5.1+cpu\n' },
];
const good = makeZip(TREE);
const corrupt = randomBytes(50_000);
const badCrc = makeZip(TREE.map((m) => (m.name.endsWith('libtorch_cpu.so') ? { ...m, badCrc: true } : m)));
const noConfig = makeZip([{ name: 'libtorch/lib/libc10.so', data: 'x' }]);
const escaping = makeZip([...TREE, { name: 'libtorch/lib/evil', symlink: '../../../../etc/passwd' }]);

let server: TestServer;
let cache: string;
let log: string[];

beforeAll(async () => {
  server = await startServer({
    '/good.zip': { body: good },
    '/corrupt.zip': { body: corrupt },
    '/badcrc.zip': { body: badCrc },
    '/noconfig.zip': { body: noConfig },
    '/escaping.zip': { body: escaping },
    '/drop-once.zip': { body: good, dropAfter: 60_000, times: 1 },
    '/drop-always.zip': { body: good, dropAfter: 60_000 },
    '/missing.zip': { status: 404 },
    '/busy.zip': { status: 503 },
  });
});
afterAll(() => server.close());

beforeEach(() => {
  cache = mkdtempSync(join(tmpdir(), 'fasttune-cache-'));
  log = [];
});
afterEach(() => rmSync(cache, { recursive: true, force: true }));

function context(env: Record<string, string>) {
  return systemContext({
    env: { FASTTUNE_CACHE: cache, FASTTUNE_LIBTORCH_VARIANT: 'cpu', ...env },
    stream: { write: (s: string) => log.push(s) },
    downloadOptions: { retries: 2, retryDelayMs: 5, timeoutMs: 5_000, idleTimeoutMs: 5_000 },
  });
}

function archiveEnv(path: string, body: Buffer) {
  return { FASTTUNE_LIBTORCH_URL: server.url(path), FASTTUNE_LIBTORCH_SHA256: sha256(body) };
}

/** Everything under <cache>/libtorch: only finished trees may be there after any step. */
function cacheEntries(): string[] {
  const dir = join(cache, 'libtorch');
  return existsSync(dir) ? readdirSync(dir) : [];
}

describe('LibTorch download step', () => {
  it('downloads, verifies and unpacks an archive into the cache', async () => {
    const outcome = await fromDownload(context(archiveEnv('/good.zip', good)));
    const key = `custom-${sha256(good).slice(0, 12)}`;
    const root = join(cache, 'libtorch', key);
    expect(outcome.skipped).toBeUndefined();
    expect(outcome.found).toMatchObject({
      source: 'download',
      torchDir: join(root, 'share', 'cmake', 'Torch'),
      version: '2.5.1',
      variant: 'cpu',
      archive: { url: server.url('/good.zip'), sha256: sha256(good), dir: root, reused: false },
    });
    expect(readFileSync(join(root, 'lib', 'libtorch_cpu.so'))).toEqual(Buffer.from(TREE[3]?.data as Buffer));
    expect(lstatSync(join(root, 'lib', 'libtorch.so')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(root, 'lib', 'libtorch.so'))).toBe('libtorch_cpu.so');
    expect(statSync(join(root, 'bin', 'torch_shm_manager')).mode & 0o777).toBe(0o755);
    expect(cacheEntries()).toEqual([key]);
    expect(log.join('')).toMatch(/SHA-256 verified/);
  });

  it('reuses the cached tree without downloading again', async () => {
    const env = archiveEnv('/good.zip', good);
    await fromDownload(context(env));
    const hits = server.hits('/good.zip');
    const again = await fromDownload(context(env));
    expect(again.found?.archive.reused).toBe(true);
    expect(again.found?.reason).toMatch(/already in the cache/);
    expect(server.hits('/good.zip')).toBe(hits);
  });

  it('replaces a cache folder that holds no finished tree', async () => {
    const env = archiveEnv('/good.zip', good);
    const root = join(cache, 'libtorch', `custom-${sha256(good).slice(0, 12)}`);
    mkdirSync(join(root, 'lib'), { recursive: true });
    writeFileSync(join(root, 'lib', 'half-written.so'), 'x');
    const outcome = await fromDownload(context(env));
    expect(outcome.found?.archive.reused).toBe(false);
    expect(existsSync(join(root, 'lib', 'half-written.so'))).toBe(false);
    expect(existsSync(join(root, 'share', 'cmake', 'Torch', 'TorchConfig.cmake'))).toBe(true);
    expect(cacheEntries()).toHaveLength(1);
  });

  it('clears leftovers of a killed install, but not those of one still running', async () => {
    const key = `custom-${sha256(good).slice(0, 12)}`;
    const parent = join(cache, 'libtorch');
    const dead = spawnSync('true').pid as number;
    const running = process.ppid;
    const stale = [`.${key}.${dead}.zip.0a1b2c.partial`, `.${key}.${dead}.unpacking-x1y2z3`, `${key}.${dead}.zip`];
    const busy = `.${key}.${running}.zip.3c4d5e.partial`;
    mkdirSync(join(parent, stale[1] as string, 'lib'), { recursive: true });
    for (const name of [stale[0], stale[2], busy]) writeFileSync(join(parent, name as string), 'x');
    await fromDownload(context(archiveEnv('/good.zip', good)));
    expect(cacheEntries().sort()).toEqual([busy, key].sort());
  });

  it('resumes a dropped connection with a Range request', async () => {
    const outcome = await fromDownload(context(archiveEnv('/drop-once.zip', good)));
    expect(outcome.found?.source).toBe('download');
    const requests = server.requests.filter((r) => r.path === '/drop-once.zip');
    expect(requests).toHaveLength(2);
    expect(requests[1]?.range).toBe('bytes=60000-');
    expect(log.join('')).toMatch(/retry 1 of 2/);
  });

  it.each([
    ['a corrupt archive', '/corrupt.zip', corrupt, /is not a readable zip archive/],
    ['a member with a bad CRC', '/badcrc.zip', badCrc, /CRC-32 mismatch in member libtorch\/lib\/libtorch_cpu\.so/],
    ['an archive without TorchConfig.cmake', '/noconfig.zip', noConfig, /unpacks to no LibTorch/],
    ['a link pointing out of the archive', '/escaping.zip', escaping, /link pointing outside the archive/],
  ])('rejects %s and leaves no half-unpacked cache', async (_what, path, body, message) => {
    const outcome = await fromDownload(context(archiveEnv(path, body)));
    expect(outcome.found).toBeUndefined();
    expect(outcome.skipped).toMatch(message);
    expect(cacheEntries()).toEqual([]);
  });

  it('rejects a checksum mismatch without retrying', async () => {
    const before = server.hits('/good.zip');
    const outcome = await fromDownload(context({ FASTTUNE_LIBTORCH_URL: server.url('/good.zip'), FASTTUNE_LIBTORCH_SHA256: 'ab'.repeat(32) }));
    expect(outcome.skipped).toMatch(new RegExp(`checksum mismatch .*expected SHA-256 ${'ab'.repeat(32)}, got ${sha256(good)}`));
    expect(server.hits('/good.zip') - before).toBe(1);
    expect(cacheEntries()).toEqual([]);
  });

  it('gives up at once on a 404', async () => {
    const outcome = await fromDownload(context({ FASTTUNE_LIBTORCH_URL: server.url('/missing.zip'), FASTTUNE_LIBTORCH_SHA256: 'ab'.repeat(32) }));
    expect(outcome.skipped).toMatch(/answered HTTP 404/);
    expect(server.hits('/missing.zip')).toBe(1);
    expect(cacheEntries()).toEqual([]);
  });

  it('retries a 503, then gives up', async () => {
    const outcome = await fromDownload(context({ FASTTUNE_LIBTORCH_URL: server.url('/busy.zip'), FASTTUNE_LIBTORCH_SHA256: 'ab'.repeat(32) }));
    expect(outcome.skipped).toMatch(/answered HTTP 503/);
    expect(server.hits('/busy.zip')).toBe(3);
  });

  it('gives up on a connection that keeps dropping, leaving nothing behind', async () => {
    const outcome = await fromDownload(context(archiveEnv('/drop-always.zip', good)));
    expect(outcome.skipped).toMatch(/broke off after \d+ of \d+ bytes/);
    expect(server.hits('/drop-always.zip')).toBe(3);
    expect(cacheEntries()).toEqual([]);
  });

  it('reports a server that is not there', async () => {
    const outcome = await fromDownload(context({ FASTTUNE_LIBTORCH_URL: await deadUrl('/x.zip'), FASTTUNE_LIBTORCH_SHA256: 'ab'.repeat(32) }));
    expect(outcome.skipped).toMatch(/could not fetch http:\/\/127\.0\.0\.1:\d+\/x\.zip: .*ECONNREFUSED/);
    expect(cacheEntries()).toEqual([]);
  });

  it('does not download when downloads are disabled', async () => {
    const before = server.requests.length;
    const outcome = await fromDownload(context({ ...archiveEnv('/good.zip', good), FASTTUNE_OFFLINE: '1' }));
    expect(outcome.skipped).toMatch(/downloads are disabled/);
    expect(server.requests.length).toBe(before);
  });

  it('refuses an archive nobody pinned a checksum for', async () => {
    const ctx = context({ FASTTUNE_LIBTORCH_VARIANT: 'cu118' });
    const outcome = await fromDownload({ ...ctx, platform: 'linux', arch: 'x64' });
    expect(outcome.skipped).toMatch(/no pinned SHA-256 for https:\/\/download\.pytorch\.org\/libtorch\/cu118\/.*set FASTTUNE_LIBTORCH_SHA256/);
  });
});
