// Seeded corruptions of small JPEG, PNG and WebP files: blind ones (truncation, flipped or zeroed
// bytes, repeated spans), empty files, text under an image name, and structure-aware ones that
// declare huge dimensions or bad segment lengths (PNG with its chunk CRC fixed, so the damage gets
// past the CRC check).
import sharp from 'sharp';

export { caseSeed, makeRng } from '../weights/mutate.mjs';

const EXT = { png: 'png', jpeg: 'jpg', webp: 'webp' };

/** Deterministic pixels so every base image differs. */
function pixels(width, height, tag) {
  const data = Buffer.alloc(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    data[i * 3] = (i * 7 + tag * 37) & 255;
    data[i * 3 + 1] = ((i >> 3) * 5 + tag * 11) & 255;
    data[i * 3 + 2] = ((i ^ (i >> 5)) + tag * 53) & 255;
  }
  return data;
}

/** The base images every case starts from: each format, a few encodings. */
export async function makeBases() {
  const specs = [
    { format: 'png', options: {}, alpha: false },
    { format: 'png', options: { palette: true }, alpha: false },
    { format: 'png', options: {}, alpha: true },
    { format: 'jpeg', options: { quality: 80 }, alpha: false },
    { format: 'jpeg', options: { progressive: true }, alpha: false },
    { format: 'webp', options: { quality: 80 }, alpha: false },
    { format: 'webp', options: { lossless: true }, alpha: true },
  ];
  const bases = [];
  for (const [tag, spec] of specs.entries()) {
    const width = 24 + tag * 3;
    const height = 18 + tag * 2;
    let image = sharp(pixels(width, height, tag), { raw: { width, height, channels: 3 } });
    if (spec.alpha) image = image.ensureAlpha(0.5);
    const bytes = await image.toFormat(spec.format, spec.options).toBuffer();
    bases.push({ format: spec.format, bytes });
  }
  return bases;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 255] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const EDGE_32 = [0, 1, 0x7fff, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff];
const EDGE_16 = [0, 1, 0x7fff, 0x8000, 0xfffe, 0xffff];

function truncate(bytes, rng) {
  const keep = rng.chance(0.5) ? rng.int(bytes.length) : Math.max(0, bytes.length - 1 - rng.int(32));
  return Buffer.from(bytes.subarray(0, keep));
}

function flip(bytes, rng) {
  const out = Buffer.from(bytes);
  for (let i = 0, n = 1 + rng.int(8); i < n; i++) out[rng.int(out.length)] ^= 1 + rng.int(255);
  return out;
}

function zeroSpan(bytes, rng) {
  const out = Buffer.from(bytes);
  const at = rng.int(out.length);
  out.fill(0, at, Math.min(out.length, at + 1 + rng.int(64)));
  return out;
}

function repeatSpan(bytes, rng) {
  const at = rng.int(bytes.length);
  const span = bytes.subarray(at, at + 1 + rng.int(64));
  return Buffer.concat([bytes.subarray(0, at), span, span, bytes.subarray(at)]);
}

/** PNG chunks: [{ at, length, type }] where `at` is the chunk's length field. */
function pngChunks(bytes) {
  const chunks = [];
  for (let at = 8; at + 12 <= bytes.length; ) {
    const length = bytes.readUInt32BE(at);
    chunks.push({ at, length, type: bytes.toString('latin1', at + 4, at + 8) });
    at += 12 + length;
  }
  return chunks;
}

function fixPngCrc(bytes, chunk) {
  const end = chunk.at + 8 + chunk.length;
  if (end + 4 <= bytes.length) bytes.writeUInt32BE(crc32(bytes.subarray(chunk.at + 4, end)), end);
}

function mutatePng(bytes, rng) {
  const out = Buffer.from(bytes);
  const chunks = pngChunks(out);
  const ihdr = chunks.find((c) => c.type === 'IHDR');
  if (rng.chance(0.6) && ihdr) {
    // huge or zero declared dimensions, CRC fixed
    const which = rng.int(3);
    if (which !== 1) out.writeUInt32BE(rng.pick(EDGE_32), ihdr.at + 8);
    if (which !== 0) out.writeUInt32BE(rng.pick(EDGE_32), ihdr.at + 12);
    if (rng.chance(0.2)) out[ihdr.at + 16] = rng.pick([0, 3, 16, 255]); // bit depth
    fixPngCrc(out, ihdr);
    return { bytes: out, how: 'png dimensions' };
  }
  const chunk = rng.pick(chunks);
  out.writeUInt32BE(rng.pick([...EDGE_32, chunk.length + 1, Math.max(0, chunk.length - 1)]), chunk.at);
  return { bytes: out, how: 'png chunk length' };
}

