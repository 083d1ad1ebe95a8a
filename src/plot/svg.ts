/**
 * A DrawContext that writes SVG: paths, circles and rectangles as vector elements, text as <text>
 * (selectable, editable, searchable in a paper's PDF), pixel images (heatmap cells, image tiles)
 * as embedded PNGs. Text is measured with @napi-rs/canvas in the same font as the PNG backend, so
 * layouts (tick spacing, ellipsised labels) are identical in both formats.
 *
 * Coordinates are transformed to the page as they are added (as a canvas does), so clip paths and
 * elements share one coordinate system; only rotated text keeps a transform attribute.
 */
import { createCanvas, ImageData, type SKRSContext2D } from '@napi-rs/canvas';
import type { DrawContext, PixelData, TextAlign, TextBaseline } from './drawContext.js';

type Matrix = [number, number, number, number, number, number];

interface State {
  fill: string;
  stroke: string;
  lineWidth: number;
  lineJoin: 'miter' | 'round' | 'bevel';
  dash: number[];
  alpha: number;
  font: string;
  align: TextAlign;
  baseline: TextBaseline;
  m: Matrix;
  /** clip groups opened since the matching save(). */
  groups: number;
}

/** A number for an attribute: at most 2 decimals, no "-0". */
export function svgNum(v: number): string {
  const r = Math.round(v * 100) / 100;
  return String(r === 0 ? 0 : r);
}

const opacity = (v: number) => String(Math.round(Math.min(1, Math.max(0, v)) * 1000) / 1000);

const escapeXml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);

/** A CSS colour as an SVG paint and opacity: rgba(r,g,b,a) → rgb(r,g,b) and a (resvg and print tools read these best). */
function paint(color: string, alpha: number): { color: string; opacity: number } {
  const m = /^rgba\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)\s*\)$/i.exec(color.trim());
  if (m) return { color: `rgb(${m[1]},${m[2]},${m[3]})`, opacity: Number(m[4]) * alpha };
  return { color, opacity: alpha };
}

/** `bold 15px "DejaVu Sans", sans-serif` → its SVG font attributes. */
export function fontAttributes(font: string): string {
  const m = /^\s*((?:[a-z0-9-]+\s+)*?)(\d+(?:\.\d+)?)px(?:\/\S+)?\s+(.+)$/i.exec(font);
  if (!m) return `font-size="10" font-family="sans-serif"`;
  const words = m[1].trim().split(/\s+/).filter(Boolean);
  const weight = words.find((w) => /^(bold|bolder|lighter|[1-9]00)$/i.test(w));
  const style = words.find((w) => /^(italic|oblique)$/i.test(w));
  return `font-size="${m[2]}" font-family="${escapeXml(m[3].replace(/"/g, "'"))}"${weight ? ` font-weight="${weight}"` : ''}${style ? ` font-style="${style}"` : ''}`;
}

export class SvgContext implements DrawContext {
  private readonly body: string[] = [];
  private readonly stack: State[] = [];
  private s: State = {
    fill: '#000000',
    stroke: '#000000',
    lineWidth: 1,
    lineJoin: 'miter',
    dash: [],
    alpha: 1,
    font: '10px sans-serif',
    align: 'left',
    baseline: 'alphabetic',
    m: [1, 0, 0, 1, 0, 0],
    groups: 0,
  };
  private d: string[] = [];
  /** the path is one full circle (drawn as <circle>, the common case in scatter plots). */
  private circle: { cx: number; cy: number; r: number } | null = null;
  private hasPoint = false;
  private clipCount = 0;
  /** the presentation attributes of the open <g> that groups consecutive elements drawn alike. */
  private openStyle: string | null = null;
  private readonly baselineShift = new Map<string, number>();

  constructor(
    readonly width: number,
    readonly height: number,
    private readonly measurer: SKRSContext2D = createCanvas(1, 1).getContext('2d'),
  ) {}

