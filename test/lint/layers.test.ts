// The layer check on made-up sources: which imports it lets through and which it names.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { violationsOf } from './layers.mjs';

type Violation = { line: number; specifier: string; reason: string };
const src = '/repo/src';
const check = (file: string, text: string) => (violationsOf as (s: string, f: string, t: string) => Violation[])(src, join(src, file), text);

describe('layers', () => {
  it('lets imports go down the order, within a folder, and to packages', () => {
    const text = [
      "import { FasttuneError } from '../core/errors.js';",
      "import type { Batch } from '../core/batch.js';",
      "import { loadAddon } from '../native.js';",
      "import { readWeights } from '../io/weights.js';",
      "import { helper } from './helper.js';",
      "import sharp from 'sharp';",
      "import { join } from 'node:path';",
    ].join('\n');
    expect(check('data/loader.ts', text)).toEqual([]);
    expect(check('index.ts', "export { Learner } from './learner/learner.js';\nexport * from './cli/run.js';")).toEqual([]);
  });

  it('names each import that reaches up, type-only and dynamic ones too, with its line', () => {
    const text = [
      "import { FasttuneError } from '../core/errors.js';",
      "import type { Learner } from '../learner/learner.js';",
      "const { run } = await import('../cli/run.js');",
      "export { thing } from '../data/thing.js';",
    ].join('\n');
    expect(check('plot/charts.ts', text)).toEqual([
      { line: 2, specifier: '../learner/learner.js', reason: 'learner is above plot' },
      { line: 3, specifier: '../cli/run.js', reason: 'cli is above plot' },
      { line: 4, specifier: '../data/thing.js', reason: 'data is above plot' },
    ]);
  });

  it('places the top-level files between core and io', () => {
    expect(check('native.ts', "import type { Weights } from './io/weights.js';")).toEqual([
      { line: 1, specifier: './io/weights.js', reason: 'io is above native.ts' },
    ]);
    expect(check('core/rng.ts', "import { loadAddon } from '../native.js';")).toEqual([
      { line: 1, specifier: '../native.js', reason: 'native.ts is above core' },
    ]);
  });

  it('places serve between vision and the command line', () => {
    expect(check('serve/server.ts', "import { loadLearner } from '../vision/load-learner.js';")).toEqual([]);
    expect(check('cli/serve.ts', "import { createPredictionServer } from '../serve/server.js';")).toEqual([]);
    expect(check('serve/server.ts', "import { runCli } from '../cli/run.js';")).toEqual([
      { line: 1, specifier: '../cli/run.js', reason: 'cli is above serve' },
    ]);
    expect(check('vision/load-learner.ts', "import type { PredictionServer } from '../serve/server.js';")).toEqual([
      { line: 1, specifier: '../serve/server.js', reason: 'serve is above vision' },
    ]);
  });

  it('refuses imports that leave src/ and folders outside the order', () => {
    expect(check('vision/pretrained.ts', "import { downloadFile } from '../../scripts/lib/download.mjs';")).toEqual([
      { line: 1, specifier: '../../scripts/lib/download.mjs', reason: 'leaves src/ (scripts/lib/download.mjs)' },
    ]);
    expect(check('extras/x.ts', "import { a } from '../core/a.js';")).toEqual([
      { line: 1, specifier: '../core/a.js', reason: 'extras is in no layer (see LAYERS)' },
    ]);
  });
});
