// `fasttune doctor`: which LibTorch the addon was built against and why, what it can use
// (CUDA, cuDNN, threads, the BLAS under it), the Node and sharp it runs with, and where pretrained
// weights are looked for. Exit 1 when something would stop training from working.
import { readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ARCH_NAMES } from '../model/arch-names.js';
import type { NativeVersions } from '../native.js';
import { defaultTorchHome, hubCheckpointsDir, pretrainedSource, TORCHVISION_MODELS_URL } from '../vision/pretrained.js';
import { type CliIO, type Command, EXIT } from './command.js';

/** build/libtorch.json, as scripts/install.mjs writes it. */
export interface LibtorchRecord {
  source: string;
  reason: string;
  torchDir: string;
  version?: string | null;
  variant?: string;
  python?: string;
  archive?: { url: string; sha256: string; dir: string; reused: boolean };
  tried?: { step: string; reason: string }[];
  resolvedAt?: string;
}

export type CheckStatus = 'ok' | 'info' | 'warn' | 'fail';

/** One line of the report. `fail` means fasttune cannot work as it is. */
export interface Check {
  name: string;
  status: CheckStatus;
  value: string;
  details?: string[];
}

/** What doctor looks at; tests pass their own. */
export interface DoctorProbes {
  readRecord(): LibtorchRecord | null;
  /** The addon's versions(); throws when the addon does not load. */
  nativeVersions(): Promise<NativeVersions>;
  sharpVersions(): Promise<Record<string, string | undefined>>;
  env: NodeJS.ProcessEnv;
  nodeVersion: string;
  nodeNapi: number;
  cores: number;
  isFile(path: string): boolean;
  /** Real paths of the shared libraries this process has loaded; null where they cannot be listed. */
  loadedLibraries(): string[] | null;
}

const REQUIRED_NODE_MAJOR = 20;
const REQUIRED_NAPI = 8;
const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Probes of this process and machine. */
export function systemProbes(): DoctorProbes {
  return {
    readRecord() {
      try {
        return JSON.parse(readFileSync(join(packageRoot, 'build', 'libtorch.json'), 'utf8')) as LibtorchRecord;
      } catch {
        return null;
      }
    },
    async nativeVersions() {
      // Loaded lazily so that a broken addon becomes a finding, not a crash of doctor itself.
      const { versions } = await import('../runtime.js');
      return versions();
    },
    async sharpVersions() {
      const sharp = (await import('sharp')).default;
      return sharp.versions as Record<string, string | undefined>;
    },
    env: process.env,
    nodeVersion: process.version,
    nodeNapi: Number(process.versions.napi),
    cores: availableParallelism(),
    isFile(path) {
      try {
        return statSync(path).isFile();
      } catch {
        return false;
      }
    },
    loadedLibraries() {
      try {
        const paths = readFileSync('/proc/self/maps', 'utf8')
          .split('\n')
          .map((line) => line.split(/\s+/)[5] ?? '');
        return [...new Set(paths.filter((p) => p.startsWith('/')))];
      } catch {
        return null;
      }
    },
  };
}

/** "1.13.0a0+git" → "1.13.0", for comparing versions from different sources. */
function releaseOf(version: string): string {
  return /^\d+\.\d+(\.\d+)?/.exec(version)?.[0] ?? version;
}

function resolutionCheck(record: LibtorchRecord | null): Check {
  if (!record) {
    return {
      name: 'LibTorch resolution',
      status: 'warn',
      value: 'no build/libtorch.json: the addon was not built by `npm install` (scripts/install.mjs)',
      details: ['rebuild with `npm rebuild fasttune` to record which LibTorch is used and why'],
    };
  }
  const details = [`Torch_DIR ${record.torchDir}`];
  if (record.python) details.push(`python ${record.python}`);
  if (record.archive) details.push(`archive ${record.archive.url} (SHA-256 ${record.archive.sha256})`, `cache ${record.archive.dir}`);
  for (const t of record.tried ?? []) details.push(`passed over ${t.step}: ${t.reason}`);
  if (record.resolvedAt) details.push(`resolved ${record.resolvedAt}`);
  return { name: 'LibTorch resolution', status: 'ok', value: `${record.source}: ${record.reason}`, details };
}

