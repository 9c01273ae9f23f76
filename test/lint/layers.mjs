#!/usr/bin/env node
// Fails on any import in src/ that reaches up the layer order, or out of src/, and prints each one.
// Folders import downward only; a folder may import itself and the layers below it. Type-only
// imports count too: they tie a layer to what sits above it just the same.
//
//   node test/lint/layers.mjs [src folder]
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ts = createRequire(import.meta.url)('typescript');

/** From the bottom. A folder is named by itself, a top-level file by its name. */
export const LAYERS = [
  ['core'],
  ['native.ts', 'runtime.ts'],
  ['io'],
  ['plot'],
  ['augment'],
  ['data'],
  ['model'],
  ['learner', 'export'], // export/ is on its way into learner/
  ['interpret'],
  ['vision'],
  ['serve'],
  ['cli', 'demo'],
  ['index.ts'],
];

const rankOf = new Map(LAYERS.flatMap((names, rank) => names.map((name) => [name, rank])));

/** The layer a path relative to src/ belongs to: its first folder, or the file itself. */
export function layerOf(path) {
  return path.split(/[\\/]/)[0];
}

function sourcesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(m|c)?tsx?$/.test(e.name) && !e.name.endsWith('.d.ts'))
    .map((e) => join(e.parentPath ?? e.path, e.name))
    .sort();
}

/**
 * The offending imports of one file: `{ line, specifier, reason }` for each relative import that
 * leaves src/, lands in a layer above the file's own, or either side of which is in no layer.
 */
export function violationsOf(srcDir, file, text) {
  const from = relative(srcDir, file);
  const fromLayer = layerOf(from);
  const fromRank = rankOf.get(fromLayer);
  const found = [];
  for (const ref of ts.preProcessFile(text, true, true).importedFiles) {
    if (!ref.fileName.startsWith('.')) continue;
    const line = text.slice(0, ref.pos).split('\n').length;
    // NodeNext specifiers name the emitted `.js`; the layer is that of the `.ts` source.
    const to = relative(srcDir, resolve(dirname(file), ref.fileName.replace(/\.js$/, '.ts')));
    if (to.startsWith(`..${sep}`)) {
      found.push({ line, specifier: ref.fileName, reason: `leaves src/ (${to.split(sep).slice(1).join('/')})` });
      continue;
    }
    const toLayer = layerOf(to);
    const toRank = rankOf.get(toLayer);
    if (fromRank === undefined) found.push({ line, specifier: ref.fileName, reason: `${fromLayer} is in no layer (see LAYERS)` });
    else if (toRank === undefined) found.push({ line, specifier: ref.fileName, reason: `${toLayer} is in no layer (see LAYERS)` });
    else if (toRank > fromRank) found.push({ line, specifier: ref.fileName, reason: `${toLayer} is above ${fromLayer}` });
  }
  return found;
}

export function checkLayers(srcDir) {
  const all = [];
  for (const file of sourcesUnder(srcDir)) {
    for (const v of violationsOf(srcDir, file, readFileSync(file, 'utf8'))) all.push({ file: relative(process.cwd(), file), ...v });
  }
  return all;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const srcDir = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src'));
  const violations = checkLayers(srcDir);
  for (const v of violations) console.log(`${v.file}:${v.line}  imports '${v.specifier}': ${v.reason}`);
  const order = LAYERS.map((names) => names.join(', ')).join(' → ');
  if (violations.length > 0) {
    console.log(`\nlayers: ${violations.length} import(s) against the layer order (from the bottom: ${order})`);
    process.exitCode = 1;
  } else {
    console.log(`layers: every import in ${relative(process.cwd(), srcDir) || '.'} goes down the layer order`);
  }
}
