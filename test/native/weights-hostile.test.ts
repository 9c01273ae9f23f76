import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FasttuneError, readWeights } from '../../src/index.js';
import { fixturesDir } from '../helpers/fixtures.js';
import { crc32, readZip, writeZip } from '../fuzz/weights/zip.mjs';

type ZipEntry = { name: string; data: Buffer; method?: number; flags?: number; offset?: number; localName?: string };
type Written = { bytes: Buffer; fields: { at: number; size: number; what: string }[] };
const zip = {
  read: readZip as (b: Buffer) => ZipEntry[],
  write: writeZip as (e: ZipEntry[], o?: object) => Written,
  crc: crc32 as (b: Buffer) => number,
};

const crafted = join(fixturesDir, 'crafted_checkpoints');
const small = readFileSync(join(fixturesDir, 'torch_checkpoints', 'small.pth'));
const dir = mkdtempSync(join(tmpdir(), 'fasttune-hostile-'));

interface Manifest {
  hostile: Record<string, { file: string; marker: string | null; global: string }>;
  malformed: Record<string, { file: string; error: string }>;
}
const manifest = JSON.parse(readFileSync(join(crafted, 'manifest.json'), 'utf8')) as Manifest;

/** readWeights must fail with a FasttuneError (E_IO) that names the file and matches `message`. */
async function expectRefused(path: string, message: string | RegExp): Promise<FasttuneError> {
  const error = await readWeights(path).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(FasttuneError);
  expect((error as FasttuneError).code).toBe('E_IO');
  expect((error as Error).message).toContain(path);
  if (typeof message === 'string') expect((error as Error).message).toContain(message);
  else expect((error as Error).message).toMatch(message);
  return error as FasttuneError;
}

async function expectBytesRefused(bytes: Buffer, message: string | RegExp): Promise<FasttuneError> {
  const path = join(dir, `case-${Math.random().toString(36).slice(2)}.pth`);
  writeFileSync(path, bytes);
  return expectRefused(path, message);
}

/** small.pth with `edit` applied to its entries, re-packed as torch.save packs them. */
function repacked(edit: (entries: ZipEntry[]) => void, options: object = {}): Written {
  const entries = zip.read(small);
  edit(entries);
  return zip.write(entries, options);
}

/** A pickled state dict body: PROTO 2 + `body` + STOP, stored as small/data.pkl. */
function withPickle(body: Buffer): Buffer {
  return repacked((entries) => {
    const pkl = entries.find((e) => e.name.endsWith('/data.pkl'));
    if (pkl) pkl.data = Buffer.concat([Buffer.from([0x80, 0x02]), body, Buffer.from('.')]);
  }).bytes;
}

describe('hostile pickles', () => {
  it.each(Object.entries(manifest.hostile))('refuses %s by naming its global, and runs nothing', async (_name, c) => {
    await expectRefused(join(crafted, c.file), `refuses global ${c.global}`);
    // The generator proved each payload runs under torch.load by finding this marker.
    if (c.marker) expect(existsSync(join(crafted, c.marker))).toBe(false);
  });

  it('decodes 200 000 nested tuples without recursion', async () => {
    const body = Buffer.concat([Buffer.from(')'), Buffer.alloc(200_000, 0x85)]);
    await expectBytesRefused(withPickle(body), 'holds a tuple, not a state dict');
  });

  it('keeps a memo graph that would expand to 2^60 nodes as the 120 values it is', async () => {
    const levels = [Buffer.from('Nq\x00', 'latin1')];
    for (let i = 0; i < 60; i++) levels.push(Buffer.from('h\x00h\x00\x86q\x00', 'latin1'));
    await expectBytesRefused(withPickle(Buffer.concat(levels)), 'holds a tuple, not a state dict');
  });

  it('bounds the stack, the memo and the number of values', async () => {
    await expectBytesRefused(withPickle(Buffer.alloc(1_100_000, 'N')), 'stack deeper than 1048576');
    const memo = Buffer.alloc(1 + 5 * 1_100_000);
    memo.write('N', 0, 'latin1');
    for (let i = 0; i < 1_100_000; i++) {
      memo.write('r', 1 + 5 * i, 'latin1');
      memo.writeUInt32LE(i, 2 + 5 * i);
    }
    await expectBytesRefused(withPickle(memo), 'memo larger than 1048576');
    await expectBytesRefused(withPickle(Buffer.from('N0'.repeat(4_200_000), 'latin1')), 'more than 4194304 values');
  });

  it.each([
    ['a string longer than the pickle', Buffer.from('X\xff\xff\xff\xff', 'latin1'), 'truncated pickle'],
    ['a memo key never stored', Buffer.from('j\xff\xff\xff\x7f', 'latin1'), 'memo key 2147483647 was never stored'],
    ['a protocol 0 opcode', Buffer.from('I1\n', 'latin1'), 'unsupported pickle opcode 0x49'],
    ['a stack underflow', Buffer.from('a', 'latin1'), 'stack underflow'],
    ['a REDUCE on a string', Buffer.from('X\x01\x00\x00\x00x)R', 'latin1'), 'REDUCE needs a global'],
    ['a global with a path in its name', Buffer.from('c../os\nsystem\n', 'latin1'), 'malformed global name'],
    ['an integer of 9 significant bytes', Buffer.from('\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x00\x01', 'latin1'), 'does not fit in 64 bits'],
    ['invalid UTF-8 in a key', Buffer.from('X\x01\x00\x00\x00\xff', 'latin1'), 'not valid UTF-8'],
    ['no STOP', Buffer.from('}', 'latin1'), 'truncated pickle'],
  ])('refuses %s', async (_what, body, message) => {
    const bytes =
      body.toString('latin1') === '}'
        ? repacked((entries) => {
            const pkl = entries.find((e) => e.name.endsWith('/data.pkl'));
            if (pkl) pkl.data = Buffer.from('\x80\x02}', 'latin1');
          }).bytes
        : withPickle(body);
    await expectBytesRefused(bytes, message);
  });
});

