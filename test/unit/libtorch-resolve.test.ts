// The LibTorch resolution order, step by step, on a made-up machine (files, Pythons, root,
// apt-get), and once on this real one.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { chooseArchive, detectNvidia } from '../../scripts/libtorch/archives.mjs';
import { systemContext } from '../../scripts/libtorch/context.mjs';
import { pythonCandidates } from '../../scripts/libtorch/from-python.mjs';
import { LibtorchNotFoundError, resolveLibtorch, STEPS } from '../../scripts/libtorch/resolve.mjs';

interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
  error?: Error & { code?: string };
}

interface Machine {
  env?: Record<string, string>;
  files?: string[];
  texts?: Record<string, string>;
  onPath?: Record<string, string>;
  /** Answers by executable path; a function may change the machine (apt-get installing). */
  programs?: Record<string, RunResult | ((args: string[]) => RunResult)>;
  root?: boolean;
  platform?: NodeJS.Platform;
  arch?: NodeJS.Architecture;
}

const SYSTEM_DIR = '/usr/lib/x86_64-linux-gnu/cmake/Torch';

function fakeMachine(m: Machine) {
  const files = new Set(m.files ?? []);
  const calls: { cmd: string; args: string[] }[] = [];
  const log: string[] = [];
  const ctx = {
    env: { FASTTUNE_OFFLINE: '1', ...m.env },
    platform: m.platform ?? ('linux' as NodeJS.Platform),
    arch: m.arch ?? ('x64' as NodeJS.Architecture),
    homedir: '/home/u',
    exists: (p: string) => files.has(p),
    readText: (p: string) => m.texts?.[p] ?? null,
    which: (name: string) => m.onPath?.[name] ?? null,
    run: (cmd: string, args: string[]) => {
      calls.push({ cmd, args });
      const program = m.programs?.[cmd];
      if (!program) return { status: null, stdout: '', stderr: '', error: Object.assign(new Error('spawn ENOENT'), { code: 'ENOENT' }) };
      const answer = typeof program === 'function' ? program(args) : program;
      return { error: undefined, ...answer };
    },
    isRoot: () => m.root ?? false,
    log: (line: string) => log.push(line),
    progress: () => ({ update() {}, done() {} }),
    download: vi.fn(),
    downloadOptions: {},
  };
  return { ctx, files, calls, log };
}

/** The archive chosen on a machine, failing the test when none was. */
function archiveFor(ctx: ReturnType<typeof fakeMachine>['ctx']) {
  const { archive, skipped } = chooseArchive(ctx);
  if (!archive) throw new Error(`no archive chosen: ${skipped}`);
  return archive;
}

const torchAnswer = (info: object): RunResult => ({ status: 0, stdout: `${JSON.stringify(info)}\n`, stderr: '' });
const noTorch: RunResult = torchAnswer({ error: "ModuleNotFoundError: No module named 'torch'" });

