// Scripts share some runtime code with the library (downloads, progress lines, unzip), which
// lives in src/core/ as plain JavaScript. A published package has only the compiled dist/; a git
// clone runs its install script before tsc has built dist/, so the sources serve then.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The module `src/core/<name>.js`, from dist/ when it has been built. */
export async function coreModule(name) {
  const built = new URL(`../../dist/core/${name}.js`, import.meta.url);
  const source = new URL(`../../src/core/${name}.js`, import.meta.url);
  return import(existsSync(fileURLToPath(built)) ? built.href : source.href);
}
