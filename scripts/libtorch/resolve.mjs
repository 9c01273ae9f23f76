// Decides which LibTorch the addon builds against: the steps below, in order; the first that
// finds one wins. Each step that does not is logged with its reason, and if none does, one
// error lists them all with the ways out.
import { systemContext } from './context.mjs';
import { fromApt } from './from-apt.mjs';
import { fromDownload } from './from-download.mjs';
import { fromEnvironment } from './from-env.mjs';
import { fromPython } from './from-python.mjs';
import { fromSystem } from './from-system.mjs';

/** The resolution order. Each step returns `{ found }` or `{ skipped: reason }`. */
export const STEPS = [
  { name: 'LIBTORCH / Torch_DIR', run: fromEnvironment },
  { name: 'Python torch', run: fromPython },
  { name: 'system libtorch-dev', run: fromSystem },
  { name: 'download', run: fromDownload },
  { name: 'apt-get install libtorch-dev', run: fromApt },
];

const FIXES = [
  'set LIBTORCH to an unpacked LibTorch (https://pytorch.org/get-started/locally/, "LibTorch"), or Torch_DIR to a folder holding TorchConfig.cmake;',
  'or install a PyTorch that ships CMake files (pip or conda) and set FASTTUNE_PYTHON to its python;',
  'or on Debian/Ubuntu: sudo apt-get install libtorch-dev libopenblas0-pthread;',
  'or allow the download (unset FASTTUNE_OFFLINE), or mirror the archive and set FASTTUNE_LIBTORCH_URL (and FASTTUNE_LIBTORCH_SHA256 if it is not the pinned archive).',
];

/** No step found a LibTorch. `tried` holds `{ step, reason }` for each. */
export class LibtorchNotFoundError extends Error {
  constructor(tried) {
    const lines = [
      'No LibTorch found. Tried, in order:',
      ...tried.map((t, i) => `  ${i + 1}. ${t.step}: ${t.reason}`),
      'Fix one of these, then reinstall (npm rebuild fasttune):',
      ...FIXES.map((f) => `  - ${f}`),
    ];
    super(lines.join('\n'));
    this.name = 'LibtorchNotFoundError';
    this.tried = tried;
  }
}

/**
 * Runs the steps against `ctx` (the real machine by default). Returns the winning step's
 * finding plus `tried`, the steps passed over and why.
 */
export async function resolveLibtorch(ctx = systemContext(), steps = STEPS) {
  const tried = [];
  for (const step of steps) {
    const outcome = await step.run(ctx);
    if (outcome.found) return { ...outcome.found, step: step.name, tried };
    tried.push({ step: step.name, reason: outcome.skipped });
    ctx.log(`fasttune: ${step.name}: ${outcome.skipped}`);
  }
  throw new LibtorchNotFoundError(tried);
}
