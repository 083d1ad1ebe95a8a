// `infobound eval msssim` as a user runs it: two PNGs on disk, a subprocess, the printed score.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCanvas } from '@napi-rs/canvas';
import { describe, expect, it, vi } from 'vitest';
import { cmdEval } from '../../src/cli/eval.js';
import { msssim } from '../../src/eval/msssim.js';
import { Rng } from '../../src/util/rng.js';

const cli = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8', timeout: 60_000 });

/** Writes grey levels 0…255 (row-major) as an RGB PNG with R = G = B, so BT.601 luma = level / 255 exactly. */
function writeGreyPng(path: string, levels: Uint8Array, width: number, height: number): void {
  const c = createCanvas(width, height);
  const ctx = c.getContext('2d');
  const img = ctx.createImageData(width, height);
  for (let i = 0; i < levels.length; i++) img.data.set([levels[i], levels[i], levels[i], 255], 4 * i);
  ctx.putImageData(img, 0, 0);
  writeFileSync(path, c.toBuffer('image/png'));
}

describe('infobound eval msssim <a.png> <b.png>', () => {
  const dir = mkdtempSync(join(tmpdir(), 'infobound-eval-'));
  const rng = new Rng(1);
  const a = new Uint8Array(28 * 28),
    b = new Uint8Array(28 * 28);
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      const v = 255 * Math.exp(-((x - 14) ** 2 + (y - 12) ** 2) / 40);
      a[y * 28 + x] = Math.round(v);
      b[y * 28 + x] = Math.max(0, Math.min(255, Math.round(v + 20 * rng.normal())));
    }
  }
  const pa = join(dir, 'a.png'),
    pb = join(dir, 'b.png'),
    small = join(dir, 'small.png');
  writeGreyPng(pa, a, 28, 28);
  writeGreyPng(pb, b, 28, 28);
  writeGreyPng(small, new Uint8Array(20 * 28), 20, 28);

  it('prints the score of the two images (as msssim computes it on their grey levels / 255) and the 28x28 adaptation', () => {
    const r = cli(['eval', 'msssim', pa, pb]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const expected = msssim(
      Float64Array.from(a, (v) => v / 255),
      Float64Array.from(b, (v) => v / 255),
      28,
      28,
    ).value;
    expect(expected).toBeGreaterThan(0.3);
    expect(expected).toBeLessThan(0.99);
    const m = /^MS-SSIM (\d\.\d{6})$/m.exec(r.stdout);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeCloseTo(expected, 6);
    expect(r.stdout).toMatch(/adaptation: 28x28: 3 scales, 7-px window/);
    expect(r.stdout).toMatch(/greyscale by BT\.601 luma/);
  });

  it('an image against itself scores 1; --json gives the same fields as the library', async () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await cmdEval(['msssim', pa, pa, '--json'])).toBe(0);
      const out = JSON.parse(String(write.mock.calls[0][0]));
      expect(out.value).toBeCloseTo(1, 12);
      expect(out).toMatchObject({ scales: 3, windowSize: 7, height: 28, width: 28 });
    } finally {
      write.mockRestore();
    }
  });

  it('images of different sizes: exit 2 and both sizes named', () => {
    const r = cli(['eval', 'msssim', pa, small]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^infobound: image sizes differ: .*a\.png is 28x28, .*small\.png is 20x28/);
  });

  it('a missing file and an unknown evaluation are named', async () => {
    await expect(cmdEval(['msssim', pa, join(dir, 'nope.png')])).rejects.toThrow(/image not found: .*nope\.png/);
    await expect(cmdEval(['fid', pa, pb])).rejects.toThrow(/eval: unknown evaluation "fid"; expected msssim/);
  });
});
