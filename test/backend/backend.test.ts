import { describe, expect, it } from 'vitest';
import { initBackend, parseBackendName } from '../../src/backend/backend.js';

describe('backend selection', () => {
  it('names the valid backends when given an unknown one', () => {
    expect(() => parseBackendName('gpu', '--backend')).toThrow('--backend: unknown backend "gpu"; expected one of node-gpu, node, wasm, cpu');
  });
  it('an unknown INFOBOUND_BACKEND is named as such', async () => {
    await expect(initBackend({ env: { INFOBOUND_BACKEND: 'tpu' } })).rejects.toThrow(/INFOBOUND_BACKEND: unknown backend "tpu"/);
  });
  it('forcing tfjs-node where it is not installed says how to install it', async () => {
    let installed = true;
    try {
      const spec = '@tensorflow/tfjs-node';
      await import(spec);
    } catch {
      installed = false;
    }
    if (installed) return; // on a machine that has tfjs-node this case cannot occur
    await expect(initBackend({ requested: 'node' })).rejects.toThrow(
      /backend "node" was requested but cannot load: .*To install it: npm install @tensorflow\/tfjs-node@4\.22\.0/,
    );
  });
  it('reports the backend it chose (the test setup forces wasm)', async () => {
    const info = await initBackend({ requested: 'wasm' });
    expect(info).toMatchObject({ name: 'wasm', tfBackend: 'wasm', forced: true });
  });
});
