import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FasttuneError, readWeights, writeWeights } from '../../src/index.js';
import { fixture, fixturesDir } from '../helpers/fixtures.js';

const mixed = join(fixturesDir, 'safetensors_files', 'mixed.safetensors');
const dir = mkdtempSync(join(tmpdir(), 'fasttune-st-'));

function header(json: object, data = Buffer.alloc(0)): Buffer {
  const text = Buffer.from(JSON.stringify(json));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(text.length));
  return Buffer.concat([length, text, data]);
}

async function expectCorrupt(bytes: Buffer, message: RegExp): Promise<void> {
  const path = join(dir, `bad-${Math.random().toString(36).slice(2)}.safetensors`);
  writeFileSync(path, bytes);
  const error = await readWeights(path).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(FasttuneError);
  expect((error as FasttuneError).code).toBe('E_IO');
  expect((error as Error).message).toContain(path);
  expect((error as Error).message).toMatch(message);
}

describe('safetensors', () => {
  it('reads a file written by PyTorch-side code, every dtype and the metadata', async () => {
    const file = await readWeights(mixed);
    const reference = fixture('safetensors_files', 'mixed');
    expect(file.format).toBe('safetensors');
    expect(JSON.parse(file.metadata.vocab ?? 'null')).toEqual(['a', 'b']);
    expect(file.tensors.map((t) => t.name)).toEqual([...reference.tensors.keys()]);
    for (const t of file.tensors) {
      const ref = reference.get(t.name);
      expect(t.shape, t.name).toEqual(ref.shape);
      expect(Array.from(t.data as ArrayLike<number>), t.name).toEqual(Array.from(ref.data as ArrayLike<number>));
    }
    expect(file.tensors.find((t) => t.name === 'bn.num_batches_tracked')?.dtype).toBe('I64');
  });

  it('round-trips what it writes, byte for byte in the data', async () => {
    const source = await readWeights(mixed);
    const path = join(dir, 'copy.safetensors');
    await writeWeights(path, source.tensors, source.metadata);
    const copy = await readWeights(path);
    expect(copy.metadata).toEqual(source.metadata);
    expect(copy.tensors).toEqual(source.tensors);
    expect(readFileSync(path).readBigUInt64LE(0) % 8n).toBe(0n);
  });

  it('names the file for missing, empty, truncated and inconsistent input', async () => {
    const missing = join(dir, 'nope.safetensors');
    await expect(readWeights(missing)).rejects.toThrow(`cannot open weights file ${missing}`);
    await expectCorrupt(Buffer.alloc(0), /is empty/);
    const good = readFileSync(mixed);
    await expectCorrupt(good.subarray(0, good.length - 3), /outside the file|data size|truncated/);
    const huge = Buffer.from(good);
    huge.writeBigUInt64LE(1n << 40n);
    writeFileSync(join(dir, 'huge.safetensors'), huge);
    await expect(readWeights(join(dir, 'huge.safetensors'))).rejects.toThrow(
      /corrupt safetensors file .*huge\.safetensors: header length 1099511627776 runs past the end of the file/,
    );
    const entry = { dtype: 'F32', shape: [2], data_offsets: [0, 8] };
    await expectCorrupt(header({ a: entry, b: entry }, Buffer.alloc(8)), /overlaps/);
    await expectCorrupt(header({ a: { ...entry, shape: [3] } }, Buffer.alloc(8)), /declares 3 elements/);
    await expectCorrupt(header({ a: { ...entry, dtype: 'C64' } }, Buffer.alloc(8)), /unsupported dtype C64/);
    await expectCorrupt(header({ a: { ...entry, data_offsets: [0, 16] } }, Buffer.alloc(8)), /outside/);
    await expectCorrupt(header({ a: { ...entry, shape: [-2] } }, Buffer.alloc(8)), /bad dimension/);
    await expectCorrupt(
      header({ a: { dtype: 'BOOL', shape: [3], data_offsets: [0, 3] } }, Buffer.from([0, 1, 2])),
      /bool tensor 'a' holds bytes other than 0 and 1/,
    );
    await expectCorrupt(Buffer.concat([header({ a: entry }).subarray(0, 12)]), /header length|truncated/);
    await expectCorrupt(header({ a: entry }, Buffer.alloc(12)), /data size 12/);
    const nested = '['.repeat(200) + ']'.repeat(200);
    const deep = Buffer.concat([Buffer.alloc(8), Buffer.from(`{"a":${nested}}`)]);
    deep.writeBigUInt64LE(BigInt(deep.length - 8));
    await expectCorrupt(deep, /nested too deeply/);
  });

  it('refuses bad arguments before touching the disk', async () => {
    await expect(readWeights('')).rejects.toMatchObject({ code: 'E_ARG' });
    const t = { name: 'x', shape: [2], data: new Float32Array(2) };
    await expect(writeWeights(join(dir, 'dup.safetensors'), [t, t])).rejects.toThrow(
      /writeWeights: expected a name no other tensor has .* for tensors\[1\].name but received/,
    );
    await expect(writeWeights(join(dir, 'shape.safetensors'), [{ ...t, shape: [3] }])).rejects.toThrow(/shape needs 3 values, got 2/);
    await expect(writeWeights(join(dir, 'no', 'such', 'dir.safetensors'), [t])).rejects.toMatchObject({ code: 'E_IO' });
  });
});