describe('LibTorch resolution order', () => {
  it('runs the five steps in the documented order', () => {
    expect(STEPS.map((s: { name: string }) => s.name)).toEqual([
      'LIBTORCH / Torch_DIR',
      'Python torch',
      'system libtorch-dev',
      'download',
      'apt-get install libtorch-dev',
    ]);
  });

  it('1. takes Torch_DIR, then LIBTORCH, before looking anywhere else', async () => {
    const { ctx, calls } = fakeMachine({
      env: { Torch_DIR: '/opt/t/cmake', LIBTORCH: '/opt/libtorch' },
      files: ['/opt/t/cmake/TorchConfig.cmake', '/opt/libtorch/share/cmake/Torch/TorchConfig.cmake', `${SYSTEM_DIR}/TorchConfig.cmake`],
    });
    expect(await resolveLibtorch(ctx)).toMatchObject({ source: 'Torch_DIR', torchDir: '/opt/t/cmake', tried: [] });
    delete (ctx.env as Record<string, string>).Torch_DIR;
    expect(await resolveLibtorch(ctx)).toMatchObject({ source: 'LIBTORCH', torchDir: '/opt/libtorch/share/cmake/Torch' });
    expect(calls).toEqual([]);
  });

  it('1. stops on a LIBTORCH that is not a LibTorch instead of quietly using another', async () => {
    const { ctx } = fakeMachine({ env: { LIBTORCH: '/opt/nothing' }, files: [`${SYSTEM_DIR}/TorchConfig.cmake`] });
    await expect(resolveLibtorch(ctx)).rejects.toThrow(/LIBTORCH=\/opt\/nothing is not an unpacked LibTorch/);
  });

  it('2. uses a Python whose torch ships CMake files (FASTTUNE_PYTHON first)', async () => {
    const prefix = '/venv/lib/python3.12/site-packages/torch/share/cmake';
    const { ctx, calls } = fakeMachine({
      env: { FASTTUNE_PYTHON: '/venv/bin/python' },
      files: [`${prefix}/Torch/TorchConfig.cmake`, `${SYSTEM_DIR}/TorchConfig.cmake`],
      programs: { '/venv/bin/python': torchAnswer({ version: '2.5.1+cu124', prefix, cuda: '12.4', cxx11abi: false }) },
    });
    const found = await resolveLibtorch(ctx);
    expect(found).toMatchObject({ source: 'python', torchDir: `${prefix}/Torch`, python: '/venv/bin/python', variant: 'cu124', version: '2.5.1+cu124' });
    expect(found.reason).toBe('torch 2.5.1+cu124 (CUDA 12.4) is importable from /venv/bin/python');
    expect(calls.map((c) => c.cmd)).toEqual(['/venv/bin/python']);
  });

  it("2. falls through Debian's python3-torch (no CMake config) to the system LibTorch, saying why", async () => {
    const prefix = '/usr/lib/python3/dist-packages/torch/share/cmake';
    const { ctx, log } = fakeMachine({
      files: [`${SYSTEM_DIR}/TorchConfig.cmake`],
      texts: { [`${SYSTEM_DIR}/TorchConfigVersion.cmake`]: 'set(PACKAGE_VERSION "1.13.0")\n' },
      onPath: { python3: '/home/u/.pyenv/shims/python3' },
      programs: {
        '/home/u/.pyenv/shims/python3': noTorch,
        '/usr/bin/python3': torchAnswer({ version: '1.13.0a0', prefix, cuda: null, cxx11abi: true }),
      },
    });
    const found = await resolveLibtorch(ctx);
    expect(found).toMatchObject({ source: 'system', torchDir: SYSTEM_DIR, version: '1.13.0' });
    expect(found.reason).toBe(`system LibTorch 1.13.0 found in ${SYSTEM_DIR}`);
    expect(found.tried).toEqual([
      { step: 'LIBTORCH / Torch_DIR', reason: 'neither LIBTORCH nor Torch_DIR is set' },
      {
        step: 'Python torch',
        reason:
          "/home/u/.pyenv/shims/python3: torch is not importable (ModuleNotFoundError: No module named 'torch'); " +
          `/usr/bin/python3: torch 1.13.0a0 has no ${prefix}/Torch/TorchConfig.cmake`,
      },
    ]);
    expect(log).toContain(`fasttune: Python torch: ${found.tried[1].reason}`);
  });

  it('2. asks each Python once, and reports one that cannot run or answers nonsense', async () => {
    const { ctx } = fakeMachine({ env: { FASTTUNE_PYTHON: '/usr/bin/python3' }, onPath: { python3: '/usr/bin/python3' } });
    expect(pythonCandidates(ctx)).toEqual([{ name: '/usr/bin/python3', path: '/usr/bin/python3' }]);

    const other = fakeMachine({
      env: { FASTTUNE_PYTHON: '/opt/py' },
      programs: {
        '/opt/py': { status: 1, stdout: '', stderr: 'Traceback\nSegmentation fault\n' },
        '/usr/bin/python3': { status: 0, stdout: 'hello\n', stderr: '' },
      },
    });
    const pythonStep = STEPS.find((step: { name: string }) => step.name === 'Python torch');
    const outcome = await pythonStep?.run(other.ctx);
    expect(outcome?.skipped).toBe('/opt/py: exited with 1 (Segmentation fault); python3: not found on PATH; /usr/bin/python3: unexpected answer (hello)');
  });

  it('3. finds the multiarch cmake/Torch of libtorch-dev', async () => {
    const { ctx } = fakeMachine({ files: ['/usr/lib/aarch64-linux-gnu/cmake/Torch/TorchConfig.cmake'] });
    expect(await resolveLibtorch(ctx)).toMatchObject({ source: 'system', torchDir: '/usr/lib/aarch64-linux-gnu/cmake/Torch', version: null });
  });

  it('4. downloads only when nothing local was found', async () => {
    const { ctx } = fakeMachine({ env: { FASTTUNE_OFFLINE: '' }, files: [`${SYSTEM_DIR}/TorchConfig.cmake`] });
    await resolveLibtorch(ctx);
    expect(ctx.download).not.toHaveBeenCalled();
  });

  it('5. installs libtorch-dev and OpenBLAS with apt-get on Debian as root, refreshing stale lists once', async () => {
    let installs = 0;
    const machine = fakeMachine({
      files: ['/etc/debian_version'],
      onPath: { 'apt-get': '/usr/bin/apt-get' },
      root: true,
      programs: {
        '/usr/bin/apt-get': (args) => {
          if (args[0] === 'install' && ++installs === 2) machine.files.add(`${SYSTEM_DIR}/TorchConfig.cmake`);
          return { status: args[0] === 'install' && installs === 1 ? 100 : 0, stdout: '', stderr: '' };
        },
      },
    });
    const found = await resolveLibtorch(machine.ctx);
    expect(found).toMatchObject({ source: 'apt', torchDir: SYSTEM_DIR });
    expect(found.reason).toMatch(/^installed libtorch-dev and libopenblas0-pthread with apt-get; system LibTorch found in/);
    const aptCalls = machine.calls.filter((c) => c.cmd === '/usr/bin/apt-get');
    expect(aptCalls.map((c) => c.args[0])).toEqual(['install', 'update', 'install']);
    expect(aptCalls[0]?.args).toEqual(['install', '-y', '--no-install-recommends', 'libtorch-dev', 'libopenblas0-pthread']);
    expect(found.tried.map((t: { step: string }) => t.step)).toEqual(['LIBTORCH / Torch_DIR', 'Python torch', 'system libtorch-dev', 'download']);
  });

  it.each([
    [{ root: false }, /not root \(run `sudo apt-get install libtorch-dev libopenblas0-pthread` yourself\)/],
    [{ root: true, files: [] }, /not a Debian\/Ubuntu system/],
    [{ root: true, platform: 'darwin' }, /not Linux \(darwin\)/],
    [{ root: true, env: { FASTTUNE_NO_APT: '1' } }, /disabled by FASTTUNE_NO_APT/],
  ])('5. does not run apt-get when it should not (%o)', async (m, reason) => {
    const machine = fakeMachine({ files: ['/etc/debian_version'], onPath: { 'apt-get': '/usr/bin/apt-get' }, ...m } as Machine);
    const error = await resolveLibtorch(machine.ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LibtorchNotFoundError);
    expect((error as LibtorchNotFoundError).tried[4].reason).toMatch(reason);
    expect(machine.calls.filter((c) => c.cmd === '/usr/bin/apt-get')).toEqual([]);
  });

  it('6. fails with one message listing every step, why it failed, and the fixes', async () => {
    const { ctx } = fakeMachine({ onPath: {} });
    const error = (await resolveLibtorch(ctx).catch((e: unknown) => e)) as LibtorchNotFoundError;
    expect(error).toBeInstanceOf(LibtorchNotFoundError);
    const lines = error.message.split('\n');
    expect(lines[0]).toBe('No LibTorch found. Tried, in order:');
    expect(lines.slice(1, 6)).toEqual([
      '  1. LIBTORCH / Torch_DIR: neither LIBTORCH nor Torch_DIR is set',
      '  2. Python torch: python3: not found on PATH; /usr/bin/python3: could not run (ENOENT)',
      expect.stringMatching(/^ {2}3\. system libtorch-dev: no TorchConfig\.cmake under \/usr\/lib\/x86_64-linux-gnu\/cmake\/Torch, /),
      '  4. download: downloads are disabled (FASTTUNE_OFFLINE or npm --offline)',
      '  5. apt-get install libtorch-dev: not a Debian/Ubuntu system',
    ]);
    expect(error.message).toMatch(/set LIBTORCH to an unpacked LibTorch/);
    expect(error.message).toMatch(/sudo apt-get install libtorch-dev/);
    expect(error.message).toMatch(/FASTTUNE_LIBTORCH_URL/);
  });
});

