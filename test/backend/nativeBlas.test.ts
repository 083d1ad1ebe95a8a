/** Loading the native addon: OpenBLAS' core type from the CPU flags, and the switch to turn it off. */
import { describe, expect, it } from 'vitest';
import { loadNativeBlas, openblasCoreType } from '../../src/backend/nativeBlas.js';

describe('native addon loading', () => {
  it('names SkylakeX for AVX-512F, Haswell for AVX2, nothing otherwise (Debian OpenBLAS misdetects these VMs)', () => {
    expect(openblasCoreType('processor : 0\nflags\t\t: fpu sse2 avx avx2 avx512f avx512dq\n')).toBe('SkylakeX');
    expect(openblasCoreType('flags\t\t: fpu sse2 avx fma avx2 bmi2\n')).toBe('Haswell');
    expect(openblasCoreType('flags\t\t: fpu sse2 sse3\n')).toBeNull();
    expect(openblasCoreType('')).toBeNull();
  });

  it('INFOBOUND_NATIVE=0 turns the native kernels off and says so', () => {
    expect(loadNativeBlas({ INFOBOUND_NATIVE: '0' })).toEqual({ blas: null, reason: 'disabled by INFOBOUND_NATIVE=0' });
  });

  it('loads, or gives a reason that says how to install it', () => {
    const r = loadNativeBlas();
    if (r.blas) expect(r.blas.info().config).toMatch(/OpenBLAS/);
    else expect(r.reason).toMatch(/apt-get install -y libopenblas-dev/);
  });
});
