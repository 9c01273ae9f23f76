// Finds image files under a folder: recursive, hidden files and folders skipped, sorted by path so
// that splits and orders do not depend on the file system's listing order.
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { FasttuneError } from '../core/errors.js';
import { checkOptions, checkString } from '../core/validate.js';

/** Extensions (lower case) of the image formats the decoder reads. */
export const imageExtensions: readonly string[] = ['.jpg', '.jpeg', '.jpe', '.jfif', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif'];

export interface GetImageFilesOptions {
  /** Descend into sub-folders (default true). */
  recurse?: boolean;
  /** Only these top-level sub-folders (e.g. ['train', 'valid']). */
  folders?: readonly string[];
  /** Extensions to keep, with the dot (default {@link imageExtensions}); compared case-insensitively. */
  extensions?: readonly string[];
}

async function listDir(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such folder' : code === 'ENOTDIR' ? 'not a folder' : code === 'EACCES' ? 'permission denied' : String(code ?? error);
    throw new FasttuneError(`Cannot list folder ${dir}: ${why}`, 'E_IO');
  }
}

async function isDirectory(entry: Dirent, path: string): Promise<boolean> {
  if (entry.isDirectory()) return true;
  if (!entry.isSymbolicLink()) return false;
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/** Image files under `path`, sorted by path. */
export async function getImageFiles(path: string, options: GetImageFilesOptions = {}): Promise<string[]> {
  checkString('getImageFiles', 'path', path);
  checkOptions('getImageFiles', options, ['recurse', 'folders', 'extensions']);
  const recurse = options.recurse ?? true;
  const extensions = new Set((options.extensions ?? imageExtensions).map((e) => e.toLowerCase()));
  const found: string[] = [];
  const walk = async (dir: string, top: boolean): Promise<void> => {
    for (const entry of await listDir(dir)) {
      if (entry.name.startsWith('.')) continue;
      const full = join(dir, entry.name);
      if (await isDirectory(entry, full)) {
        const allowed = !top || !options.folders || options.folders.includes(entry.name);
        if (recurse && allowed) await walk(full, false);
      } else if (extensions.has(extname(entry.name).toLowerCase()) && !(top && options.folders)) {
        found.push(full);
      }
    }
  };
  await walk(path, true);
  return found.sort();
}
