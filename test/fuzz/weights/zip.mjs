// Stored ZIP archives in memory: enough to take torch.save checkpoints apart and put them back
// together, optionally with every size and offset moved into ZIP64 records, for the checkpoint
// tests and the weights fuzzer. Not a general ZIP library: it trusts what it reads.
import { deflateRawSync } from 'node:zlib';

const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let b = 0; b < 256; b++) {
    let c = b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[b] = c >>> 0;
  }
  return table;
})();

/** CRC-32 as ZIP computes it. */
export function crc32(bytes) {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * The entries of an archive, in central directory order: [{ name, data }].
 * @param {Buffer} buf
 */
export function readZip(buf) {
  let end = -1;
  for (let i = buf.length - 22; i >= 0; i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new Error('readZip: no end-of-central-directory record');
  let count = buf.readUInt16LE(end + 10);
  let cdOffset = buf.readUInt32LE(end + 16);
  if (end >= 20 && buf.readUInt32LE(end - 20) === 0x07064b50) {
    const record = Number(buf.readBigUInt64LE(end - 12));
    count = Number(buf.readBigUInt64LE(record + 32));
    cdOffset = Number(buf.readBigUInt64LE(record + 48));
  }
  const entries = [];
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    const nameLength = buf.readUInt16LE(p + 28);
    const extraLength = buf.readUInt16LE(p + 30);
    const commentLength = buf.readUInt16LE(p + 32);
    const name = buf.subarray(p + 46, p + 46 + nameLength).toString('utf8');
    let size = buf.readUInt32LE(p + 24);
    let local = buf.readUInt32LE(p + 42);
    const extra = buf.subarray(p + 46 + nameLength, p + 46 + nameLength + extraLength);
    for (let e = 0; e + 4 <= extra.length; e += 4 + extra.readUInt16LE(e + 2)) {
      if (extra.readUInt16LE(e) !== 1) continue;
      let f = e + 4;
      const compressed = buf.readUInt32LE(p + 20);
      if (size === 0xffffffff) {
        size = Number(extra.readBigUInt64LE(f));
        f += 8;
      }
      if (compressed === 0xffffffff) f += 8;
      if (local === 0xffffffff) local = Number(extra.readBigUInt64LE(f));
    }
    const dataStart = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    entries.push({ name, data: Buffer.from(buf.subarray(dataStart, dataStart + size)) });
    p += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/**
 * Writes entries as an archive. Each entry may override `method` (8 deflates), `flags`, `crc`,
 * `localName` (a different name in the local header) and `offset` (the local header offset the
 * central directory declares). Options: `zip64` moves every size and offset into ZIP64 extra
 * fields and end records; `align` pads data to that boundary as torch.save does (64).
 * Returns { bytes, fields }: fields lists header numbers ({ at, size, what }) a fuzzer may corrupt.
 */
export function writeZip(entries, { zip64 = false, align = 64 } = {}) {
  const parts = [];
  const fields = [];
  let offset = 0;
  const push = (buf) => {
    parts.push(buf);
    offset += buf.length;
  };
  const centrals = [];
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const localName = Buffer.from(entry.localName ?? entry.name, 'utf8');
    const method = entry.method ?? 0;
    const stored = method === 8 ? deflateRawSync(entry.data) : entry.data;
    const crc = entry.crc ?? crc32(entry.data);
    const localOffset = offset;
    const extra64 = zip64 ? Buffer.alloc(20) : Buffer.alloc(0);
    if (zip64) {
      extra64.writeUInt16LE(1, 0);
      extra64.writeUInt16LE(16, 2);
      extra64.writeBigUInt64LE(BigInt(entry.data.length), 4);
      extra64.writeBigUInt64LE(BigInt(stored.length), 12);
    }
    const headerEnd = localOffset + 30 + localName.length + extra64.length;
    const pad = align > 1 && (headerEnd + 4) % align !== 0 ? align - ((headerEnd + 4) % align) : 0;
    const padding = Buffer.alloc(align > 1 ? pad + 4 : 0, 0x5a);
    if (padding.length) {
      padding.write('FB', 0, 'latin1');
      padding.writeUInt16LE(pad, 2);
    }
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(zip64 ? 45 : 20, 4);
    local.writeUInt16LE(entry.flags ?? 0, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(zip64 ? 0xffffffff : stored.length, 18);
    local.writeUInt32LE(zip64 ? 0xffffffff : entry.data.length, 22);
    local.writeUInt16LE(localName.length, 26);
    local.writeUInt16LE(extra64.length + padding.length, 28);
    fields.push({ at: localOffset + 18, size: 4, what: 'local size' });
    fields.push({ at: localOffset + 26, size: 2, what: 'local name length' });
    fields.push({ at: localOffset + 28, size: 2, what: 'local extra length' });
    push(local);
    push(localName);
    push(extra64);
    push(padding);
    push(stored);
    centrals.push({ entry, name, method, crc, size: entry.data.length, compressed: stored.length, localOffset: entry.offset ?? localOffset });
  }
  const cdOffset = offset;
  for (const c of centrals) {
    const extra = zip64 ? Buffer.alloc(28) : Buffer.alloc(0);
    if (zip64) {
      extra.writeUInt16LE(1, 0);
      extra.writeUInt16LE(24, 2);
      extra.writeBigUInt64LE(BigInt(c.size), 4);
      extra.writeBigUInt64LE(BigInt(c.compressed), 12);
      extra.writeBigUInt64LE(BigInt(c.localOffset), 20);
    }
    const h = Buffer.alloc(46);
    h.writeUInt32LE(0x02014b50, 0);
    h.writeUInt16LE(zip64 ? 45 : 20, 4);
    h.writeUInt16LE(zip64 ? 45 : 20, 6);
    h.writeUInt16LE(c.entry.flags ?? 0, 8);
    h.writeUInt16LE(c.method, 10);
    h.writeUInt32LE(c.crc, 16);
    h.writeUInt32LE(zip64 ? 0xffffffff : c.compressed, 20);
    h.writeUInt32LE(zip64 ? 0xffffffff : c.size, 24);
    h.writeUInt16LE(c.name.length, 28);
    h.writeUInt16LE(extra.length, 30);
    h.writeUInt32LE(zip64 ? 0xffffffff : c.localOffset, 42);
    const at = offset;
    if (zip64) {
      const x = at + 46 + c.name.length;
      fields.push({ at: x + 4, size: 8, what: 'zip64 entry size' });
      fields.push({ at: x + 12, size: 8, what: 'zip64 compressed size' });
      fields.push({ at: x + 20, size: 8, what: 'zip64 local header offset' });
      fields.push({ at: x + 2, size: 2, what: 'zip64 extra length' });
    } else {
      fields.push({ at: at + 20, size: 4, what: 'entry compressed size' });
      fields.push({ at: at + 24, size: 4, what: 'entry size' });
      fields.push({ at: at + 42, size: 4, what: 'local header offset' });
    }
    fields.push({ at: at + 10, size: 2, what: 'entry method' });
    fields.push({ at: at + 28, size: 2, what: 'entry name length' });
    fields.push({ at: at + 30, size: 2, what: 'entry extra length' });
    push(h);
    push(c.name);
    push(extra);
  }
  const cdSize = offset - cdOffset;
  if (zip64) {
    const record = Buffer.alloc(56);
    const recordAt = offset;
    record.writeUInt32LE(0x06064b50, 0);
    record.writeBigUInt64LE(44n, 4);
    record.writeUInt16LE(45, 12);
    record.writeUInt16LE(45, 14);
    record.writeBigUInt64LE(BigInt(centrals.length), 24);
    record.writeBigUInt64LE(BigInt(centrals.length), 32);
    record.writeBigUInt64LE(BigInt(cdSize), 40);
    record.writeBigUInt64LE(BigInt(cdOffset), 48);
    fields.push({ at: recordAt + 4, size: 8, what: 'zip64 end record size' });
    fields.push({ at: recordAt + 24, size: 8, what: 'zip64 entries on disk' });
    fields.push({ at: recordAt + 32, size: 8, what: 'zip64 entry count' });
    fields.push({ at: recordAt + 40, size: 8, what: 'zip64 central directory size' });
    fields.push({ at: recordAt + 48, size: 8, what: 'zip64 central directory offset' });
    push(record);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(BigInt(recordAt), 8);
    locator.writeUInt32LE(1, 16);
    fields.push({ at: offset + 8, size: 8, what: 'zip64 locator offset' });
    push(locator);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(zip64 ? 0xffff : centrals.length, 8);
  end.writeUInt16LE(zip64 ? 0xffff : centrals.length, 10);
  end.writeUInt32LE(zip64 ? 0xffffffff : cdSize, 12);
  end.writeUInt32LE(zip64 ? 0xffffffff : cdOffset, 16);
  fields.push({ at: offset + 10, size: 2, what: 'entry count' });
  fields.push({ at: offset + 12, size: 4, what: 'central directory size' });
  fields.push({ at: offset + 16, size: 4, what: 'central directory offset' });
  fields.push({ at: offset + 20, size: 2, what: 'comment length' });
  push(end);
  return { bytes: Buffer.concat(parts), fields };
}
