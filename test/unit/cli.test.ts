// The CLI's command table, help and exit codes, and doctor's judgement on made-up machines.
import { describe, expect, it } from 'vitest';
import { type Check, createDoctorCommand, diagnose, type DoctorProbes, exitCodeOf, formatChecks } from '../../src/cli/doctor.js';
import type { Command } from '../../src/cli/command.js';
import { runCli } from '../../src/cli/run.js';
import type { NativeVersions } from '../../src/native.js';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) }, env: {} },
    out: () => out.join(''),
    err: () => err.join(''),
  };
}

const CPU: NativeVersions = {
  libtorch: '1.13.0',
  cudaBuild: false,
  cuda: false,
  cudnn: false,
  cudaDeviceCount: 0,
  threads: 2,
  napi: 9,
  config: 'PyTorch built with: ...',
  jpeg: 'libjpeg-turbo 2.1.5',
};

function probes(overrides: Partial<DoctorProbes> = {}): DoctorProbes {
  return {
    readRecord: () => ({
      source: 'system',
      reason: 'system LibTorch 1.13.0 found in /usr/lib/x/cmake/Torch',
      torchDir: '/usr/lib/x/cmake/Torch',
      version: '1.13.0',
      tried: [],
    }),
    nativeVersions: async () => CPU,
    sharpVersions: async () => ({ sharp: '0.34.5', vips: '8.17.3' }),
    env: { TORCH_HOME: '/th' },
    nodeVersion: 'v20.20.2',
    nodeNapi: 9,
    cores: 2,
    isFile: () => false,
    loadedLibraries: () => ['/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3'],
    ...overrides,
  };
}

const byName = (checks: Check[], name: string) => checks.find((c) => c.name === name);

