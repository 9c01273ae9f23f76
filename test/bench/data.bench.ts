// The data-loading case alone, with everything it can report (see data-case.ts):
//
//   npx vite-node test/bench/data.bench.ts [--images 1000] [--epochs 5] [--cores N] [--reps 3]
//
// Results also go to bench-results-data.json. Not a test.
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { dataCase } from './data-case.js';
import { ensureBuilt, machine, root } from './lib.js';

const { values } = parseArgs({ options: { images: { type: 'string' }, epochs: { type: 'string' }, cores: { type: 'string' }, reps: { type: 'string' } } });
ensureBuilt();
const result = await dataCase({
  images: Number(values.images ?? 1000),
  epochs: Number(values.epochs ?? 5),
  cores: Number(values.cores ?? availableParallelism()),
  reps: Number(values.reps ?? 3),
  extras: true,
});
writeFileSync(join(root, 'bench-results-data.json'), JSON.stringify({ date: new Date().toISOString(), machine: machine(), ...result }, null, 2));
