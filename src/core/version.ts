// The package's version, read once from package.json (what export metadata and the CLI report).
import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** fasttune's version, e.g. `0.1.0`. */
export function libraryVersion(): string {
  cached ??= (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return cached;
}
