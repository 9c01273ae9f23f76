// Unpacks a zip archive into a folder, streaming every member (LibTorch's CUDA libraries are
// larger than a Buffer should hold). yauzl reads the central directory, handles zip64 and
// rejects absolute or `..` names; here we add a CRC-32 check per member, Unix permissions,
// and symlinks that must stay inside the folder.
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, symlink } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32 } from 'node:zlib';
import yauzl from 'yauzl';

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

/**
 * @param {string} path
 * @returns {Promise<import('yauzl').ZipFile>}
 */
function openZip(path) {
  return new Promise((done, fail) => {
    yauzl.open(path, { lazyEntries: true, autoClose: true, validateEntrySizes: true }, (error, zip) => (error ? fail(error) : done(zip)));
  });
}

/**
 * @param {import('yauzl').ZipFile} zip
 * @param {import('yauzl').Entry} entry
 * @returns {Promise<import('node:stream').Readable>}
 */
function openEntry(zip, entry) {
  return new Promise((done, fail) => {
    zip.openReadStream(entry, (error, stream) => (error ? fail(error) : done(stream)));
  });
}

/**
 * @param {string} root
 * @param {string} target
 */
function inside(root, target) {
  const rel = relative(root, target);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

class CrcCheck extends Transform {
  /**
   * @param {number} expected
   * @param {string} name
   */
  constructor(expected, name) {
    super();
    this.crc = 0;
    this.expected = expected >>> 0;
    this.name = name;
  }

  /**
   * @override
   * @param {Buffer} chunk
   * @param {BufferEncoding} _encoding
   * @param {import('node:stream').TransformCallback} callback
   */
  _transform(chunk, _encoding, callback) {
    this.crc = crc32(chunk, this.crc);
    callback(null, chunk);
  }

  /**
   * @override
   * @param {import('node:stream').TransformCallback} callback
   */
  _flush(callback) {
    if (this.crc >>> 0 !== this.expected) {
      callback(new Error(`CRC-32 mismatch in member ${this.name}`));
    } else {
      callback();
    }
  }
}

/** @param {import('node:stream').Readable} stream */
async function readAll(stream) {
  /** @type {Buffer[]} */
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * @param {import('yauzl').ZipFile} zip
 * @param {import('yauzl').Entry} entry
 * @param {string} root
 */
async function extractEntry(zip, entry, root) {
  const target = resolve(root, entry.fileName);
  if (!inside(root, target)) throw new Error(`member ${entry.fileName} would land outside ${root}`);
  if (entry.fileName.endsWith('/')) {
    await mkdir(target, { recursive: true });
    return;
  }
  await mkdir(dirname(target), { recursive: true });
  const mode = (entry.externalFileAttributes >>> 16) & 0xffff;
  const stream = await openEntry(zip, entry);
  if ((mode & S_IFMT) === S_IFLNK) {
    const link = (await readAll(stream)).toString('utf8');
    if (isAbsolute(link) || !inside(root, resolve(dirname(target), link))) {
      throw new Error(`member ${entry.fileName} is a link pointing outside the archive (${link})`);
    }
    await symlink(link, target);
    return;
  }
  await pipeline(stream, new CrcCheck(entry.crc32, entry.fileName), createWriteStream(target));
  const permissions = mode & 0o777;
  if (permissions) await chmod(target, permissions | 0o600);
}

/**
 * Extracts every member of the zip at `path` into the existing folder `root`.
 * Rejects with an Error naming the archive (and member) when it is not a valid zip.
 * @param {string} path
 * @param {string} root
 * @returns {Promise<void>}
 */
export async function extractZip(path, root) {
  const absRoot = resolve(root);
  /** @type {import('yauzl').ZipFile} */
  let zip;
  try {
    zip = await openZip(path);
  } catch (error) {
    throw new Error(`${path} is not a readable zip archive: ${/** @type {Error} */ (error).message}`, { cause: error });
  }
  try {
    await new Promise((done, fail) => {
      zip.on('error', fail);
      zip.on('end', done);
      zip.on('entry', (/** @type {import('yauzl').Entry} */ entry) => {
        extractEntry(zip, entry, absRoot).then(() => zip.readEntry(), fail);
      });
      zip.readEntry();
    });
  } catch (error) {
    zip.close();
    throw new Error(`could not unpack ${path}: ${/** @type {Error} */ (error).message}`, { cause: error });
  }
}
