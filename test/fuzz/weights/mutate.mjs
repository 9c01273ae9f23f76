// Seeded mutations of weight files: blind ones (truncation, flipped bytes) and structure-aware
// ones that keep the outer layers valid so the damage reaches the inner parsers (ZIP headers,
// the pickle behind its CRC, safetensors' JSON header behind its length).
import { readZip, writeZip } from './zip.mjs';

/** A small, fast, seeded PRNG (mulberry32) with helpers. */
export function makeRng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(next() * n);
  return { next, int, pick: (list) => list[int(list.length)], chance: (p) => next() < p };
}

/** The seed of case `index` in a run seeded `seed`: every case can be replayed alone. */
export function caseSeed(seed, index) {
  let h = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  return (h ^ (h >>> 15)) >>> 0;
}

/** Describes a corpus file once, so each case only mutates. */
export function prepare(bytes) {
  if (bytes.readUInt32LE(0) === 0x04034b50) return { kind: 'zip', bytes, entries: readZip(bytes) };
  const length = Number(bytes.readBigUInt64LE(0));
  return { kind: 'safetensors', bytes, header: JSON.parse(bytes.subarray(8, 8 + length).toString('utf8')), data: bytes.subarray(8 + length) };
}

const EDGE_32 = [0, 1, 0x7f, 0xff, 0xffff, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
const EDGE_64 = [0n, 1n, 0xffffffffn, 1n << 32n, 1n << 40n, (1n << 62n) + 1n, (1n << 63n) - 1n, 1n << 63n, (1n << 64n) - 1n];

function edge(rng, size, near) {
  if (rng.chance(0.25)) return near + rng.int(64) - 32;
  if (size === 2) return rng.pick([0, 1, 0x7fff, 0x8000, 0xffff]);
  if (size === 4) return rng.pick(EDGE_32);
  return rng.pick(EDGE_64);
}

function writeField(buf, at, size, value) {
  if (at < 0 || at + size > buf.length) return;
  if (size === 2) buf.writeUInt16LE(Number(BigInt.asUintN(16, BigInt(value))), at);
  else if (size === 4) buf.writeUInt32LE(Number(BigInt.asUintN(32, BigInt(value))), at);
  else buf.writeBigUInt64LE(BigInt.asUintN(64, BigInt(value)), at);
}

function truncate(bytes, rng) {
  return Buffer.from(bytes.subarray(0, rng.chance(0.5) ? rng.int(bytes.length) : Math.max(0, bytes.length - 1 - rng.int(64))));
}

function flip(bytes, rng) {
  const out = Buffer.from(bytes);
  const n = 1 + rng.int(8);
  for (let i = 0; i < n; i++) out[rng.int(out.length)] ^= 1 + rng.int(255);
  return out;
}

// --- pickle bytes -------------------------------------------------------------------------

const OPCODES = '(.0123GJKMNQRXBC]abcehjqrstu})'
  .split('')
  .map((c) => c.charCodeAt(0))
  .concat([0x80, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x93, 0x94, 0x95, 0x49, 0x81, 0x8f]);
const GLOBALS = [
  'posix\nsystem\n',
  'builtins\neval\n',
  'collections\nOrderedDict\n',
  'torch._utils\n_rebuild_tensor_v2\n',
  'torch\nFloatStorage\n',
  'torch\nuint16\n',
  'torch\nUntypedStorage\n',
  '_codecs\nencode\n',
  'torch._utils\n_rebuild_parameter\n',
];

function mutatePickle(pkl, rng) {
  const out = Buffer.from(pkl);
  switch (rng.int(7)) {
    case 0:
      return flip(out, rng);
    case 1:
      return truncate(out, rng);
    case 2: {
      // an opcode in place of a byte
      out[rng.int(out.length)] = rng.pick(OPCODES);
      return out;
    }
    case 3: {
      // drop a span
      const at = rng.int(out.length);
      return Buffer.concat([out.subarray(0, at), out.subarray(Math.min(out.length, at + 1 + rng.int(16)))]);
    }
    case 4: {
      // repeat a span
      const at = rng.int(out.length);
      const span = out.subarray(at, at + 1 + rng.int(64));
      return Buffer.concat([out.subarray(0, at), span, span, out.subarray(at)]);
    }
    case 5: {
      // an integer argument set to an edge value (BININT1/BININT2/BININT/BINPUT/BINGET/BINUNICODE lengths)
      const sizes = { 0x4b: 1, 0x4d: 2, 0x4a: 4, 0x71: 1, 0x68: 1, 0x72: 4, 0x6a: 4, 0x58: 4, 0x8a: 1, 0x8c: 1 };
      for (let tries = 0; tries < 32; tries++) {
        const at = rng.int(out.length);
        const size = sizes[out[at]];
        if (!size) continue;
        if (size === 1) out[at + 1] = rng.pick([0, 1, 8, 9, 0x7f, 0xff]);
        else writeField(out, at + 1, size, edge(rng, size, 0));
        return out;
      }
      return flip(out, rng);
    }
    default: {
      // another global, allowed or not, spliced in
      const at = rng.int(out.length);
      return Buffer.concat([out.subarray(0, at), Buffer.from(`c${rng.pick(GLOBALS)}`, 'latin1'), out.subarray(at)]);
    }
  }
}

// --- zip ----------------------------------------------------------------------------------

function mutateZip(base, rng) {
  const zip64 = rng.chance(0.3);
  const entries = base.entries.map((e) => ({ ...e }));
  switch (rng.int(9)) {
    case 0:
      return { bytes: truncate(base.bytes, rng), how: 'truncated' };
    case 1:
      return { bytes: flip(base.bytes, rng), how: 'flipped bytes' };
    case 2: {
      // a header number set to an edge value
      const { bytes, fields } = writeZip(entries, { zip64 });
      const f = rng.pick(fields);
      const near = f.size === 8 ? 0 : f.size === 4 ? bytes.readUInt32LE(f.at) : bytes.readUInt16LE(f.at);
      writeField(bytes, f.at, f.size, edge(rng, f.size, near));
      return { bytes, how: `${f.what} set to an edge value${zip64 ? ' (zip64)' : ''}` };
    }
    case 3: {
      // the pickle damaged behind a valid CRC
      const e = entries.find((x) => x.name.endsWith('/data.pkl'));
      e.data = mutatePickle(e.data, rng);
      return { bytes: writeZip(entries, { zip64 }).bytes, how: 'pickle mutated' };
    }
    case 4: {
      // a storage record grown or shrunk
      const storages = entries.filter((x) => x.name.includes('/data/'));
      if (storages.length === 0) break;
      const e = rng.pick(storages);
      e.data = rng.chance(0.5) ? e.data.subarray(0, rng.int(e.data.length + 1)) : Buffer.concat([e.data, Buffer.alloc(1 + rng.int(16))]);
      return { bytes: writeZip(entries, { zip64 }).bytes, how: 'storage resized' };
    }
    case 5: {
      // entries pointing into each other
      const a = rng.int(entries.length);
      const layout = writeZip(entries, { zip64 }).bytes;
      const offsets = [];
      for (let i = 0; i + 4 <= layout.length; i++) if (layout.readUInt32LE(i) === 0x04034b50) offsets.push(i);
      entries[a].offset = rng.chance(0.7) ? rng.pick(offsets) : rng.int(layout.length);
      return { bytes: writeZip(entries, { zip64 }).bytes, how: 'overlapping offsets' };
    }
    case 6: {
      // hostile or clashing names
      const e = rng.pick(entries);
      const prefix = e.name.split('/')[0];
      e.name = rng.pick([
        `../${e.name}`,
        `/${e.name}`,
        `${prefix}/../../x`,
        `${prefix}//data.pkl`,
        `C:${e.name}`,
        `${prefix}\\data.pkl`,
        rng.pick(entries).name,
        `${prefix}/./data.pkl`,
        '',
        `${e.name}\0`,
      ]);
      if (rng.chance(0.3)) e.localName = `${e.name}x`;
      return { bytes: writeZip(entries, { zip64 }).bytes, how: 'entry renamed' };
    }
    case 7: {
      // compressed, encrypted or CRC-less entries
      const e = rng.pick(entries);
      const which = rng.int(3);
      if (which === 0) e.method = 8;
      else if (which === 1) e.flags = 1;
      else for (const x of entries) x.crc = 0;
      return { bytes: writeZip(entries, { zip64 }).bytes, how: ['deflated', 'encrypted', 'no CRC'][which] };
    }
    default:
      break;
  }
  return { bytes: writeZip(entries, { zip64 }).bytes, how: `rewritten${zip64 ? ' (zip64)' : ''}` };
}

// --- safetensors --------------------------------------------------------------------------

const JSON_EDGES = [-1, 0, 1, 3, 7, 2 ** 31, 2 ** 32, 2 ** 53, 1e300, -1e300, 0.5, '1', null, [], {}, 'F32', 'BF16', 'X9'];

function mutateJson(header, rng) {
  const h = structuredClone(header);
  const names = Object.keys(h).filter((k) => k !== '__metadata__');
  if (names.length === 0) return h;
  const t = h[rng.pick(names)];
  switch (rng.int(6)) {
    case 0:
      if (Array.isArray(t.shape) && t.shape.length) t.shape[rng.int(t.shape.length)] = rng.pick(JSON_EDGES);
      else t.shape = [rng.pick(JSON_EDGES)];
      break;
    case 1:
      t.data_offsets[rng.int(2)] = rng.pick(JSON_EDGES);
      break;
    case 2:
      t.dtype = rng.pick(['F32', 'F64', 'F16', 'BF16', 'I64', 'I32', 'I16', 'I8', 'U8', 'BOOL', 'C64', 'F8_E4M3', '', 7]);
      break;
    case 3: {
      // overlap another tensor's bytes
      const other = h[rng.pick(names)];
      t.data_offsets = [...other.data_offsets];
      break;
    }
    case 4:
      t.shape = [2 ** 31, 2 ** 31, 0].slice(0, 1 + rng.int(3));
      break;
    default:
      delete t[rng.pick(['dtype', 'shape', 'data_offsets'])];
  }
  return h;
}

function mutateSafetensors(base, rng) {
  switch (rng.int(5)) {
    case 0:
      return { bytes: truncate(base.bytes, rng), how: 'truncated' };
    case 1:
      return { bytes: flip(base.bytes, rng), how: 'flipped bytes' };
    case 2: {
      // header length set to an edge value
      const bytes = Buffer.from(base.bytes);
      writeField(bytes, 0, 8, edge(rng, 8, Number(bytes.readBigUInt64LE(0))));
      return { bytes, how: 'header length changed' };
    }
    case 3: {
      // flipped header text, length kept
      const length = Number(base.bytes.readBigUInt64LE(0));
      const bytes = Buffer.from(base.bytes);
      for (let i = 0, n = 1 + rng.int(4); i < n; i++)
        bytes[8 + rng.int(length)] = rng.pick([...'{}[]",:0123456789-e.'.split('').map((c) => c.charCodeAt(0)), 0, 0xff]);
      return { bytes, how: 'header text flipped' };
    }
    default: {
      // a valid JSON header with bad numbers, dtypes or offsets
      const text = Buffer.from(JSON.stringify(mutateJson(base.header, rng)));
      const length = Buffer.alloc(8);
      length.writeBigUInt64LE(BigInt(text.length));
      return { bytes: Buffer.concat([length, text, base.data]), how: 'header fields changed' };
    }
  }
}

/** One mutated file from a prepared corpus entry: { bytes, how }. */
export function mutate(base, rng) {
  return base.kind === 'zip' ? mutateZip(base, rng) : mutateSafetensors(base, rng);
}