function nativeChecks(v: NativeVersions, record: LibtorchRecord | null, cores: number, env: NodeJS.ProcessEnv): Check[] {
  const checks: Check[] = [];
  const recorded = record?.version ? releaseOf(record.version) : null;
  const mismatch = recorded !== null && recorded !== releaseOf(v.libtorch);
  checks.push({
    name: 'LibTorch',
    status: mismatch ? 'warn' : 'ok',
    value: v.libtorch,
    ...(mismatch && {
      details: [`the resolution record says ${record?.version}; rebuild (npm rebuild fasttune) if LibTorch changed`],
    }),
  });
  checks.push({ name: 'Build', status: 'ok', value: v.cudaBuild ? 'CUDA' : 'CPU' });
  if (v.cudaBuild) {
    checks.push({
      name: 'CUDA devices',
      status: v.cudaDeviceCount > 0 ? 'ok' : 'warn',
      value: v.cudaDeviceCount > 0 ? String(v.cudaDeviceCount) : '0 (CUDA build, but no usable GPU: check the NVIDIA driver)',
    });
    checks.push({ name: 'cuDNN', status: 'ok', value: v.cudnn ? 'available' : 'not available' });
  } else {
    checks.push({ name: 'CUDA devices', status: 'info', value: 'none (CPU build of LibTorch)' });
    checks.push({ name: 'cuDNN', status: 'info', value: 'not available (CPU build)' });
  }
  checks.push({
    name: 'Data parallel',
    status: 'info',
    value: 'Gloo on the CPU (c10d: TCPStore, ProcessGroupGloo, Reducer); NCCL for GPUs not supported yet',
  });
  checks.push({
    name: 'Threads',
    status: 'ok',
    value: `${v.threads} (LibTorch intra-op; ${cores} cores available)`,
    ...(env.OMP_NUM_THREADS && { details: [`OMP_NUM_THREADS=${env.OMP_NUM_THREADS}`] }),
  });
  checks.push(
    v.jpeg
      ? { name: 'JPEG decoding', status: 'ok', value: `native, ${v.jpeg} (pixels as PIL decodes and resizes them)` }
      : {
          name: 'JPEG decoding',
          status: 'warn',
          value: 'by sharp: the addon was built without libjpeg, so JPEGs cost about 2.6× the CPU',
          details: ['install libjpeg headers (Debian/Ubuntu: libjpeg-dev), then rebuild: npm rebuild fasttune'],
        },
  );
  checks.push({
    name: 'Node-API (addon)',
    status: v.napi >= REQUIRED_NAPI ? 'ok' : 'fail',
    value: `${v.napi} (fasttune needs ${REQUIRED_NAPI})`,
  });
  return checks;
}

/**
 * The BLAS LibTorch's matrix products run on, from the libraries loaded with the addon. Debian's
 * LibTorch links libblas.so.3, which is the netlib reference BLAS unless an optimized one such as
 * OpenBLAS takes it over through update-alternatives (convolutions go through oneDNN either way).
 */
export function blasCheck(libraries: readonly string[] | null): Check {
  const name = 'BLAS';
  if (libraries === null) return { name, status: 'info', value: 'unknown (the loaded libraries cannot be listed on this system)' };
  const blas = libraries.find((p) => /\/libblas\.so[.\d]*$/.test(p));
  const openblas = libraries.find((p) => /\/libopenblas[^/]*\.so/.test(p));
  const where = blas ?? openblas ?? libraries.find((p) => /\/lib(mkl|blis|s?atlas)[^/]*\.so/.test(p));
  if (where === undefined) return { name, status: 'info', value: 'built into LibTorch (no shared BLAS library loaded)' };
  if (/openblas/.test(blas ?? openblas ?? '')) {
    const version = /-r(\d+(?:\.\d+)+)\.so/.exec(openblas ?? '')?.[1];
    const threading = /openblas-(\w+)\//.exec(where)?.[1];
    const about = [version, threading].filter(Boolean).join(', ');
    return { name, status: 'ok', value: `OpenBLAS${about ? ` ${about}` : ''} (${where})` };
  }
  for (const [pattern, label] of [
    [/mkl/, 'Intel MKL'],
    [/blis/, 'BLIS'],
    [/atlas/, 'ATLAS'],
  ] as const) {
    if (pattern.test(where)) return { name, status: 'ok', value: `${label} (${where})` };
  }
  return {
    name,
    status: 'warn',
    value: `the reference BLAS (${where}): matrix products, such as the head's linear layers, run about 16× slower than on OpenBLAS`,
    details: ['Debian/Ubuntu: apt-get install libopenblas0-pthread (it takes over libblas.so.3; no rebuild needed)'],
  };
}

