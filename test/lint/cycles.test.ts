// The cycle check counts type-only imports: two files that name each other's types form a circle.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import madge from 'madge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dir: string;
const projectConfig = async () => JSON.parse(await readFile(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')).madge;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fasttune-cycles-'));
  await writeFile(join(dir, 'a.ts'), "import type { B } from './b.js';\nexport interface A { b: B }\n");
  await writeFile(join(dir, 'b.ts'), "import type { A } from './a.js';\nexport interface B { a?: A }\n");
  await writeFile(join(dir, 'c.ts'), "import type { A } from './a.js';\nexport const c = (a: A) => a;\n");
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('import cycles (npm run lint)', () => {
  it('finds a circle made of type imports only, with the project madge settings', async () => {
    const { tsConfig: _, ...config } = await projectConfig();
    const result = await madge(dir, config);
    expect(result.circular()).toEqual([['a.ts', 'b.ts']]);
  });
});
