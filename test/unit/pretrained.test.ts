// Where pretrained weights come from: the torch hub cache, a hash-checked download from a
// loopback server standing in for torchvision's, or an explicit path.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FasttuneError } from '../../src/core/errors.js';
import { ARCH_NAMES } from '../../src/model/arch-names.js';
import { defaultTorchHome, fetchCheckpoint, pretrainedSource, resolvePretrained } from '../../src/vision/pretrained.js';
import { deadUrl, startServer, type TestServer } from '../helpers/http-server.js';

const RESNET34 = 'resnet34-b627a593.pth';
const payload = randomBytes(300_000);
const prefix = createHash('sha256').update(payload).digest('hex').slice(0, 8);
const named = `tiny-${prefix}.pth`;
const quick = { progress: false, retries: 1, retryDelayMs: 5, timeoutMs: 5_000, idleTimeoutMs: 5_000 } as const;

let server: TestServer;
let torchHome: string;
let checkpoints: string;

beforeAll(async () => {
  server = await startServer({
    [`/models/${named}`]: { body: payload },
    [`/flaky/${named}`]: { body: payload, dropAfter: 100_000, times: 1 },
    // Not the real resnet34 file, so its hash cannot match the name.
    [`/models/${RESNET34}`]: { body: payload },
    [`/cut/${RESNET34}`]: { body: payload, dropAfter: 100_000 },
  });
});
afterAll(() => server.close());

beforeEach(() => {
  torchHome = mkdtempSync(join(tmpdir(), 'fasttune-torch-home-'));
  checkpoints = join(torchHome, 'hub', 'checkpoints');
});
afterEach(() => rmSync(torchHome, { recursive: true, force: true }));

const leftovers = () => (existsSync(checkpoints) ? readdirSync(checkpoints) : []);

