/** Density maps (KDE on a grid) with the viridis colormap, one or several panels side by side. */
import { createCanvas } from '@napi-rs/canvas';
import { FONT, formatNumber, niceTicks } from './canvas.js';

// viridis at 9 evenly spaced points (matplotlib's table), interpolated linearly between them
const VIRIDIS = [
  [68, 1, 84], [71, 44, 122], [59, 81, 139], [44, 113, 142], [33, 144, 141],
  [39, 173, 129], [92, 200, 99], [170, 220, 50], [253, 231, 37],
];

export function viridis(t: number): [number, number, number] {
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(u));
  const f = u - i;
  return [0, 1, 2].map((c) => Math.round(VIRIDIS[i][c] + f * (VIRIDIS[i + 1][c] - VIRIDIS[i][c]))) as [number, number, number];
}

export interface HeatmapPanel {
  title: string;
  /** row-major, `height` rows of `width` cells; row 0 is the lowest y. */
  values: ArrayLike<number>;
  width: number;
  height: number;
  xRange: [number, number];
  yRange: [number, number];
}

/**
 * Panels side by side, each scaled to its own maximum (a density's shape is what is compared),
 * with axes ticks and a shared colour bar from 0 to that maximum ("relative density").
 */
export function heatmapPanels(panels: HeatmapPanel[], opts: { title?: string; panelSize?: number } = {}): Buffer {
  const size = opts.panelSize ?? 360;
  const padL = 48, padB = 40, padT = 28, gap = 24, barW = 70;
  const top = opts.title ? 36 : 8;
  const W = panels.length * (size + padL + gap) + barW, H = top + padT + size + padB;
  const canvas = createCanvas(W, H);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, W, H);
  ctx.fillStyle = '#111111';
  if (opts.title) {
    ctx.font = `bold 16px ${FONT}`;
    ctx.textAlign = 'center';
    ctx.fillText(opts.title, W / 2, 24);
  }
  panels.forEach((p, k) => {
    const x0 = k * (size + padL + gap) + padL, y0 = top + padT;
    let max = 0;
    for (let i = 0; i < p.values.length; i++) if (Number.isFinite(p.values[i])) max = Math.max(max, p.values[i]);
    const img = ctx.createImageData(p.width, p.height);
    for (let r = 0; r < p.height; r++)
      for (let c = 0; c < p.width; c++) {
        const [R, G, B] = viridis(max > 0 ? p.values[r * p.width + c] / max : 0);
        const o = ((p.height - 1 - r) * p.width + c) * 4; // flip: row 0 is the bottom
        img.data[o] = R;
        img.data[o + 1] = G;
        img.data[o + 2] = B;
        img.data[o + 3] = 255;
      }
    const tile = createCanvas(p.width, p.height);
    tile.getContext('2d').putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(tile, x0, y0, size, size);
    ctx.strokeStyle = '#333333';
    ctx.strokeRect(x0, y0, size, size);
    ctx.fillStyle = '#111111';
    ctx.font = `bold 14px ${FONT}`;
    ctx.textAlign = 'center';
    ctx.fillText(p.title, x0 + size / 2, y0 - 8);
    ctx.font = `11px ${FONT}`;
    for (const t of niceTicks(p.xRange[0], p.xRange[1], 5)) {
      if (t < p.xRange[0] || t > p.xRange[1]) continue;
      ctx.fillText(formatNumber(t), x0 + ((t - p.xRange[0]) / (p.xRange[1] - p.xRange[0])) * size, y0 + size + 16);
    }
    ctx.textAlign = 'right';
    for (const t of niceTicks(p.yRange[0], p.yRange[1], 5)) {
      if (t < p.yRange[0] || t > p.yRange[1]) continue;
      ctx.fillText(formatNumber(t), x0 - 6, y0 + size - ((t - p.yRange[0]) / (p.yRange[1] - p.yRange[0])) * size + 4);
    }
  });
  // colour bar
  const bx = W - barW + 16, by = top + padT;
  for (let i = 0; i < size; i++) {
    const [R, G, B] = viridis(1 - i / size);
    ctx.fillStyle = `rgb(${R},${G},${B})`;
    ctx.fillRect(bx, by + i, 16, 1);
  }
  ctx.strokeStyle = '#333333';
  ctx.strokeRect(bx, by, 16, size);
  ctx.fillStyle = '#111111';
  ctx.font = `11px ${FONT}`;
  ctx.textAlign = 'left';
  ctx.fillText('max', bx + 20, by + 8);
  ctx.fillText('0', bx + 20, by + size);
  ctx.save();
  ctx.translate(bx + 46, by + size / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textAlign = 'center';
  ctx.fillText('relative density', 0, 0);
  ctx.restore();
  return canvas.toBuffer('image/png');
}
