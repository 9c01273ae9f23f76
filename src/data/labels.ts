// Labels for a list of files: from a function, a regular expression, or given; and the checks
// with sentences that name the file at fault.
import { basename, isAbsolute, join } from 'node:path';
import { FasttuneError } from '../core/errors.js';
import { checkString, describe, invalidParameterError } from '../core/validate.js';

/** What a label function or list gives for one item: a class, several classes, or a number. */
export type RawTarget = string | number | readonly string[];

/** A labelled item list before splitting. */
export interface Labelled {
  paths: string[];
  labels: RawTarget[];
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
  if (!Array.isArray(fnames) || fnames.length === 0) throw invalidParameterError(what, 'fnames', 'a non-empty array of file paths', fnames);
  return fnames.map((f, i) => {
    checkString(what, `fnames[${i}]`, f);
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
    if (typeof value !== 'string' && typeof value !== 'number' && !Array.isArray(value)) {
      throw new FasttuneError(`${what}: the label function returned ${describe(value)} for ${p}; expected a string, an array of strings or a number`, 'E_ARG');
    }
    return value as RawTarget;
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
    throw invalidParameterError(what, 'pattern', `a valid regular expression (${(error as Error).message})`, pattern);
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