/** JPEG markers with a length: [{ at, marker }] where `at` is the 0xFF byte. */
function jpegSegments(bytes) {
  const segments = [];
  for (let at = 2; at + 4 <= bytes.length; ) {
    if (bytes[at] !== 0xff) break;
    const marker = bytes[at + 1];
    const length = bytes.readUInt16BE(at + 2);
    segments.push({ at, marker, length });
    if (marker === 0xda) break; // entropy-coded data follows
    at += 2 + length;
  }
  return segments;
}

function mutateJpeg(bytes, rng) {
  const out = Buffer.from(bytes);
  const segments = jpegSegments(out);
  const sof = segments.find((s) => s.marker >= 0xc0 && s.marker <= 0xcf && s.marker !== 0xc4 && s.marker !== 0xc8 && s.marker !== 0xcc);
  if (rng.chance(0.6) && sof) {
    // height and width of the frame
    const which = rng.int(3);
    if (which !== 1) out.writeUInt16BE(rng.pick(EDGE_16), sof.at + 5);
    if (which !== 0) out.writeUInt16BE(rng.pick(EDGE_16), sof.at + 7);
    if (rng.chance(0.2)) out[sof.at + 9] = rng.pick([0, 2, 4, 255]); // components
    return { bytes: out, how: 'jpeg dimensions' };
  }
  const segment = rng.pick(segments);
  out.writeUInt16BE(rng.pick([...EDGE_16, segment.length + 1, Math.max(0, segment.length - 1)]), segment.at + 2);
  return { bytes: out, how: 'jpeg segment length' };
}

function mutateWebp(bytes, rng) {
  const out = Buffer.from(bytes);
  const chunk = out.toString('latin1', 12, 16);
  if (rng.chance(0.6)) {
    if (chunk === 'VP8 ' && out.length >= 30) {
      // 14-bit width and height after the start code
      out.writeUInt16LE(rng.pick([0, 1, 0x3fff, 0xffff]), 26);
      out.writeUInt16LE(rng.pick([0, 1, 0x3fff, 0xffff]), 28);
    } else if (chunk === 'VP8L' && out.length >= 25) {
      // 14-bit (width-1, height-1) packed in 4 bytes
      out.writeUInt32LE((out.readUInt32LE(21) & 0xf0000000) | (rng.int(2) ? 0x0fffffff : rng.int(0x10000000)), 21);
    } else if (out.length >= 30) {
      // VP8X canvas: 24-bit width-1, height-1
      out.writeUIntLE(0xffffff, 24, 3);
      out.writeUIntLE(0xffffff, 27, 3);
    }
    return { bytes: out, how: 'webp dimensions' };
  }
  // RIFF or chunk size
  out.writeUInt32LE(rng.pick([...EDGE_32, out.length, out.length - 9]), rng.chance(0.5) ? 4 : 16);
  return { bytes: out, how: 'webp chunk size' };
}

const TEXTS = [
  'hello, this is not an image\n',
  '<html><body>404 Not Found</body></html>\n',
  '{"image": "cat.jpg"}\n',
  'GIF89a',
  '\x89PNG\r\n',
  '\xff\xd8\xff',
  'RIFF\0\0\0\0WEBP',
];

/**
 * One corrupted file from the bases: `{ bytes, ext, how }`. `how` names the kind of damage, for
 * tallies and replays.
 */
export function mutateImage(bases, rng) {
  const base = rng.pick(bases);
  const ext = rng.chance(0.9) ? EXT[base.format] : rng.pick(Object.values(EXT)); // sometimes misnamed
  const kind = rng.int(10);
  switch (kind) {
    case 0:
      return { bytes: truncate(base.bytes, rng), ext, how: 'truncated' };
    case 1:
    case 2:
      return { bytes: flip(base.bytes, rng), ext, how: 'flipped bytes' };
    case 3:
      return { bytes: zeroSpan(base.bytes, rng), ext, how: 'zeroed span' };
    case 4:
      return { bytes: repeatSpan(base.bytes, rng), ext, how: 'repeated span' };
    case 5:
      return rng.chance(0.3) ? { bytes: Buffer.alloc(0), ext, how: 'empty file' } : { bytes: Buffer.alloc(1 + rng.int(4096)), ext, how: 'zero bytes' };
    case 6:
      return { bytes: Buffer.from(rng.pick(TEXTS).repeat(1 + rng.int(20)), 'latin1'), ext: rng.pick(['jpg', 'png', 'webp']), how: 'text named as an image' };
    default: {
      const mutated = base.format === 'png' ? mutatePng(base.bytes, rng) : base.format === 'jpeg' ? mutateJpeg(base.bytes, rng) : mutateWebp(base.bytes, rng);
      return { ...mutated, ext };
    }
  }
}
