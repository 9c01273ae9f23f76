// Builds small zip archives in memory for tests (stored or deflated members, Unix modes,
// symlinks), so archive handling is tested on bytes we control.
import { crc32, deflateRawSync } from 'node:zlib';

export interface ZipMember {
  name: string;
  data?: Buffer | string;
  /** Unix permission bits; default 0o644 (0o755 for folders). */
  mode?: number;
  /** Makes the member a symlink to this target. */
  symlink?: string;
  /** Store instead of deflate. */
  store?: boolean;
  /** Write this CRC-32 instead of the right one. */
  badCrc?: boolean;
}

const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

export function makeZip(members: ZipMember[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const m of members) {
    const isDir = m.name.endsWith('/');
    const raw = Buffer.from(m.symlink ?? m.data ?? '');
    const store = m.store || isDir || m.symlink !== undefined;
    const body = store ? raw : deflateRawSync(raw);
    const crc = m.badCrc ? (crc32(raw) ^ 0xffff) >>> 0 : crc32(raw);
    const type = m.symlink !== undefined ? S_IFLNK : isDir ? S_IFDIR : S_IFREG;
    const mode = (type | (m.mode ?? (isDir ? 0o755 : m.symlink !== undefined ? 0o777 : 0o644))) >>> 0;
    const name = Buffer.from(m.name);

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0, 6);
    local.writeUInt16LE(store ? 0 : 8, 8);
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(0x21, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(raw.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, name, body);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0, 8);
    central.writeUInt16LE(store ? 0 : 8, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(raw.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE((mode << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}
