/**
 * `infobound eval msssim <a.png> <b.png>`: the MS-SSIM of two images of the same size, printed
 * with the scales, window and weights used (and how a small image was adapted).
 *
 * Images are decoded with @napi-rs/canvas and turned grey by ITU-R BT.601 luma,
 * Y = 0.299 R + 0.587 G + 0.114 B (what MATLAB's rgb2gray and PIL's convert("L") use), scaled to
 * [0, 1]; the alpha channel is ignored.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createCanvas, loadImage } from '@napi-rs/canvas';
import { ConfigError } from '../config/validate.js';
import { DEFAULT_SIGMA, msssim } from '../eval/msssim.js';

export const EVAL_USAGE = 'infobound eval msssim <a.png> <b.png> [--scales N] [--window W] [--sigma S] [--json]';

/** A PNG (or JPEG) file as grey values in [0, 1], row-major, by BT.601 luma. */
export async function readGreyImage(path: string): Promise<{ grey: Float64Array; height: number; width: number }> {
  if (!existsSync(path)) throw new ConfigError(`image not found: ${path}`);
  let img: Awaited<ReturnType<typeof loadImage>>;
  try {
    img = await loadImage(readFileSync(path));
  } catch (e) {
    throw new ConfigError(`cannot decode ${path} as an image (${(e as Error).message}); expected a PNG or JPEG file`);
  }
  const width = img.width,
    height = img.height;
  const ctx = createCanvas(width, height).getContext('2d');
  ctx.drawImage(img, 0, 0);
  const rgba = ctx.getImageData(0, 0, width, height).data;
  const grey = new Float64Array(width * height);
  for (let i = 0; i < grey.length; i++) grey[i] = (0.299 * rgba[4 * i] + 0.587 * rgba[4 * i + 1] + 0.114 * rgba[4 * i + 2]) / 255;
  return { grey, height, width };
}

function numOpt(v: string | undefined, name: string, integer: boolean): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n))) throw new ConfigError(`--${name} must be ${integer ? 'an integer' : 'a number'}, got "${v}"`);
  return n;
}

export async function cmdEval(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      scales: { type: 'string' },
      window: { type: 'string' },
      sigma: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const [what, ...files] = positionals;
  if (what !== 'msssim') throw new ConfigError(`eval: unknown evaluation ${JSON.stringify(what ?? '')}; expected msssim. usage: ${EVAL_USAGE}`);
  if (files.length !== 2) throw new ConfigError(`eval msssim needs two image files, got ${files.length}. usage: ${EVAL_USAGE}`);
  const [a, b] = await Promise.all(files.map(readGreyImage));
  if (a.height !== b.height || a.width !== b.width) {
    throw new ConfigError(
      `image sizes differ: ${files[0]} is ${a.width}x${a.height}, ${files[1]} is ${b.width}x${b.height} (width x height); MS-SSIM compares images of the same size`,
    );
  }
  const opts = {
    scales: numOpt(values.scales, 'scales', true),
    windowSize: numOpt(values.window, 'window', true),
    sigma: numOpt(values.sigma, 'sigma', false),
  };
  let r: ReturnType<typeof msssim>;
  try {
    r = msssim(a.grey, b.grey, a.height, a.width, opts);
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
  if (values.json) {
    const { perScale: _p, ...rest } = r;
    process.stdout.write(
      JSON.stringify({ ...rest, sigma: opts.sigma ?? DEFAULT_SIGMA, height: a.height, width: a.width, greyscale: 'BT.601 luma', a: files[0], b: files[1] }) +
        '\n',
    );
    return 0;
  }
  process.stdout.write(`MS-SSIM ${r.value.toFixed(6)}\n`);
  process.stdout.write(`  ${files[0]} vs ${files[1]}: ${a.width}x${a.height}, greyscale by BT.601 luma (0.299 R + 0.587 G + 0.114 B), values in [0, 1]\n`);
  process.stdout.write(
    `  ${r.scales} scale${r.scales === 1 ? '' : 's'}, ${r.windowSize}-px Gaussian window (σ ${opts.sigma ?? DEFAULT_SIGMA}), K1 0.01, K2 0.03, weights ${r.weights.map((w) => w.toFixed(4)).join(' ')}\n`,
  );
  process.stdout.write(`  adaptation: ${r.adaptation}\n`);
  return 0;
}
