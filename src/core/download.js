// Fetches one file over HTTP(S) into place, for the LibTorch install step and for pretrained
// weights alike: a temp file next to the target, retries that resume where the connection
// dropped, a time limit on silence, a SHA-256 check, and only then a rename. A failed or
// interrupted download never leaves anything at the target path.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * @typedef {object} DownloadProgress
 * @property {number} received
 * @property {number} total 0 when the server did not say.
 */

/**
 * @typedef {object} DownloadRetry
 * @property {number} attempt
 * @property {number} retries
 * @property {number} delayMs
 * @property {DownloadError} error
 */

/**
 * @typedef {object} DownloadOptions
 * @property {string} url
 * @property {string} dest
 * @property {string | null} [sha256] The whole digest, hex.
 * @property {string | null} [sha256Prefix] The digest's start, hex (torch.hub's file-name hashes).
 * @property {number} [timeoutMs] Time allowed for the answer to start (default 30 s).
 * @property {number} [idleTimeoutMs] Time allowed without data (default 60 s).
 * @property {number} [retries] Default 3.
 * @property {number} [retryDelayMs] The first retry's delay, doubled after each (default 1 s).
 * @property {(progress: DownloadProgress) => void} [onProgress]
 * @property {(retry: DownloadRetry) => void} [onRetry]
 * @property {typeof fetch} [fetchImpl]
 */

/**
 * @typedef {object} DownloadResult
 * @property {string} path
 * @property {number} bytes
 * @property {string} sha256
 */

/** @typedef {'network' | 'http' | 'checksum'} DownloadErrorKind */

/** Why a download failed; `permanent` failures are not retried (4xx, checksum mismatch). */
export class DownloadError extends Error {
  /**
   * @param {string} message
   * @param {{ url?: string, status?: number, permanent?: boolean, kind?: DownloadErrorKind, cause?: unknown }} [details]
   */
  constructor(message, { url, status, permanent = false, kind = 'network', cause } = {}) {
    super(message, cause ? { cause } : undefined);
    this.name = 'DownloadError';
    /** @readonly */
    this.url = url;
    /** @readonly */
    this.status = status;
    /** @readonly */
    this.permanent = permanent;
    /** @readonly */
    this.kind = kind;
  }
}

/**
 * SHA-256 of a file, as lowercase hex.
 * @param {string} path
 * @returns {Promise<string>}
 */
export async function sha256File(path) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk);
  return hash.digest('hex');
}

/** @param {any} error an Error and its causes, or anything thrown */
function causeText(error) {
  /** @type {string[]} */
  const parts = [];
  for (let e = error; e && parts.length < 4; e = e.cause) {
    const text = e.code && !String(e.message).includes(e.code) ? `${e.message} (${e.code})` : e.message;
    if (text && !parts.includes(text)) parts.push(text);
  }
  return parts.join(': ') || String(error);
}

/**
 * @param {string} url
 * @param {number} status
 * @param {string} statusText
 */
function httpError(url, status, statusText) {
  // 408 and 429 are "try again"; every other 4xx will not get better by asking again.
  const permanent = status >= 400 && status < 500 && status !== 408 && status !== 429;
  return new DownloadError(`${url} answered HTTP ${status}${statusText ? ` ${statusText}` : ''}`, {
    url,
    status,
    permanent,
    kind: 'http',
  });
}

/**
 * Total size from `Content-Range: bytes a-b/total`, or 0.
 * @param {string | null} header
 */
function rangeTotal(header) {
  const match = /\/(\d+)\s*$/.exec(header ?? '');
  return match ? Number(match[1]) : 0;
}

/** @param {string | null} header */
function rangeStart(header) {
  const match = /^bytes\s+(\d+)-/.exec(header ?? '');
  return match ? Number(match[1]) : -1;
}

/**
 * One HTTP request, appending to `file` from byte `offset`. Returns the byte count now in the
 * file. Throws DownloadError; the file keeps what arrived so a retry can resume.
 * @param {import('node:fs/promises').FileHandle} file
 * @param {number} offset
 * @param {{ url: string, fetchImpl: typeof fetch, timeoutMs: number, idleTimeoutMs: number, onProgress?: (progress: DownloadProgress) => void }} request
 * @returns {Promise<number>}
 */
