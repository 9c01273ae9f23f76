import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readWeights, type WeightsContents } from '../../src/index.js';
import { fixture, fixturesDir, type FixtureArray } from '../helpers/fixtures.js';
import { readZip, writeZip } from '../fuzz/weights/zip.mjs';

const saved = join(fixturesDir, 'torch_checkpoints');
const crafted = join(fixturesDir, 'crafted_checkpoints');
const dir = mkdtempSync(join(tmpdir(), 'fasttune-pth-'));

type ZipEntry = { name: string; data: Buffer; crc?: number };
const zip = { read: readZip as (b: Buffer) => ZipEntry[], write: writeZip as (e: ZipEntry[], o?: object) => { bytes: Buffer } };

/** Largest |a - e| over two arrays of one length; exact parity means 0. BigInts compare exactly. */
function maxAbsDiff(actual: ArrayLike<number | bigint>, expected: ArrayLike<number | bigint>): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] as number | bigint;
    const e = expected[i] as number | bigint;
    const d = typeof a === 'bigint' || typeof e === 'bigint' ? (BigInt(a) === BigInt(e) ? 0 : Infinity) : Math.abs(a - e);
    if (!(d <= worst)) worst = d;
  }
  return worst;
}

/**
 * Checks a read checkpoint against the generator's safetensors twin: names in file order, dtypes,
 * shapes and every value exactly (F16/BF16/I16/I8 are stored widened there, which is exact).
 */
function expectSameAsReference(file: WeightsContents, generator: string, reference: string): number {
  const ref = fixture(generator, reference);
  expect(file.format).toBe('pytorch');
  expect(file.metadata).toEqual({});
  expect(file.tensors.map((t) => t.name)).toEqual(ref.meta.names);
  const dtypes = ref.meta.dtypes as Record<string, string> | undefined;
  let worst = 0;
  for (const t of file.tensors) {
    const r = ref.get(t.name);
    if (dtypes) expect(t.dtype, t.name).toBe(dtypes[t.name]);
    expect(t.shape, t.name).toEqual(r.shape);
    const same = t.data.constructor === r.data.constructor;
    const diff =
      same && Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).equals(Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength))
        ? 0
        : maxAbsDiff(t.data as ArrayLike<number | bigint>, r.data as FixtureArray as ArrayLike<number | bigint>);
    expect(diff, t.name).toBe(0);
    worst = Math.max(worst, diff);
  }
  return worst;
}

describe('PyTorch zip checkpoints', () => {
  it('reads every dtype, 0-d and empty tensors, strided, shared and expanded views exactly as torch.save wrote them', async () => {
    const file = await readWeights(join(saved, 'dtypes.pth'));
    expect(expectSameAsReference(file, 'torch_checkpoints', 'dtypes')).toBe(0);
    const byName = Object.fromEntries(file.tensors.map((t) => [t.name, t]));
    expect(byName.scalar_f32?.shape).toEqual([]);
    expect(byName.empty?.shape).toEqual([0, 3]);
    expect(byName.bf16?.dtype).toBe('BF16');
    expect(byName.param?.dtype).toBe('F32');
  });

  it('reads a torchvision resnet34 state dict (218 tensors, seeded random values) bit for bit', async () => {
    const file = await readWeights(join(saved, 'resnet34.pth'));
    expect(file.tensors).toHaveLength(218);
    expect(expectSameAsReference(file, 'torch_checkpoints', 'resnet34')).toBe(0);
    expect(file.tensors.find((t) => t.name === 'layer4.2.bn2.num_batches_tracked')?.dtype).toBe('I64');
  });

  it.each([
    ['a bare module state dict', 'small'],
    ["fastai's learn.save: { model, opt } with numpy floats in the optimizer hypers", 'small_fastai'],
    ['{ model } alone', 'small_model_only'],
    ['{ state_dict, epoch, arch, ... } with bytes and None beside it', 'small_state_dict'],
    ['a file saved through a file object (records under archive/)', 'small_buffer'],
    ['pickle protocol 4 (frames, memoize, stack globals)', 'small_protocol4'],
  ])('finds the state dict in %s', async (_what, name) => {
    const file = await readWeights(join(saved, `${name}.pth`));
    expect(expectSameAsReference(file, 'torch_checkpoints', 'small')).toBe(0);
  });

  it('reads what PyTorch 2.x writes: _rebuild_from_type_v2, _rebuild_parameter_with_state, _rebuild_tensor_v3, tensor metadata, a byteorder record', async () => {
    const file = await readWeights(join(crafted, 'pytorch2.pth'));
    expect(expectSameAsReference(file, 'crafted_checkpoints', 'pytorch2')).toBe(0);
  });

  it("reads LibTorch's torch::pickle_save of a Dict[str, Tensor] (a type-tagged dict)", async () => {
    const file = await readWeights(join(crafted, 'libtorch.pth'));
    expect(expectSameAsReference(file, 'crafted_checkpoints', 'libtorch')).toBe(0);
  });

  it.each([
    ['with every size and offset in ZIP64 records', (entries: ZipEntry[]) => zip.write(entries, { zip64: true }).bytes],
    ['without 64-byte alignment', (entries: ZipEntry[]) => zip.write(entries, { align: 1 }).bytes],
    [
      'with CRCs left at zero, as torch.save does when CRC computation is disabled',
      (entries: ZipEntry[]) => zip.write(entries.map((e) => ({ ...e, crc: 0 }))).bytes,
    ],
  ])('reads a checkpoint re-packed %s', async (_what, pack) => {
    const entries = zip.read(readFileSync(join(saved, 'small.pth')));
    const path = join(dir, `repacked-${Math.random().toString(36).slice(2)}.pth`);
    writeFileSync(path, pack(entries));
    expect(expectSameAsReference(await readWeights(path), 'torch_checkpoints', 'small')).toBe(0);
  });
});