describe('LibTorch archive choice', () => {
  const smi = (stdout: string): Machine => ({
    onPath: { 'nvidia-smi': '/usr/bin/nvidia-smi' },
    programs: { '/usr/bin/nvidia-smi': { status: 0, stdout, stderr: '' } },
  });

  it('picks the pinned CPU archive without an NVIDIA driver', () => {
    const archive = archiveFor(fakeMachine({}).ctx);
    expect(archive).toMatchObject({ variant: 'cpu', key: `${archive.version}-cpu`, why: 'no NVIDIA driver found' });
    expect(archive.url).toMatch(/^https:\/\/download\.pytorch\.org\/libtorch\/cpu\/libtorch-.*%2Bcpu\.zip$/);
    expect(archive.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('picks the pinned CUDA archive when nvidia-smi reports a CUDA 12 driver', () => {
    const machine = fakeMachine(smi('| NVIDIA-SMI 550.54.15   Driver Version: 550.54.15   CUDA Version: 12.4 |'));
    expect(detectNvidia(machine.ctx)).toEqual({ present: true, via: 'nvidia-smi', cuda: '12.4' });
    const archive = archiveFor(machine.ctx);
    expect(archive).toMatchObject({ variant: 'cu124', why: 'NVIDIA driver found (nvidia-smi, CUDA 12.4)' });
    expect(archive.url).toMatch(/\/libtorch\/cu124\/libtorch-.*%2Bcu124\.zip$/);
    expect(archive.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('takes /proc/driver/nvidia as a driver too', () => {
    const machine = fakeMachine({ files: ['/proc/driver/nvidia/version'] });
    expect(detectNvidia(machine.ctx)).toEqual({ present: true, via: '/proc/driver/nvidia', cuda: null });
    expect(archiveFor(machine.ctx).variant).toBe('cu124');
  });

  it('asks for a checksum for an older driver that needs an unpinned build', () => {
    const archive = archiveFor(fakeMachine(smi('CUDA Version: 11.4')).ctx);
    expect(archive).toMatchObject({ variant: 'cu118', sha256: null });
  });

  it('keeps the pinned checksum for a mirror URL, and a given one gets its own cache folder', () => {
    const mirror = archiveFor(fakeMachine({ env: { FASTTUNE_LIBTORCH_URL: 'https://mirror/x.zip' } }).ctx);
    const pinned = archiveFor(fakeMachine({}).ctx);
    expect(mirror).toMatchObject({ url: 'https://mirror/x.zip', sha256: pinned.sha256, key: pinned.key });
    const custom = chooseArchive(
      fakeMachine({ env: { FASTTUNE_LIBTORCH_URL: 'https://mirror/x.zip', FASTTUNE_LIBTORCH_SHA256: 'AB'.repeat(32) } }).ctx,
    ).archive;
    expect(custom).toMatchObject({ sha256: 'ab'.repeat(32), key: `custom-${'ab'.repeat(6)}`, version: null });
  });

  it('says when no official archive exists for the platform', () => {
    expect(chooseArchive(fakeMachine({ arch: 'arm64' }).ctx).skipped).toMatch(/no official LibTorch archive is known for linux-arm64/);
  });

  it('refuses malformed overrides', () => {
    expect(() => chooseArchive(fakeMachine({ env: { FASTTUNE_LIBTORCH_VARIANT: 'gpu' } }).ctx)).toThrow(/FASTTUNE_LIBTORCH_VARIANT=gpu is not/);
    expect(() => chooseArchive(fakeMachine({ env: { FASTTUNE_LIBTORCH_SHA256: 'xyz' } }).ctx)).toThrow(/must be 64 hex digits/);
  });
});

describe('LibTorch resolution on this machine', () => {
  it.skipIf(!existsSync(join(SYSTEM_DIR, 'TorchConfig.cmake')))('finds the Debian libtorch-dev', async () => {
    const lines: string[] = [];
    const ctx = systemContext({ env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' }, stream: { write: (s: string) => lines.push(s) } });
    const found = await resolveLibtorch(ctx);
    expect(found).toMatchObject({ source: 'system', torchDir: SYSTEM_DIR });
    expect(found.version).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