async function fetchInto(file, offset, { url, fetchImpl, timeoutMs, idleTimeoutMs, onProgress }) {
  const controller = new AbortController();
  let timer = setTimeout(() => controller.abort(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
  /** @type {Record<string, string>} */
  const headers = offset > 0 ? { range: `bytes=${offset}-` } : {};
  /** @type {Response} */
  let response;
  try {
    response = await fetchImpl(url, { headers, signal: controller.signal, redirect: 'follow' });
  } catch (error) {
    clearTimeout(timer);
    const reason = controller.signal.aborted ? controller.signal.reason : error;
    throw new DownloadError(`could not fetch ${url}: ${causeText(reason)}`, { url, cause: reason });
  }
  clearTimeout(timer);

  let received = offset;
  let total;
  if (offset > 0 && response.status === 206 && rangeStart(response.headers.get('content-range')) === offset) {
    total = rangeTotal(response.headers.get('content-range'));
  } else if (response.status === 200) {
    // The server ignored the range (or this is the first try): start the file over.
    received = 0;
    await file.truncate(0);
    total = Number(response.headers.get('content-length') ?? 0) || 0;
  } else {
    await response.body?.cancel().catch(() => {});
    if (response.status === 206 || response.status === 416) {
      await file.truncate(0);
      throw new DownloadError(`${url} answered a resumed request with HTTP ${response.status}; starting over`, { url });
    }
    throw httpError(url, response.status, response.statusText);
  }

  if (!response.body) {
    if (total > 0) throw new DownloadError(`${url} announced ${total} bytes but sent no body`, { url });
    return received;
  }
  const reader = response.body.getReader();
  const arm = () => setTimeout(() => controller.abort(new Error(`no data for ${idleTimeoutMs / 1000} s`)), idleTimeoutMs);
  timer = arm();
  try {
    onProgress?.({ received, total });
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      clearTimeout(timer);
      timer = arm();
      await file.write(value, 0, value.length, received);
      received += value.length;
      onProgress?.({ received, total });
    }
  } catch (error) {
    const reason = controller.signal.aborted ? controller.signal.reason : error;
    throw new DownloadError(`download of ${url} broke off after ${received} of ${total || '?'} bytes: ${causeText(reason)}`, { url, cause: reason });
  } finally {
    clearTimeout(timer);
  }
  if (total > 0 && received !== total) {
    throw new DownloadError(`download of ${url} ended after ${received} of ${total} bytes`, { url });
  }
  return received;
}

/**
 * Downloads `url` to `dest`.
 *
 * Checks the whole file against `sha256` (hex) or, as torch.hub does, its digest's start
 * against `sha256Prefix`. Retries transient failures `retries` times with doubling delays,
 * resuming with a Range request. Calls `onProgress({ received, total })` as bytes arrive.
 * Returns `{ path, bytes, sha256 }`.
 * @param {DownloadOptions} options
 * @returns {Promise<DownloadResult>}
 */
export async function downloadFile({
  url,
  dest,
  sha256,
  sha256Prefix,
  timeoutMs = 30_000,
  idleTimeoutMs = 60_000,
  retries = 3,
  retryDelayMs = 1_000,
  onProgress,
  onRetry,
  fetchImpl = globalThis.fetch,
}) {
  await mkdir(dirname(dest), { recursive: true });
  const temp = join(dirname(dest), `.${basename(dest)}.${randomBytes(6).toString('hex')}.partial`);
  const file = await open(temp, 'w+');
  let closed = false;
  try {
    let received = 0;
    for (let attempt = 0; ; attempt++) {
      try {
        received = await fetchInto(file, received, { url, fetchImpl, timeoutMs, idleTimeoutMs, onProgress });
        break;
      } catch (error) {
        if (!(error instanceof DownloadError) || error.permanent || attempt >= retries) throw error;
        received = (await stat(temp)).size;
        const delay = retryDelayMs * 2 ** attempt;
        onRetry?.({ attempt: attempt + 1, retries, delayMs: delay, error });
        await sleep(delay);
      }
    }
    await file.close();
    closed = true;

    const digest = await sha256File(temp);
    const expected = (sha256 ?? sha256Prefix ?? '').toLowerCase();
    if (expected && !(sha256 ? digest === expected : digest.startsWith(expected))) {
      throw new DownloadError(`checksum mismatch for ${url}: expected SHA-256 ${sha256 ? expected : `starting ${expected}`}, got ${digest}`, {
        url,
        permanent: true,
        kind: 'checksum',
      });
    }
    await rename(temp, dest);
    return { path: dest, bytes: received, sha256: digest };
  } finally {
    if (!closed) await file.close().catch(() => {});
    await rm(temp, { force: true });
  }
}
