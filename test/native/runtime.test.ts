import { describe, expect, it } from 'vitest';
import { FasttuneError, getNumThreads, setNumThreads, versions } from '../../src/index.js';

describe('runtime', () => {
  it('reports the linked LibTorch and Node-API', () => {
    const v = versions();
    expect(v.libtorch).toMatch(/^\d+\.\d+\.\d+/);
    expect(v.napi).toBeGreaterThanOrEqual(8);
    expect(typeof v.cuda).toBe('boolean');
    expect(v.cudaDeviceCount).toBe(v.cuda ? v.cudaDeviceCount : 0);
    expect(v.config).toContain('PyTorch');
  });

  it('sets the thread count and refuses nonsense', () => {
    const before = getNumThreads();
    setNumThreads(1);
    expect(getNumThreads()).toBe(1);
    setNumThreads(before);
    expect(getNumThreads()).toBe(before);
    expect(() => setNumThreads(0)).toThrowError(FasttuneError);
    expect(() => setNumThreads(1.5)).toThrowError(/setNumThreads: expected an integer ≥ 1 for n but received 1\.5/);
  });
});