function weightsCheck(probes: DoctorProbes): Check {
  const torchHome = defaultTorchHome(probes.env);
  const dir = hubCheckpointsDir(torchHome);
  const { file, url } = pretrainedSource('resnet34', 'DEFAULT', probes.env.FASTTUNE_WEIGHTS_URL || TORCHVISION_MODELS_URL);
  const path = join(dir, file);
  const present = probes.isFile(path);
  // The default architecture leads; the others' default weights are listed by whether they are cached.
  const others = ARCH_NAMES.filter((a) => a !== 'resnet34');
  const cached = others.filter((a) => probes.isFile(join(dir, pretrainedSource(a).file)));
  const missing = others.filter((a) => !cached.includes(a));
  return {
    name: 'Pretrained weights',
    status: present ? 'ok' : 'info',
    value: present ? `resnet34 found at ${path}` : `resnet34 not cached; first use downloads ${url} to ${path}`,
    details: [
      `looked for in ${dir} (TORCH_HOME=${probes.env.TORCH_HOME ?? `unset, so ${torchHome}`})`,
      `other architectures (--arch): ${cached.length ? `cached ${cached.join(', ')}` : 'none cached'}` +
        (missing.length ? `; downloaded on first use: ${missing.join(', ')}` : ''),
      'or pass --weights <path to a .pth/.safetensors file>',
    ],
  };
}

/** Runs every check. */
export async function diagnose(probes: DoctorProbes = systemProbes()): Promise<Check[]> {
  const record = probes.readRecord();
  const checks: Check[] = [resolutionCheck(record)];
  try {
    checks.push(...nativeChecks(await probes.nativeVersions(), record, probes.cores, probes.env));
    checks.push(blasCheck(probes.loadedLibraries()));
  } catch (error) {
    const [first = 'unknown error', ...more] = String((error as Error).message ?? error).split('\n');
    checks.push({ name: 'Native addon', status: 'fail', value: first, details: more.map((l) => l.trim()).filter(Boolean) });
  }
  const nodeMajor = Number(/^v?(\d+)/.exec(probes.nodeVersion)?.[1] ?? 0);
  checks.push({
    name: 'Node',
    status: nodeMajor >= REQUIRED_NODE_MAJOR ? 'ok' : 'fail',
    value: `${probes.nodeVersion} (Node-API ${probes.nodeNapi}; fasttune needs Node >= ${REQUIRED_NODE_MAJOR})`,
  });
  try {
    const v = await probes.sharpVersions();
    checks.push({ name: 'sharp', status: 'ok', value: `sharp ${v.sharp ?? '?'}, libvips ${v.vips ?? '?'}` });
  } catch (error) {
    checks.push({ name: 'sharp', status: 'fail', value: `could not load sharp: ${String((error as Error).message).split('\n')[0]}` });
  }
  checks.push(weightsCheck(probes));
  return checks;
}

/** The report as text, one check per line, details indented below it. */
export function formatChecks(checks: readonly Check[]): string {
  const width = Math.max(...checks.map((c) => c.name.length));
  const lines: string[] = [];
  for (const c of checks) {
    lines.push(`${c.status.padEnd(4)}  ${c.name.padEnd(width)}  ${c.value}`);
    for (const d of c.details ?? []) lines.push(`${' '.repeat(width + 8)}${d}`);
  }
  const failed = checks.filter((c) => c.status === 'fail');
  lines.push('', failed.length === 0 ? 'No problems found.' : `${failed.length} problem(s) found: ${failed.map((c) => c.name).join(', ')}.`);
  return `${lines.join('\n')}\n`;
}

/** Exit code for a set of checks: 1 if any failed. */
export function exitCodeOf(checks: readonly Check[]): number {
  return checks.some((c) => c.status === 'fail') ? EXIT.problem : EXIT.ok;
}

export function createDoctorCommand(probes: () => DoctorProbes = systemProbes): Command {
  return {
    name: 'doctor',
    summary: 'check the LibTorch, devices, threads, BLAS, Node, sharp and pretrained weights fasttune will use',
    synopsis: '[--json]',
    description:
      'Prints which LibTorch the native addon was built against and why (build/libtorch.json), its version and\n' +
      'build (CPU/CUDA), CUDA devices, cuDNN, threads, the BLAS, the Node-API and Node versions, sharp/libvips, and where\n' +
      'pretrained weights are looked for. Exits 1 when something would keep fasttune from working.',
    options: { json: { type: 'boolean', description: 'print the checks as JSON', default: 'a table' } },
    async run(values, _positionals, io: CliIO) {
      const checks = await diagnose(probes());
      io.stdout.write(values.json ? `${JSON.stringify({ checks }, null, 2)}\n` : formatChecks(checks));
      return exitCodeOf(checks);
    },
  };
}

export const doctorCommand = createDoctorCommand();
