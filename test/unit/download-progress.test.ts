// Download progress: plain lines for logs, one rewritten line on a terminal.
import { describe, expect, it } from 'vitest';
import { createProgress, formatBytes } from '../../src/core/progress.js';

const MIB = 1024 * 1024;

function sink() {
  const chunks: string[] = [];
  return { chunks, stream: { write: (s: string) => chunks.push(s) } };
}

describe('download progress', () => {
  it('formats sizes', () => {
    expect([formatBytes(512), formatBytes(1536), formatBytes(5 * MIB), formatBytes(2.5 * 1024 * MIB)]).toEqual(['512 B', '1.5 KiB', '5.0 MiB', '2.50 GiB']);
  });

  it('writes a plain line every tenth of the way when not on a terminal', () => {
    const { chunks, stream } = sink();
    const p = createProgress('get', { stream, tty: false });
    for (let received = 0; received <= 100 * MIB; received += MIB) p.update({ received, total: 100 * MIB });
    p.done();
    expect(chunks).toHaveLength(11);
    expect(chunks[0]).toBe('get: 0 B / 100.0 MiB (0%)\n');
    expect(chunks[5]).toBe('get: 50.0 MiB / 100.0 MiB (50%)\n');
    expect(chunks[10]).toBe('get: 100.0 MiB / 100.0 MiB (100%)\n');
  });

  it('counts bytes every 100 MiB when the size is unknown, and ends with the total', () => {
    const { chunks, stream } = sink();
    const p = createProgress('get', { stream, tty: false });
    for (let received = 0; received <= 250 * MIB; received += 10 * MIB) p.update({ received, total: 0 });
    p.done();
    expect(chunks).toEqual(['get: 0 B\n', 'get: 100.0 MiB\n', 'get: 200.0 MiB\n', 'get: 250.0 MiB\n']);
  });

  it('rewrites one line on a terminal, at most ten times a second', () => {
    const { chunks, stream } = sink();
    let t = 0;
    const p = createProgress('get', { stream, tty: true, now: () => t });
    for (let i = 0; i <= 10; i++) {
      t += 50;
      p.update({ received: i * MIB, total: 10 * MIB });
    }
    p.done();
    expect(chunks.slice(0, -1).every((c) => c.startsWith('\rget: ') && !c.includes('\n'))).toBe(true);
    expect(chunks.length - 1).toBe(5);
    expect(chunks.at(-1)).toBe('\rget: 10.0 MiB / 10.0 MiB (100%)\x1b[K\n');
  });
});
