/**
 * A labelled grid of coloured cells with a number in each — a table read as a heat-map (the
 * `bmi` benchmark's estimator × task figure). Rows and columns are categories (tasks,
 * estimators), so the cells are laid out by label, not on numeric axes; colours are the
 * toolkit's viridis (heatmap.ts), grey for a missing value.
 */
import { createCanvas } from '@napi-rs/canvas';
import { FONT } from './canvas.js';
import { MISSING_COLOR, viridis } from './heatmap.js';

export interface AnnotatedGridOptions {
  title?: string;
  /** one label per row (top to bottom) and per column (left to right). */
  rowLabels: string[];
  colLabels: string[];
  /** rows × columns values that set the colours; non-finite cells are grey. */
  values: number[][];
  /** the text in each cell (default: the value to 2 decimals, "–" when missing). */
  text?: string[][];
  /** colour range (default: the finite min and max). */
  vmin?: number;
  vmax?: number;
  /** a line under the grid saying what the colours mean. */
  caption?: string;
}

/** The grid as a PNG. */
export function annotatedGrid(o: AnnotatedGridOptions): Buffer {
  const R = o.rowLabels.length,
    C = o.colLabels.length;
  if (o.values.length !== R || o.values.some((r) => r.length !== C)) throw new Error(`annotatedGrid: values must be ${R}×${C} (rows × columns)`);
  const measure = createCanvas(10, 10).getContext('2d');
  const width = (s: string, font: string) => {
    measure.font = font;
    return measure.measureText(s).width;
  };
  const labelFont = `13px ${FONT}`,
    cellFont = `12px ${FONT}`,
    titleFont = `bold 15px ${FONT}`;
  const text = o.text ?? o.values.map((r) => r.map((v) => (Number.isFinite(v) ? v.toFixed(2) : '–')));
  const cellW = Math.ceil(Math.max(64, ...o.colLabels.map((l) => width(l, labelFont) + 12), ...text.flat().map((t) => width(t, cellFont) + 12)));
  const cellH = 28;
  const left = Math.ceil(Math.max(...o.rowLabels.map((l) => width(l, labelFont)), 10) + 20);
  const top = (o.title ? 40 : 10) + 26;
  const W = left + C * cellW + 16;
  const H = top + R * cellH + (o.caption ? 34 : 12);
  const canvas = createCanvas(W, H);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, W, H);
  ctx.fillStyle = '#111111';
  if (o.title) {
    ctx.font = titleFont;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText(o.title, W / 2, 20);
  }
  const finite = o.values.flat().filter(Number.isFinite);
  const lo = o.vmin ?? (finite.length ? Math.min(...finite) : 0);
  const hi0 = o.vmax ?? (finite.length ? Math.max(...finite) : 1);
  const hi = hi0 > lo ? hi0 : lo + 1;
  ctx.font = labelFont;
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'center';
  o.colLabels.forEach((l, j) => ctx.fillText(l, left + (j + 0.5) * cellW, top - 13));
  ctx.textAlign = 'right';
  o.rowLabels.forEach((l, i) => ctx.fillText(l, left - 10, top + (i + 0.5) * cellH));
  ctx.font = cellFont;
  ctx.textAlign = 'center';
  for (let i = 0; i < R; i++) {
    for (let j = 0; j < C; j++) {
      const v = o.values[i][j];
      const t = (v - lo) / (hi - lo);
      const [r, g, b] = Number.isFinite(v) ? viridis(t) : MISSING_COLOR;
      ctx.fillStyle = `rgb(${r}, ${g}, ${b})`;
      ctx.fillRect(left + j * cellW, top + i * cellH, cellW, cellH);
      // light text on the dark half of viridis, dark text on the light half
      ctx.fillStyle = Number.isFinite(v) && t < 0.55 ? '#ffffff' : '#111111';
      ctx.fillText(text[i][j], left + (j + 0.5) * cellW, top + (i + 0.5) * cellH);
    }
  }
  ctx.strokeStyle = '#ffffff';
  ctx.lineWidth = 1;
  for (let i = 1; i < R; i++) {
    ctx.beginPath();
    ctx.moveTo(left, top + i * cellH + 0.5);
    ctx.lineTo(left + C * cellW, top + i * cellH + 0.5);
    ctx.stroke();
  }
  for (let j = 1; j < C; j++) {
    ctx.beginPath();
    ctx.moveTo(left + j * cellW + 0.5, top);
    ctx.lineTo(left + j * cellW + 0.5, top + R * cellH);
    ctx.stroke();
  }
  if (o.caption) {
    ctx.fillStyle = '#333333';
    ctx.font = `12px ${FONT}`;
    ctx.textAlign = 'left';
    ctx.fillText(o.caption, 10, top + R * cellH + 18);
  }
  return canvas.toBuffer('image/png');
}