async function failure(promise: Promise<unknown>): Promise<FasttuneError> {
  const error = await promise.then(
    () => expect.fail('expected a rejection'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FasttuneError);
  return error as FasttuneError;
}

describe('torch home', () => {
  it('follows torch.hub: TORCH_HOME, else $XDG_CACHE_HOME/torch, else ~/.cache/torch', () => {
    expect(defaultTorchHome({ TORCH_HOME: '/data/torch', XDG_CACHE_HOME: '/x' }, '/home/u')).toBe('/data/torch');
    expect(defaultTorchHome({ TORCH_HOME: '~/t' }, '/home/u')).toBe('/home/u/t');
    expect(defaultTorchHome({ XDG_CACHE_HOME: '/x' }, '/home/u')).toBe('/x/torch');
    expect(defaultTorchHome({}, '/home/u')).toBe('/home/u/.cache/torch');
  });
});

describe('resolvePretrained', () => {
  it('uses the file already in the hub cache without asking the network', async () => {
    mkdirSync(checkpoints, { recursive: true });
    writeFileSync(join(checkpoints, RESNET34), 'cached');
    const before = server.requests.length;
    const path = await resolvePretrained({ arch: 'resnet34', torchHome, baseUrl: server.url('/models/'), ...quick });
    expect(path).toBe(join(checkpoints, RESNET34));
    expect(await resolvePretrained({ arch: 'resnet34', weights: 'IMAGENET1K_V1', torchHome, download: false })).toBe(path);
    expect(server.requests.length).toBe(before);
  });

  it('takes an explicit .pth or .safetensors path, checked to exist', async () => {
    const file = join(torchHome, 'mine.safetensors');
    writeFileSync(file, 'x');
    expect(await resolvePretrained({ arch: 'resnet34', weights: file })).toBe(file);
    const missing = await failure(resolvePretrained({ arch: 'resnet34', weights: join(torchHome, 'nope.pth') }));
    expect(missing.code).toBe('E_IO');
    expect(missing.message).toBe(`resolvePretrained: weights file ${join(torchHome, 'nope.pth')} does not exist`);
  });

  it('refuses unknown names, odd files and unknown architectures with the choices', async () => {
    const name = await failure(resolvePretrained({ arch: 'resnet34', weights: 'IMAGENET1K_V2' }));
    expect(name.code).toBe('E_ARG');
    expect(name.message).toBe(
      "resolvePretrained: expected a weights name for resnet34 (DEFAULT, IMAGENET1K_V1) or a path to a .pth/.pt/.safetensors file for weights but received 'IMAGENET1K_V2'",
    );
    const ext = await failure(resolvePretrained({ arch: 'resnet34', weights: './weights.bin' }));
    expect(ext.message).toMatch(/resolvePretrained: expected a file ending in \.pth, \.pt, \.safetensors for weights but received '.*weights\.bin'/);
    const arch = await failure(resolvePretrained({ arch: 'vgg16' as 'resnet34' }));
    expect(arch.message).toBe(
      "resolvePretrained: expected one of 'resnet18', 'resnet34', 'resnet50', 'resnet101', 'resnet152', 'convnext_tiny' for arch but received 'vgg16'",
    );
    const typo = await failure(resolvePretrained({ arch: 'resnet34', weight: 'DEFAULT' } as never));
    expect(typo.message).toMatch(/resolvePretrained: expected one of the keys .* \(did you mean 'weights'\?\) for options but received 'weight'/);
  });

  it("names torchvision 0.14's files for every architecture, DEFAULT as torchvision's", () => {
    const files = Object.fromEntries(ARCH_NAMES.map((arch) => [arch, pretrainedSource(arch, 'DEFAULT', 'http://x/').file]));
    expect(files).toEqual({
      resnet18: 'resnet18-f37072fd.pth',
      resnet34: 'resnet34-b627a593.pth',
      resnet50: 'resnet50-11ad3fa6.pth',
      resnet101: 'resnet101-cd907fc2.pth',
      resnet152: 'resnet152-f82ba261.pth',
      convnext_tiny: 'convnext_tiny-983f1562.pth',
    });
    expect(pretrainedSource('resnet50', 'IMAGENET1K_V1', 'http://x/').url).toBe('http://x/resnet50-0676ba61.pth');
  });

  it('offline, says exactly which file to put where and where to fetch it', async () => {
    const error = await failure(resolvePretrained({ arch: 'resnet34', torchHome, download: false }));
    expect(error.code).toBe('E_IO');
    expect(error.message).toContain(`Put ${RESNET34} at ${join(checkpoints, RESNET34)}`);
    expect(error.message).toContain(`(fetch it from https://download.pytorch.org/models/${RESNET34})`);
    expect(error.message).toContain(`or pass weights: '/path/to/${RESNET34}'`);
  });

  it('rejects a download whose SHA-256 does not start with the hash in its name', async () => {
    const error = await failure(resolvePretrained({ arch: 'resnet34', torchHome, baseUrl: server.url('/models/'), ...quick }));
    expect(error.code).toBe('E_IO');
    expect(error.message).toMatch(/checksum mismatch .* expected SHA-256 starting b627a593, got [0-9a-f]{64}/);
    expect(error.message).toContain(`Put ${RESNET34} at ${join(checkpoints, RESNET34)}`);
    expect(leftovers()).toEqual([]);
  });

  it('reports a truncated transfer and leaves no partial file', async () => {
    const error = await failure(resolvePretrained({ arch: 'resnet34', torchHome, baseUrl: server.url('/cut/'), ...quick }));
    expect(error.message).toMatch(/downloading resnet34-b627a593\.pth failed: download of .* broke off after \d+ of 300000 bytes/);
    expect(server.hits(`/cut/${RESNET34}`)).toBe(2);
    expect(leftovers()).toEqual([]);
  });

  it('reports a server that is down, with the way out', async () => {
    const base = (await deadUrl('/models/')).toString();
    const error = await failure(resolvePretrained({ arch: 'resnet34', torchHome, baseUrl: base, ...quick }));
    expect(error.message).toMatch(/could not fetch .*ECONNREFUSED/);
    expect(error.message).toContain(`Put ${RESNET34} at ${join(checkpoints, RESNET34)} (fetch it from ${base}${RESNET34})`);
    expect(leftovers()).toEqual([]);
  });
});

describe('fetchCheckpoint', () => {
  it('downloads into the hub cache when the hash in the name matches, with progress', async () => {
    const seen: number[] = [];
    const path = await fetchCheckpoint(server.url(`/models/${named}`), { ...quick, torchHome, progress: (p) => seen.push(p.received) });
    expect(path).toBe(join(checkpoints, named));
    expect(readFileSync(path)).toEqual(payload);
    expect(seen.at(-1)).toBe(payload.length);
    expect(seen.every((v, i) => i === 0 || v >= (seen[i - 1] as number))).toBe(true);
    expect(leftovers()).toEqual([named]);
    const hits = server.hits(`/models/${named}`);
    expect(await fetchCheckpoint(server.url(`/models/${named}`), { ...quick, torchHome })).toBe(path);
    expect(server.hits(`/models/${named}`)).toBe(hits);
  });

  it('resumes a dropped transfer', async () => {
    const path = await fetchCheckpoint(server.url(`/flaky/${named}`), { ...quick, torchHome });
    expect(readFileSync(path)).toEqual(payload);
    expect(server.requests.filter((r) => r.path === `/flaky/${named}`).map((r) => r.range)).toEqual([undefined, 'bytes=100000-']);
  });

  it('refuses a URL it cannot name a file after', async () => {
    const error = await failure(fetchCheckpoint('not a url'));
    expect(error.code).toBe('E_ARG');
  });
});