  get fillStyle(): string {
    return this.s.fill;
  }
  set fillStyle(v: string) {
    this.s.fill = v;
  }
  get strokeStyle(): string {
    return this.s.stroke;
  }
  set strokeStyle(v: string) {
    this.s.stroke = v;
  }
  get lineWidth(): number {
    return this.s.lineWidth;
  }
  set lineWidth(v: number) {
    if (v > 0 && Number.isFinite(v)) this.s.lineWidth = v;
  }
  get lineJoin(): string {
    return this.s.lineJoin;
  }
  set lineJoin(v: 'miter' | 'round' | 'bevel') {
    this.s.lineJoin = v;
  }
  get globalAlpha(): number {
    return this.s.alpha;
  }
  set globalAlpha(v: number) {
    if (v >= 0 && v <= 1) this.s.alpha = v;
  }
  get font(): string {
    return this.s.font;
  }
  set font(v: string) {
    this.s.font = v;
  }
  get textAlign(): string {
    return this.s.align;
  }
  set textAlign(v: TextAlign) {
    this.s.align = v;
  }
  get textBaseline(): string {
    return this.s.baseline;
  }
  set textBaseline(v: TextBaseline) {
    this.s.baseline = v;
  }
  setLineDash(segments: number[]): void {
    this.s.dash = segments.every((x) => x >= 0 && Number.isFinite(x)) ? [...segments] : this.s.dash;
  }

  save(): void {
    this.stack.push({ ...this.s, dash: [...this.s.dash], m: [...this.s.m] as Matrix });
    this.s.groups = 0;
  }
  restore(): void {
    const prev = this.stack.pop();
    if (!prev) return;
    this.closeStyle();
    for (let i = 0; i < this.s.groups; i++) this.body.push('</g>');
    this.s = prev;
  }
  translate(x: number, y: number): void {
    const m = this.s.m;
    m[4] += m[0] * x + m[2] * y;
    m[5] += m[1] * x + m[3] * y;
  }
  rotate(angle: number): void {
    const [a, b, c, d] = this.s.m,
      cos = Math.cos(angle),
      sin = Math.sin(angle);
    this.s.m[0] = a * cos + c * sin;
    this.s.m[1] = b * cos + d * sin;
    this.s.m[2] = c * cos - a * sin;
    this.s.m[3] = d * cos - b * sin;
  }

  private pt(x: number, y: number): string {
    const m = this.s.m;
    return `${svgNum(m[0] * x + m[2] * y + m[4])} ${svgNum(m[1] * x + m[3] * y + m[5])}`;
  }
  private scale(): number {
    const m = this.s.m;
    return Math.sqrt(Math.abs(m[0] * m[3] - m[1] * m[2]));
  }

