// Runs weights fuzz cases in this process and reports each on stdout with synchronous writes, so
// the line naming a case is out before the native reader sees it. A crash kills only this
// process; test/fuzz/weights.mjs notices and carries on from the next case.
import { readFileSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { caseSeed, makeRng, mutate, prepare } from './mutate.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const { corpus, seed, start, count, dir } = JSON.parse(process.argv[2]);

class FuzzError extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

const binding = createRequire(import.meta.url)(process.env.FASTTUNE_ADDON ?? join(root, 'build', 'Release', 'fasttune.node'));
binding.setErrorClass(FuzzError);
const bases = corpus.map((file) => prepare(readFileSync(file)));

for (let i = start; i < start + count; i++) {
  const rng = makeRng(caseSeed(seed, i));
  const base = bases[rng.int(bases.length)];
  const { bytes, how } = mutate(base, rng);
  const file = join(dir, `case-${i}.bin`);
  writeFileSync(file, bytes);
  writeSync(1, `start ${i} ${JSON.stringify(how)}\n`);
  let outcome;
  try {
    await binding.readWeights(file);
    outcome = 'read';
  } catch (error) {
    const named = error instanceof FuzzError && error.code === 'E_IO' && error.message.includes(file);
    outcome = named ? 'refused' : `wrong ${JSON.stringify(`${error?.code ?? error?.constructor?.name}: ${error?.message}`)}`;
  }
  writeSync(1, `done ${i} ${outcome}\n`);
  unlinkSync(file);
}