describe('malformed checkpoints', () => {
  it.each(Object.entries(manifest.malformed))('refuses %s with a clear reason', async (_name, c) => {
    await expectRefused(join(crafted, c.file), c.error);
  });
});

describe('hostile archives', () => {
  it.each([
    ['a parent-directory component', '../small/data.pkl'],
    ['an absolute path', '/small/data.pkl'],
    ['a drive letter', 'C:/small/data.pkl'],
    ['an escape in the middle', 'small/../../etc/passwd'],
    ['a backslash', 'small\\..\\data.pkl'],
    ['an empty component', 'small//data.pkl'],
  ])('refuses an entry name with %s', async (_what, name) => {
    await expectBytesRefused(
      repacked((entries) => {
        entries[1]!.name = name;
      }).bytes,
      'has an unsafe name',
    );
  });

  it('refuses entries whose data overlap, as zip bombs use them', async () => {
    // An entry whose data is another complete entry, and a central record pointing inside it.
    const entries = zip.read(small);
    const victim = entries[1]!;
    const name = Buffer.from(victim.name);
    const inner = Buffer.alloc(30);
    inner.writeUInt32LE(0x04034b50, 0);
    inner.writeUInt32LE(zip.crc(victim.data), 14);
    inner.writeUInt16LE(name.length, 26);
    const outerData = Buffer.concat([inner, name, victim.data]);
    const outer = { name: 'small/blob', data: outerData };
    const layout = zip.write([outer, ...entries.filter((e) => e !== victim)], { align: 1 }).bytes;
    const outerStart = layout.indexOf(outerData);
    const bytes = zip.write([outer, { ...victim, offset: outerStart }, ...entries.filter((e) => e !== victim)], { align: 1 }).bytes;
    await expectBytesRefused(bytes, /entries 'small\/blob' and '.*' overlap/);
  });

  it.each([
    ['an entry size', ['entry size', 'entry compressed size'], 0xfffffff0, /declares \d+ bytes, more than the archive holds/],
    ['a ZIP64 entry size', ['zip64 entry size', 'zip64 compressed size'], 2n ** 62n, /declares \d+ bytes, more than the archive holds/],
    ['the central directory size', ['central directory size'], 0xfffffff0, /central directory .* lies outside the file/],
    ['the entry count', ['zip64 entry count', 'zip64 entries on disk'], 2n ** 40n, /entries cannot fit in a central directory/],
    ['a local header offset', ['zip64 local header offset'], 2n ** 63n, /local header outside the data area/],
  ])('refuses %s declared huge, before allocating anything', async (_what, fields, value, message) => {
    const written = repacked(() => {}, { zip64: fields[0]!.startsWith('zip64') });
    for (const field of fields) {
      const f = written.fields.find((x) => x.what === field)!; // the first entry's, or the archive's
      if (f.size === 8) written.bytes.writeBigUInt64LE(BigInt(value), f.at);
      else written.bytes.writeUInt32LE(Number(value), f.at);
    }
    await expectBytesRefused(written.bytes, message);
  });

  it('refuses every truncation of a checkpoint', async () => {
    for (const cut of [1, 4, 21, 100, small.length >> 1, small.length - 200, small.length - 23, small.length - 1]) {
      await expectBytesRefused(small.subarray(0, cut), /corrupt zip archive|neither safetensors nor/);
    }
  });

  it('catches a flipped byte in the data through its CRC-32', async () => {
    const entries = zip.read(small);
    const storage = entries.find((e) => e.name === 'small/data/0')!;
    const { bytes } = zip.write(entries);
    bytes[bytes.indexOf(storage.data) + 5]! ^= 0x10;
    await expectBytesRefused(bytes, "entry 'small/data/0' fails its CRC-32 check");
  });

  it.each([
    ['compressed', { method: 8 }, 'is compressed (method 8)'],
    ['encrypted', { flags: 1 }, 'is encrypted'],
  ])('refuses %s entries', async (_what, change, message) => {
    await expectBytesRefused(repacked((entries) => Object.assign(entries[0]!, change)).bytes, message);
  });

  it('refuses a zip that is not a checkpoint, and a legacy pickle', async () => {
    await expectBytesRefused(zip.write([{ name: 'notes/readme.txt', data: Buffer.from('hi') }]).bytes, 'holds no <archive>/data.pkl');
    await expectRefused(join(crafted, 'legacy.pth'), /legacy torch.save checkpoint .* re-save it with PyTorch >= 1.6/);
  });
});