  beginPath(): void {
    this.d = [];
    this.circle = null;
    this.hasPoint = false;
  }
  moveTo(x: number, y: number): void {
    if (!Number.isFinite(x) || !Number.isFinite(y)) return;
    this.d.push(`M${this.pt(x, y)}`);
    this.circle = null;
    this.hasPoint = true;
  }
  lineTo(x: number, y: number): void {
    if (!Number.isFinite(x) || !Number.isFinite(y)) return;
    this.d.push(`${this.hasPoint ? 'L' : 'M'}${this.pt(x, y)}`);
    this.circle = null;
    this.hasPoint = true;
  }
  /** Clockwise from startAngle to endAngle (the canvas default), as SVG arc commands. */
  arc(x: number, y: number, radius: number, startAngle: number, endAngle: number): void {
    if (![x, y, radius, startAngle, endAngle].every(Number.isFinite) || radius < 0) return;
    const fresh = this.d.length === 0;
    const at = (a: number) => this.pt(x + radius * Math.cos(a), y + radius * Math.sin(a));
    const r = svgNum(radius * this.scale());
    this.d.push(`${this.hasPoint ? 'L' : 'M'}${at(startAngle)}`);
    let sweep = endAngle - startAngle;
    if (sweep >= 2 * Math.PI) {
      // a full circle: two half arcs (one arc with equal end points draws nothing)
      this.d.push(`A${r} ${r} 0 1 1 ${at(startAngle + Math.PI)}`, `A${r} ${r} 0 1 1 ${at(startAngle)}`);
      const m = this.s.m;
      this.circle = fresh ? { cx: m[0] * x + m[2] * y + m[4], cy: m[1] * x + m[3] * y + m[5], r: radius * this.scale() } : null;
    } else {
      sweep = ((sweep % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI);
      this.d.push(`A${r} ${r} 0 ${sweep > Math.PI ? 1 : 0} 1 ${at(startAngle + sweep)}`);
      this.circle = null;
    }
    this.hasPoint = true;
  }
  rect(x: number, y: number, w: number, h: number): void {
    if (![x, y, w, h].every(Number.isFinite)) return;
    this.d.push(`M${this.pt(x, y)}L${this.pt(x + w, y)}L${this.pt(x + w, y + h)}L${this.pt(x, y + h)}Z`);
    this.circle = null;
    this.hasPoint = true;
  }
  closePath(): void {
    if (this.d.length) this.d.push('Z');
    this.circle = null;
  }

  private fillAttrs(): string {
    const p = paint(this.s.fill, this.s.alpha);
    return `fill="${escapeXml(p.color)}"${p.opacity < 1 ? ` fill-opacity="${opacity(p.opacity)}"` : ''}`;
  }
  private strokeAttrs(): string {
    const p = paint(this.s.stroke, this.s.alpha);
    const k = this.scale();
    let a = `fill="none" stroke="${escapeXml(p.color)}" stroke-width="${svgNum(this.s.lineWidth * k)}"`;
    if (p.opacity < 1) a += ` stroke-opacity="${opacity(p.opacity)}"`;
    if (this.s.dash.length && this.s.dash.some((v) => v > 0)) a += ` stroke-dasharray="${this.s.dash.map((v) => svgNum(v * k)).join(' ')}"`;
    if (this.s.lineJoin !== 'miter') a += ` stroke-linejoin="${this.s.lineJoin}"`;
    return a;
  }
  /** Appends an element, inside a <g> carrying `style` (shared with the elements before it when equal). */
  private emit(style: string, element: string): void {
    if (style !== this.openStyle) {
      this.closeStyle();
      this.body.push(`<g ${style}>`);
      this.openStyle = style;
    }
    this.body.push(element);
  }
  private closeStyle(): void {
    if (this.openStyle !== null) this.body.push('</g>');
    this.openStyle = null;
  }

  fill(): void {
    if (this.d.length === 0) return;
    if (this.circle) this.emit(this.fillAttrs(), `<circle cx="${svgNum(this.circle.cx)}" cy="${svgNum(this.circle.cy)}" r="${svgNum(this.circle.r)}"/>`);
    else this.emit(this.fillAttrs(), `<path d="${this.d.join('')}"/>`);
  }
  stroke(): void {
    if (this.d.length === 0) return;
    this.emit(this.strokeAttrs(), `<path d="${this.d.join('')}"/>`);
  }
  clip(): void {
    this.closeStyle();
    const id = `clip${++this.clipCount}`;
    this.body.push(`<clipPath id="${id}"><path d="${this.d.join('') || 'M0 0Z'}"/></clipPath>`, `<g clip-path="url(#${id})">`);
    this.s.groups++;
  }

  private rectElement(x: number, y: number, w: number, h: number): string {
    const m = this.s.m;
    if (m[0] === 1 && m[1] === 0 && m[2] === 0 && m[3] === 1) {
      const x0 = Math.min(x, x + w) + m[4],
        y0 = Math.min(y, y + h) + m[5];
      return `<rect x="${svgNum(x0)}" y="${svgNum(y0)}" width="${svgNum(Math.abs(w))}" height="${svgNum(Math.abs(h))}"/>`;
    }
    return `<path d="M${this.pt(x, y)}L${this.pt(x + w, y)}L${this.pt(x + w, y + h)}L${this.pt(x, y + h)}Z"/>`;
  }
  fillRect(x: number, y: number, w: number, h: number): void {
    if (![x, y, w, h].every(Number.isFinite) || w === 0 || h === 0) return;
    this.emit(this.fillAttrs(), this.rectElement(x, y, w, h));
  }
  strokeRect(x: number, y: number, w: number, h: number): void {
    if (![x, y, w, h].every(Number.isFinite)) return;
    this.emit(this.strokeAttrs(), this.rectElement(x, y, w, h));
  }

  measureText(text: string): { width: number } {
    this.measurer.font = this.s.font;
    return { width: this.measurer.measureText(text).width };
  }
  /**
   * How far below the requested baseline the alphabetic baseline lies, measured in the canvas
   * backend: SVG renderers disagree on dominant-baseline, so text is always placed by its
   * alphabetic baseline.
   */
  private baselineOffset(): number {
    const key = `${this.s.font}|${this.s.baseline}`;
    let dy = this.baselineShift.get(key);
    if (dy === undefined) {
      this.measurer.font = this.s.font;
      this.measurer.textBaseline = 'alphabetic';
      const alphabetic = this.measurer.measureText('Hg').actualBoundingBoxAscent;
      this.measurer.textBaseline = this.s.baseline;
      dy = alphabetic - this.measurer.measureText('Hg').actualBoundingBoxAscent;
      this.measurer.textBaseline = 'alphabetic';
      this.baselineShift.set(key, dy);
    }
    return dy;
  }
  fillText(text: string, x: number, y: number): void {
    if (!Number.isFinite(x) || !Number.isFinite(y) || text === '') return;
    const m = this.s.m;
    const anchor = this.s.align === 'center' ? ' text-anchor="middle"' : this.s.align === 'right' ? ' text-anchor="end"' : '';
    const style = `${this.fillAttrs()} ${fontAttributes(this.s.font)}${anchor}`;
    const y1 = y + this.baselineOffset();
    const placed =
      m[0] === 1 && m[1] === 0 && m[2] === 0 && m[3] === 1
        ? `x="${svgNum(x + m[4])}" y="${svgNum(y1 + m[5])}"`
        : `transform="matrix(${m.map((v, i) => (i < 4 ? String(Math.round(v * 1e6) / 1e6) : svgNum(v))).join(' ')})" x="${svgNum(x)}" y="${svgNum(y1)}"`;
    this.emit(style, `<text ${placed}>${escapeXml(text)}</text>`);
  }

  createImageData(width: number, height: number): PixelData {
    const w = Math.max(1, Math.floor(width)),
      h = Math.max(1, Math.floor(height));
    return { width: w, height: h, data: new Uint8ClampedArray(w * h * 4) };
  }
  /** The pixels as an embedded PNG at (x, y), one image pixel per unit (like putImageData, not transformed). */
  putImageData(image: PixelData, x: number, y: number): void {
    const c = createCanvas(image.width, image.height);
    const data = new Uint8ClampedArray(image.width * image.height * 4);
    data.set(image.data as unknown as ArrayLike<number>);
    c.getContext('2d').putImageData(new ImageData(data, image.width, image.height), 0, 0);
    const href = `data:image/png;base64,${c.toBuffer('image/png').toString('base64')}`;
    // nearest-neighbour when a viewer zooms in: cells and pixels stay sharp
    this.emit(
      'image-rendering="optimizeSpeed" style="image-rendering:pixelated"',
      `<image x="${svgNum(x)}" y="${svgNum(y)}" width="${image.width}" height="${image.height}" preserveAspectRatio="none" xlink:href="${href}"/>`,
    );
  }

  /** The document: everything drawn so far, groups closed. `title` and `desc` describe it to screen readers and file browsers. */
  toSvg(meta: { title?: string; desc?: string } = {}): string {
    const body = [...this.body];
    if (this.openStyle !== null) body.push('</g>');
    let open = this.s.groups + this.stack.reduce((a, s) => a + s.groups, 0);
    while (open-- > 0) body.push('</g>');
    return [
      '<?xml version="1.0" encoding="UTF-8"?>',
      `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" version="1.1" width="${this.width}" height="${this.height}" viewBox="0 0 ${this.width} ${this.height}">`,
      meta.title ? `<title>${escapeXml(meta.title)}</title>` : '',
      meta.desc ? `<desc>${escapeXml(meta.desc)}</desc>` : '',
      // canvas' miter limit is 10 (SVG's default is 4); text keeps runs of spaces as drawn
      '<g stroke-miterlimit="10" xml:space="preserve">',
      ...body,
      '</g>',
      '</svg>',
      '',
    ]
      .filter((l) => l !== '')
      .join('\n');
  }
}
