#!/usr/bin/env node
// Writes Fashion-MNIST (Debian's dataset-fashion-mnist) as an image folder tree:
//   node scripts/fashion-mnist.mjs <dest> [--classes 0-4] [--train 6000] [--valid 1000] [--source DIR] [--overwrite]
// e.g. the demo's source task (classes 0–4) and a small target task (a few hundred of classes 5–9):
//   node scripts/fashion-mnist.mjs data/source --classes 0-4
//   node scripts/fashion-mnist.mjs data/target --classes 5-9 --train 60 --valid 40
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'data', 'fashion-mnist.js');
if (!existsSync(built)) {
  console.error(`fashion-mnist: ${built} is missing; build the library first with \`npm run build:ts\``);
  process.exit(1);
}
const { fashionMnistToFolder } = await import(pathToFileURL(built).href);

const usage = 'usage: node scripts/fashion-mnist.mjs <dest> [--classes 0-4|5,7,9] [--train N] [--valid N] [--source DIR] [--overwrite]';
let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      classes: { type: 'string' },
      train: { type: 'string' },
      valid: { type: 'string' },
      source: { type: 'string' },
      overwrite: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
} catch (error) {
  console.error(`fashion-mnist: ${error.message}\n${usage}`);
  process.exit(2);
}
const { values, positionals } = parsed;
if (values.help || positionals.length !== 1) {
  console.error(usage);
  process.exit(values.help ? 0 : 2);
}

function classList(text) {
  if (text === undefined) return undefined;
  return text.split(',').flatMap((part) => {
    const range = /^(\d+)-(\d+)$/.exec(part.trim());
    if (!range) return [Number(part)];
    const [lo, hi] = [Number(range[1]), Number(range[2])];
    return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
  });
}

const count = (text) => (text === undefined ? undefined : Number(text));

try {
  const summary = await fashionMnistToFolder(positionals[0], {
    classes: classList(values.classes),
    trainPerClass: count(values.train),
    validPerClass: count(values.valid),
    source: values.source,
    overwrite: values.overwrite ?? false,
  });
  const total = (counts) => Object.values(counts).reduce((a, b) => a + b, 0);
  console.log(`fashion-mnist: wrote ${total(summary.train)} training and ${total(summary.valid)} validation images to ${summary.dest}`);
  for (const name of summary.classes) console.log(`  ${name}: ${summary.train[name]} train, ${summary.valid[name]} valid`);
} catch (error) {
  console.error(`fashion-mnist: ${error.message}`);
  process.exit(1);
}
