// The results table printed while training, laid out exactly as fastai prints it on a console.

/** Seconds as `mm:ss`, or `h:mm:ss` from one hour on (seconds truncated). */
export function formatTime(seconds: number): string {
  const t = Math.max(0, Math.floor(seconds));
  const h = Math.floor(t / 3600);
  const m = Math.floor(t / 60) % 60;
  const s = t % 60;
  const mmss = `${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
  return h > 0 ? `${h}:${mmss}` : mmss;
}

/** A float with 6 decimals, as fastai prints losses and metrics; NaN (a skipped phase) is blank. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return '';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  return value.toFixed(6);
}

/** Header line: each name right-padded to 8 characters, columns joined by two spaces. */
export function formatHeader(names: readonly string[]): string {
  return names.map((n) => n.padEnd(8)).join('  ');
}

/** A row: each cell left-aligned and padded to its column's (padded) name width plus 2. */
export function formatRow(cells: readonly string[], names: readonly string[]): string {
  return cells.map((cell, i) => cell + ' '.repeat(Math.max(0, 2 + (names[i] ?? '').padEnd(8).length - cell.length))).join('');
}
