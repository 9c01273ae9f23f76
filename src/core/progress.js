// Download progress for people and for logs: one rewritten line on a terminal, a plain line
// every tenth of the way (or every 100 MiB when the size is unknown) everywhere else.

/** @typedef {import('./download.js').DownloadProgress} DownloadProgress */

/**
 * @typedef {object} Progress
 * @property {(progress: DownloadProgress) => void} update
 * @property {() => void} done
 */

const MIB = 1024 * 1024;

/**
 * "12.3 MiB" style sizes.
 * @param {number} bytes
 * @returns {string}
 */
export function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < MIB) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 * MIB) return `${(bytes / MIB).toFixed(1)} MiB`;
  return `${(bytes / (1024 * MIB)).toFixed(2)} GiB`;
}

/**
 * @param {string} label
 * @param {number} received
 * @param {number} total
 */
function describe(label, received, total) {
  if (total > 0) {
    const pct = Math.min(100, Math.floor((received / total) * 100));
    return `${label}: ${formatBytes(received)} / ${formatBytes(total)} (${pct}%)`;
  }
  return `${label}: ${formatBytes(received)}`;
}

/**
 * Returns `{ update({ received, total }), done() }` writing to `stream`.
 * `total` is 0 when the server did not say how big the file is.
 * @param {string} label
 * @param {{ stream?: { write(text: string): unknown, isTTY?: boolean }, tty?: boolean, now?: () => number }} [options]
 * @returns {Progress}
 */
export function createProgress(label, { stream = process.stderr, tty = Boolean(stream.isTTY), now = Date.now } = {}) {
  let lastDraw = 0;
  let lastStep = -1;
  /** @type {DownloadProgress} */
  let last = { received: 0, total: 0 };
  let drawn = false;
  let printed = '';
  return {
    update(progress) {
      last = progress;
      if (tty) {
        const t = now();
        if (t - lastDraw < 100) return;
        lastDraw = t;
        stream.write(`\r${describe(label, progress.received, progress.total)}\x1b[K`);
        drawn = true;
        return;
      }
      const step = progress.total > 0 ? Math.floor((progress.received / progress.total) * 10) : Math.floor(progress.received / (100 * MIB));
      if (step !== lastStep) {
        lastStep = step;
        printed = describe(label, progress.received, progress.total);
        stream.write(`${printed}\n`);
      }
    },
    done() {
      if (tty) {
        if (drawn || last.received > 0) stream.write(`\r${describe(label, last.received, last.total)}\x1b[K\n`);
      } else if (describe(label, last.received, last.total) !== printed) {
        stream.write(`${describe(label, last.received, last.total)}\n`);
      }
    },
  };
}