describe('fasttune CLI', () => {
  const echo: Command = {
    name: 'echo',
    summary: 'print the words',
    synopsis: '[--loud] <words...>',
    description: 'Prints its words.',
    options: {
      loud: { type: 'boolean', short: 'l', description: 'shout', default: 'off' },
      times: { type: 'string', valueName: 'n', description: 'repeat', default: '1' },
    },
    maxPositionals: 3,
    async run(values, positionals, cli) {
      const text = positionals.join(' ');
      cli.stdout.write(`${values.loud ? text.toUpperCase() : text}\n`);
      return 0;
    },
  };
  const table = [createDoctorCommand(() => probes()), echo];

  it('lists the commands on --help and exits 0', async () => {
    const t = io();
    expect(await runCli(['--help'], t.io, table)).toBe(0);
    expect(t.out()).toMatch(/^Usage: fasttune <command> \[options\]/);
    expect(t.out()).toMatch(/\n {2}doctor {2}check the LibTorch/);
    expect(t.out()).toMatch(/\n {2}echo {4}print the words/);
  });

  it('shows one command’s help through --help, -h and `help <command>`', async () => {
    for (const argv of [
      ['echo', '--help'],
      ['echo', '-h'],
      ['help', 'echo'],
    ]) {
      const t = io();
      expect(await runCli(argv, t.io, table)).toBe(0);
      expect(t.out()).toBe(
        [
          'Usage: fasttune echo [--loud] <words...>',
          '',
          'Prints its words.',
          '',
          'Options:',
          '  -l, --loud       shout (default: off)',
          '      --times <n>  repeat (default: 1)',
          '  -h, --help       show this help',
          '',
        ].join('\n'),
      );
    }
  });

  it('runs a command with its options', async () => {
    const t = io();
    expect(await runCli(['echo', '-l', 'hi', 'there'], t.io, table)).toBe(0);
    expect(t.out()).toBe('HI THERE\n');
  });

  it('prints the package version', async () => {
    const t = io();
    expect(await runCli(['--version'], t.io, table)).toBe(0);
    expect(t.out()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it.each([
    [[], /^Usage: fasttune/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['--frob'], /unknown option '--frob'/],
    [['echo', '--nope'], /echo: unknown option '--nope'\n/],
    [['echo', '--lodu'], /echo: unknown option '--lodu'; did you mean --loud\?/],
    [['echo', '--time', '2'], /echo: unknown option '--time'; did you mean --times\?/],
    [['echo', 'a', 'b', 'c', 'd'], /echo: unexpected argument/],
    [['doctor', 'extra'], /doctor: unexpected argument 'extra'/],
    [['help', 'frobnicate'], /no command 'frobnicate'/],
  ])('exits 2 on wrong usage: %j', async (argv, message) => {
    const t = io();
    expect(await runCli(argv, t.io, table)).toBe(2);
    expect(t.err()).toMatch(message);
    expect(t.out()).toBe('');
  });

  it('exits 1 when a command throws, with its message', async () => {
    const broken: Command = { ...echo, name: 'broken', run: async () => Promise.reject(new Error('disk on fire')) };
    const t = io();
    expect(await runCli(['broken'], t.io, [broken])).toBe(1);
    expect(t.err()).toBe('fasttune broken: disk on fire\n');
  });

  it("speaks of flags, not of the library's option names", async () => {
    const raising = (message: string): Command => ({ ...echo, name: 'raise', run: async () => Promise.reject(new Error(message)) });
    for (const [message, shown] of [
      [
        'resolvePretrained: weights file /w.pth does not exist, or pass pretrained: false to start from random weights.',
        '/w.pth does not exist, or pass --no-pretrained to start',
      ],
      ["Pretrained weights for resnet34 could not be downloaded; or pass weights: '/path/to/r.pth'", "or pass --weights '/path/to/r.pth'"],
      [
        'fromFolder: the training set has 4 images, fewer than one batch (bs 64); lower bs',
        'raise: the training set has 4 images, fewer than one batch (--bs 64); lower --bs\n',
      ],
    ] as const) {
      const t = io();
      expect(await runCli(['raise'], t.io, [raising(message)])).toBe(1);
      expect(t.err()).toContain(shown);
      expect(t.err()).not.toMatch(/resolvePretrained|fromFolder|pass (weights|pretrained):|(?<!-)\bbs\b/);
    }
  });
});

describe('fasttune doctor', () => {
  it('reports a healthy CPU setup and exits 0', async () => {
    const checks = await diagnose(probes());
    expect(exitCodeOf(checks)).toBe(0);
    expect(checks.map((c) => c.name)).toEqual([
      'LibTorch resolution',
      'LibTorch',
      'Build',
      'CUDA devices',
      'cuDNN',
      'Data parallel',
      'Threads',
      'JPEG decoding',
      'Node-API (addon)',
      'BLAS',
      'Node',
      'sharp',
      'Pretrained weights',
    ]);
    expect(byName(checks, 'LibTorch resolution')?.value).toBe('system: system LibTorch 1.13.0 found in /usr/lib/x/cmake/Torch');
    expect(byName(checks, 'Build')?.value).toBe('CPU');
    expect(byName(checks, 'sharp')?.value).toBe('sharp 0.34.5, libvips 8.17.3');
    expect(byName(checks, 'Pretrained weights')).toMatchObject({
      status: 'info',
      value: 'resnet34 not cached; first use downloads https://download.pytorch.org/models/resnet34-b627a593.pth to /th/hub/checkpoints/resnet34-b627a593.pth',
    });
    expect(formatChecks(checks)).toMatch(/\nNo problems found\.\n$/);
  });

  it('shows the thread count and the OpenMP setting that shapes it', async () => {
    const checks = await diagnose(probes({ env: { TORCH_HOME: '/th', OMP_NUM_THREADS: '3' } }));
    expect(byName(checks, 'Threads')).toEqual({
      name: 'Threads',
      status: 'ok',
      value: '2 (LibTorch intra-op; 2 cores available)',
      details: ['OMP_NUM_THREADS=3'],
    });
  });

  it('finds cached weights where torch.hub keeps them', async () => {
    const checks = await diagnose(probes({ isFile: (p) => p === '/th/hub/checkpoints/resnet34-b627a593.pth' }));
    expect(byName(checks, 'Pretrained weights')).toMatchObject({ status: 'ok', value: 'resnet34 found at /th/hub/checkpoints/resnet34-b627a593.pth' });
  });

  it("lists which other architectures' default weights are cached", async () => {
    const cached = new Set(['/th/hub/checkpoints/resnet50-11ad3fa6.pth', '/th/hub/checkpoints/convnext_tiny-983f1562.pth']);
    const checks = await diagnose(probes({ isFile: (p) => cached.has(p) }));
    expect(byName(checks, 'Pretrained weights')?.details).toContain(
      'other architectures (--arch): cached resnet50, convnext_tiny; downloaded on first use: resnet18, resnet101, resnet152',
    );
  });

  it('reports CUDA devices and cuDNN of a CUDA build, and a CUDA build without a GPU', async () => {
    const gpu = await diagnose(
      probes({ nativeVersions: async () => ({ ...CPU, libtorch: '2.5.1', cudaBuild: true, cuda: true, cudnn: true, cudaDeviceCount: 2 }) }),
    );
    expect(byName(gpu, 'Build')?.value).toBe('CUDA');
    expect(byName(gpu, 'CUDA devices')).toMatchObject({ status: 'ok', value: '2' });
    expect(byName(gpu, 'cuDNN')?.value).toBe('available');
    const noGpu = await diagnose(probes({ nativeVersions: async () => ({ ...CPU, cudaBuild: true }) }));
    expect(byName(noGpu, 'CUDA devices')?.status).toBe('warn');
    expect(exitCodeOf(noGpu)).toBe(0);
  });

  it('says how JPEGs are decoded, and how to get the native path when the build lacks libjpeg', async () => {
    const native = await diagnose(probes());
    expect(byName(native, 'JPEG decoding')).toMatchObject({ status: 'ok', value: 'native, libjpeg-turbo 2.1.5 (pixels as PIL decodes and resizes them)' });
    const bySharp = await diagnose(probes({ nativeVersions: async () => ({ ...CPU, jpeg: '' }) }));
    expect(byName(bySharp, 'JPEG decoding')).toMatchObject({
      status: 'warn',
      details: ['install libjpeg headers (Debian/Ubuntu: libjpeg-dev), then rebuild: npm rebuild fasttune'],
    });
    expect(exitCodeOf(bySharp)).toBe(0);
  });

  it('fails when the addon does not load, keeping the reasons', async () => {
    const checks = await diagnose(
      probes({
        nativeVersions: async () =>
          Promise.reject(new Error('Could not load the fasttune native addon.\n  tried /x/fasttune.node: ENOENT\n- run npm run build:native')),
      }),
    );
    expect(byName(checks, 'Native addon')).toEqual({
      name: 'Native addon',
      status: 'fail',
      value: 'Could not load the fasttune native addon.',
      details: ['tried /x/fasttune.node: ENOENT', '- run npm run build:native'],
    });
    expect(exitCodeOf(checks)).toBe(1);
    expect(formatChecks(checks)).toMatch(/\n1 problem\(s\) found: Native addon\.\n$/);
  });

  it('fails on an old Node, an old Node-API or a broken sharp', async () => {
    expect(byName(await diagnose(probes({ nodeVersion: 'v18.19.0' })), 'Node')?.status).toBe('fail');
    expect(byName(await diagnose(probes({ nativeVersions: async () => ({ ...CPU, napi: 7 }) })), 'Node-API (addon)')?.status).toBe('fail');
    const sharp = await diagnose(probes({ sharpVersions: async () => Promise.reject(new Error('libvips-cpp.so: cannot open')) }));
    expect(byName(sharp, 'sharp')).toMatchObject({ status: 'fail', value: 'could not load sharp: libvips-cpp.so: cannot open' });
  });

  it('warns, without failing, when the record is missing or disagrees with the addon', async () => {
    const missing = await diagnose(probes({ readRecord: () => null }));
    expect(byName(missing, 'LibTorch resolution')?.status).toBe('warn');
    expect(exitCodeOf(missing)).toBe(0);
    const stale = await diagnose(probes({ readRecord: () => ({ source: 'download', reason: 'r', torchDir: '/c', version: '2.5.1' }) }));
    expect(byName(stale, 'LibTorch')).toMatchObject({ status: 'warn', details: [expect.stringMatching(/record says 2\.5\.1/)] });
  });

  it('prints JSON with --json', async () => {
    const t = io();
    expect(await runCli(['doctor', '--json'], t.io, [createDoctorCommand(() => probes())])).toBe(0);
    const parsed = JSON.parse(t.out()) as { checks: Check[] };
    expect(parsed.checks.find((c) => c.name === 'LibTorch')?.value).toBe('1.13.0');
  });
});
