// build/libtorch.json: which LibTorch the addon was built against and why, for `fasttune doctor`.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function recordPath(packageRoot) {
  return join(packageRoot, 'build', 'libtorch.json');
}

/** Writes the resolution record atomically. */
export function writeRecord(packageRoot, resolution, { now = new Date() } = {}) {
  const path = recordPath(packageRoot);
  mkdirSync(dirname(path), { recursive: true });
  const record = { ...resolution, resolvedAt: now.toISOString() };
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(temp, path);
  return path;
}

/** The record, or null when there is none (or it is unreadable). */
export function readRecord(packageRoot) {
  try {
    return JSON.parse(readFileSync(recordPath(packageRoot), 'utf8'));
  } catch {
    return null;
  }
}
