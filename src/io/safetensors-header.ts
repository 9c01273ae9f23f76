// The header of a safetensors file (tensor names, dtypes, shapes and the string metadata) without
// its tensors: enough to tell what a weights file holds before loading it.
import { open } from 'node:fs/promises';

/** A tensor as the header lists it. */
export interface SafetensorsEntry {
  name: string;
  dtype: string;
  shape: number[];
}

export interface SafetensorsHeader {
  metadata: Record<string, string>;
  tensors: SafetensorsEntry[];
}

/** Headers larger than this are not safetensors headers we wrote (ours hold a few hundred names). */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

/**
 * The header of the safetensors file at `path`, or null when the file does not start like one
 * (a PyTorch checkpoint, say). Fails as `fs` does when the file cannot be read.
 */
export async function readSafetensorsHeader(path: string): Promise<SafetensorsHeader | null> {
  const file = await open(path, 'r');
  try {
    const size = Buffer.alloc(8);
    if ((await file.read(size, 0, 8, 0)).bytesRead < 8) return null;
    const length = size.readBigUInt64LE(0);
    if (length < 2n || length > BigInt(MAX_HEADER_BYTES)) return null;
    const text = Buffer.alloc(Number(length));
    if ((await file.read(text, 0, text.length, 8)).bytesRead < text.length) return null;
    let json: unknown;
    try {
      json = JSON.parse(text.toString('utf8'));
    } catch {
      return null;
    }
    if (json === null || typeof json !== 'object' || Array.isArray(json)) return null;
    const header: SafetensorsHeader = { metadata: {}, tensors: [] };
    for (const [name, value] of Object.entries(json as Record<string, unknown>)) {
      if (name === '__metadata__') {
        header.metadata = value as Record<string, string>;
      } else {
        const { dtype, shape } = value as { dtype: string; shape: number[] };
        header.tensors.push({ name, dtype, shape });
      }
    }
    return header;
  } finally {
    await file.close();
  }
}
