// The image of a `POST /predict`: the raw body, or the first file of a multipart/form-data body,
// read up to a byte limit. Only bytes: nothing a request sends can name a file on disk.
import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-error.js';

/** Reads the whole body; a 413 as soon as it passes `limit` bytes (by its Content-Length or as it streams). */
export function readBody(req: IncomingMessage, limit: number, signal: AbortSignal): Promise<Buffer> {
  const tooLarge = () => new HttpError(413, 'too_large', `the request body is over the limit of ${limit} bytes`);
  // A framework's body parser (e.g. express.raw()) may have read it already.
  const parsed = (req as IncomingMessage & { body?: unknown }).body;
  if (Buffer.isBuffer(parsed)) return parsed.length > limit ? Promise.reject(tooLarge()) : Promise.resolve(parsed);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error?: unknown) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', finish);
      signal.removeEventListener('abort', onAbort);
      if (error === undefined) resolve(Buffer.concat(chunks, size));
      else {
        // Drain the rest unread, so that the answer can still be written on this connection.
        req.resume();
        reject(error);
      }
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) finish(tooLarge());
      else chunks.push(chunk);
    };
    const onEnd = () => finish();
    const onAbort = () => finish(signal.reason);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', finish);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The image bytes of a body: its first file part when multipart, else the body itself. Raster
 * formats only: an SVG (or any format that can refer to other files) is refused unread.
 */
export function imageOf(body: Buffer, contentType: string | undefined): Buffer {
  const image = fileOf(body, contentType);
  if (!isRaster(image)) throw new HttpError(400, 'bad_image', 'the body is not a JPEG, PNG, WebP, GIF or TIFF file');
  return image;
}

/** The first bytes of each accepted format. */
const SIGNATURES: readonly (readonly (number | null)[])[] = [
  [0xff, 0xd8, 0xff], // JPEG
  [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], // PNG
  [0x47, 0x49, 0x46, 0x38], // GIF8
  [0x52, 0x49, 0x46, 0x46, null, null, null, null, 0x57, 0x45, 0x42, 0x50], // RIFF....WEBP
  [0x49, 0x49, 0x2a, 0x00], // TIFF, little-endian
  [0x4d, 0x4d, 0x00, 0x2a], // TIFF, big-endian
];

function isRaster(bytes: Buffer): boolean {
  return SIGNATURES.some((sig) => bytes.length >= sig.length && sig.every((b, i) => b === null || bytes[i] === b));
}

function fileOf(body: Buffer, contentType: string | undefined): Buffer {
  const type = (contentType ?? '').toLowerCase();
  if (!type.startsWith('multipart/form-data')) {
    if (body.length === 0) throw new HttpError(400, 'bad_request', 'the request has no body: send the bytes of an image file');
    return body;
  }
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  if (!boundary) throw new HttpError(400, 'bad_request', 'multipart/form-data without a boundary');
  const part = firstFilePart(body, `--${boundary[1] ?? boundary[2]}`);
  if (!part) throw new HttpError(400, 'bad_request', 'the multipart body has no file part: send the image as a file field');
  return part;
}

/** The content of the first part with a filename (or, failing that, named image or file). */
function firstFilePart(body: Buffer, delimiter: string): Buffer | undefined {
  const parts: { headers: string; content: Buffer }[] = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const headerEnd = body.indexOf('\r\n\r\n', start);
    const next = body.indexOf(`\r\n${delimiter}`, start);
    if (headerEnd < 0 || next < 0 || headerEnd > next) break;
    parts.push({ headers: body.subarray(start, headerEnd).toString('latin1'), content: body.subarray(headerEnd + 4, next) });
    at = next + 2;
  }
  const disposition = (p: { headers: string }) => /content-disposition:[^\r\n]*/i.exec(p.headers)?.[0] ?? '';
  const chosen = parts.find((p) => /filename\*?=/i.test(disposition(p))) ?? parts.find((p) => /\bname="?(image|file)"?/i.test(disposition(p)));
  return chosen?.content;
}
