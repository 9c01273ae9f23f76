// Labels for a list of files: from a function, a regular expression, or given; and the checks
// with sentences that name the file at fault.
import { basename, isAbsolute, join } from 'node:path';
import { FasttuneError } from '../core/errors.js';

/** A labelled item list before splitting. */
export interface Labelled {
  paths: string[];
  labels: string[];
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new FasttuneError(message, 'E_ARG');
}

/** Code-point order, as Python's `sorted` orders strings. */
export function compareCodePoints(a: string, b: string): number {
  let i = 0;
  let j = 0;
  for (;;) {
    if (i >= a.length) return j >= b.length ? 0 : -1;
    if (j >= b.length) return 1;
    const ca = a.codePointAt(i) as number;
    const cb = b.codePointAt(j) as number;
    if (ca !== cb) return ca - cb;
    i += ca > 0xffff ? 2 : 1;
    j += cb > 0xffff ? 2 : 1;
  }
}

export function resolveFiles(root: string, fnames: readonly string[], what: string): string[] {
  check(Array.isArray(fnames), `${what}: fnames must be an array of file paths, got ${String(fnames)}`);
  check(fnames.length > 0, `${what}: fnames is empty; there are no images to load`);
  return fnames.map((f) => {
    check(typeof f === 'string' && f !== '', `${what}: every file name must be a non-empty string, got ${String(f)}`);
    return isAbsolute(f) || root === '' ? f : join(root, f);
  });
}

export function labelWith(paths: string[], label: (path: string) => unknown, what: string): Labelled {
  const labels = paths.map((p) => {
    let value: unknown;
    try {
      value = label(p);
    } catch (error) {
      throw new FasttuneError(`${what}: the label function failed on ${p}: ${(error as Error).message}`, 'E_ARG');
    }
    check(typeof value === 'string' || typeof value === 'number', `${what}: the label function returned ${String(value)} for ${p}; expected a string`);
    return String(value);
  });
  return { paths, labels };
}

export function labelByRegex(paths: string[], pattern: RegExp | string, onFullPath: boolean, what: string): Labelled {
  const source = typeof pattern === 'string' ? pattern : pattern.source;
  const flags = typeof pattern === 'string' ? '' : pattern.flags.replace(/[gy]/g, '');
  let re: RegExp;
  try {
    re = new RegExp(source, flags);
  } catch (error) {
    throw new FasttuneError(`${what}: invalid pattern ${String(pattern)}: ${(error as Error).message}`, 'E_ARG');
  }
  const subject = (p: string) => (onFullPath ? p.split('\\').join('/') : basename(p));
  const matches = paths.map((p) => re.exec(subject(p)));
  const failed = paths.filter((_, i) => !matches[i]);
  if (failed.length === paths.length) {
    throw new FasttuneError(`${what}: pattern ${re} matches none of the ${paths.length} file names (e.g. '${subject(paths[0] as string)}')`, 'E_ARG');
  }
  if (failed.length > 0) {
    throw new FasttuneError(
      `${what}: pattern ${re} does not match '${subject(failed[0] as string)}' (${failed.length} of ${paths.length} names do not match)`,
      'E_ARG',
    );
  }
  return {
    paths,
    labels: matches.map((m, i) => {
      const label = m?.[1];
      if (label === undefined) {
        throw new FasttuneError(`${what}: pattern ${re} needs a capture group for the label; none captured in '${subject(paths[i] as string)}'`, 'E_ARG');
      }
      return label;
    }),
  };
}

