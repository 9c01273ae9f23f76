// Step 2: a Python whose torch ships CMake files (pip/conda wheels do, e.g. a CUDA PyTorch).
// Debian's python3-torch has none where torch.utils.cmake_prefix_path points; we say so and
// fall through to the system LibTorch it is built from.
import { join } from 'node:path';
import { CONFIG, hasConfig } from './config.mjs';

const PROBE = [
  'import json, sys',
  'try:',
  '    import torch, torch.utils',
  'except Exception as e:',
  '    print(json.dumps({"error": type(e).__name__ + ": " + str(e)})); sys.exit(0)',
  'print(json.dumps({"version": torch.__version__, "prefix": torch.utils.cmake_prefix_path,',
  '                  "cuda": torch.version.cuda, "cxx11abi": bool(torch._C._GLIBCXX_USE_CXX11_ABI)}))',
].join('\n');

const PROBE_TIMEOUT_MS = 120_000;

/** Pythons to ask, in order, without asking the same executable twice. */
export function pythonCandidates(ctx) {
  const names = [ctx.env.FASTTUNE_PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean);
  const seen = new Set();
  const out = [];
  for (const name of names) {
    const path = name.includes('/') ? name : ctx.which(name);
    const key = path ?? name;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ name, path });
  }
  return out;
}

function lastLine(text) {
  const lines = String(text ?? '')
    .trim()
    .split('\n');
  return lines[lines.length - 1] ?? '';
}

/** Asks one Python about its torch: `{ found }` or `{ skipped }` with the reason. */
export function probePython(ctx, { name, path }) {
  if (!path) return { skipped: `${name}: not found on PATH` };
  const result = ctx.run(path, ['-c', PROBE], { timeoutMs: PROBE_TIMEOUT_MS });
  if (result.error) return { skipped: `${path}: could not run (${result.error.code ?? result.error.message})` };
  if (result.status !== 0) return { skipped: `${path}: exited with ${result.status} (${lastLine(result.stderr)})` };
  let info;
  try {
    info = JSON.parse(lastLine(result.stdout));
  } catch {
    return { skipped: `${path}: unexpected answer (${lastLine(result.stdout) || 'nothing'})` };
  }
  if (info.error) return { skipped: `${path}: torch is not importable (${info.error})` };
  const torchDir = join(info.prefix, 'Torch');
  if (!hasConfig(ctx, torchDir)) {
    return { skipped: `${path}: torch ${info.version} has no ${join(torchDir, CONFIG)}` };
  }
  const build = info.cuda ? `CUDA ${info.cuda}` : 'CPU';
  return {
    found: {
      source: 'python',
      reason: `torch ${info.version} (${build}) is importable from ${path}`,
      torchDir,
      version: info.version,
      python: path,
      variant: info.cuda ? `cu${String(info.cuda).replace('.', '')}` : 'cpu',
    },
  };
}

export async function fromPython(ctx) {
  const reasons = [];
  for (const candidate of pythonCandidates(ctx)) {
    const outcome = probePython(ctx, candidate);
    if (outcome.found) return outcome;
    reasons.push(outcome.skipped);
  }
  return { skipped: reasons.join('; ') };
}
