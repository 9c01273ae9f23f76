// doctor's BLAS line, judged from the libraries a process has loaded (as /proc/self/maps lists them).
import { describe, expect, it } from 'vitest';
import { blasCheck, systemProbes } from '../../src/cli/doctor.js';

const lib = '/usr/lib/x86_64-linux-gnu';
const libtorch = [`${lib}/libtorch_cpu.so.1.13.0`, `${lib}/libc10.so.1.13.0`, `${lib}/libgomp.so.1.0.0`];
const openblas = `${lib}/openblas-pthread/libopenblasp-r0.3.21.so`;
const fix = ['Debian/Ubuntu: apt-get install libopenblas0-pthread (it takes over libblas.so.3; no rebuild needed)'];

describe('doctor: the BLAS under LibTorch', () => {
  it('names OpenBLAS, its version and threading, when it provides libblas.so.3', () => {
    expect(blasCheck([...libtorch, openblas, `${lib}/openblas-pthread/liblapack.so.3`, `${lib}/openblas-pthread/libblas.so.3`])).toEqual({
      name: 'BLAS',
      status: 'ok',
      value: `OpenBLAS 0.3.21, pthread (${lib}/openblas-pthread/libblas.so.3)`,
    });
    expect(blasCheck([...libtorch, `${lib}/openblas-openmp/libopenblasp-r0.3.26.so`])).toMatchObject({ status: 'ok', value: /^OpenBLAS 0\.3\.26, openmp / });
  });

  it('warns, with the fix, on the reference BLAS, even with OpenBLAS loaded for LAPACK', () => {
    const warned = { name: 'BLAS', status: 'warn', value: expect.stringMatching(/^the reference BLAS \(.*\/blas\/libblas\.so\.3\.11\.0\): /), details: fix };
    expect(blasCheck([...libtorch, `${lib}/blas/libblas.so.3.11.0`, `${lib}/lapack/liblapack.so.3.11.0`])).toEqual(warned);
    // LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/blas: BLAS symbols come from the first libblas.so.3.
    expect(blasCheck([...libtorch, openblas, `${lib}/openblas-pthread/liblapack.so.3`, `${lib}/blas/libblas.so.3.11.0`])).toEqual(warned);
  });

  it('names the other optimized BLAS that alternatives offer', () => {
    expect(blasCheck([`${lib}/blis-openmp/libblas.so.3`, `${lib}/libblis.so.4`]).value).toBe(`BLIS (${lib}/blis-openmp/libblas.so.3)`);
    expect(blasCheck([`${lib}/atlas/libblas.so.3.10.3`]).value).toBe(`ATLAS (${lib}/atlas/libblas.so.3.10.3)`);
    expect(blasCheck([`/opt/intel/lib/libmkl_rt.so.2`]).value).toBe('Intel MKL (/opt/intel/lib/libmkl_rt.so.2)');
  });

  it('says when LibTorch carries its own BLAS, or the libraries cannot be listed', () => {
    expect(blasCheck(['/home/u/libtorch/lib/libtorch_cpu.so', '/home/u/libtorch/lib/libgomp-a34b3233.so.1'])).toEqual({
      name: 'BLAS',
      status: 'info',
      value: 'built into LibTorch (no shared BLAS library loaded)',
    });
    expect(blasCheck(null)).toMatchObject({ status: 'info', value: /^unknown/ });
  });

  it('lists this process from /proc/self/maps on Linux', () => {
    const libraries = systemProbes().loadedLibraries();
    if (process.platform !== 'linux') return expect(libraries).toBeNull();
    expect(libraries?.some((p) => /\/libc\.so/.test(p) || /\/libc-/.test(p))).toBe(true);
    expect(libraries?.every((p) => p.startsWith('/'))).toBe(true);
  });
});
