/**
 * The part of the Canvas 2D API the charts draw with. Two backends implement it: @napi-rs/canvas's
 * context (pixels → PNG) and SvgContext (elements → SVG, text kept as text), so each chart is
 * drawn by one piece of code in both formats.
 *
 * Style properties are declared write-only in effect (read type `unknown`): charts set them and
 * never read them back, which lets the canvas context, whose getters return wider types, satisfy
 * the interface as it is.
 */

/** RGBA pixels, 8 bits per channel, row-major (what createImageData gives and putImageData takes). */
export interface PixelData {
  readonly width: number;
  readonly height: number;
  readonly data: { [i: number]: number; readonly length: number; set(values: ArrayLike<number>, offset?: number): void };
}

export type TextAlign = 'left' | 'right' | 'center';
export type TextBaseline = 'top' | 'middle' | 'bottom' | 'alphabetic';

export interface DrawContext {
  get fillStyle(): unknown;
  /** a CSS colour: #rgb, #rrggbb, rgb(…) or rgba(…). */
  set fillStyle(v: string);
  get strokeStyle(): unknown;
  set strokeStyle(v: string);
  lineWidth: number;
  get lineJoin(): unknown;
  set lineJoin(v: 'miter' | 'round' | 'bevel');
  globalAlpha: number;
  get font(): unknown;
  /** a CSS font shorthand, e.g. `bold 15px "DejaVu Sans", sans-serif`. */
  set font(v: string);
  get textAlign(): unknown;
  set textAlign(v: TextAlign);
  get textBaseline(): unknown;
  set textBaseline(v: TextBaseline);
  setLineDash(segments: number[]): void;
  save(): void;
  restore(): void;
  translate(x: number, y: number): void;
  rotate(angle: number): void;
  beginPath(): void;
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
  arc(x: number, y: number, radius: number, startAngle: number, endAngle: number): void;
  rect(x: number, y: number, w: number, h: number): void;
  closePath(): void;
  fill(): void;
  stroke(): void;
  clip(): void;
  fillRect(x: number, y: number, w: number, h: number): void;
  strokeRect(x: number, y: number, w: number, h: number): void;
  fillText(text: string, x: number, y: number): void;
  measureText(text: string): { width: number };
  createImageData(width: number, height: number): PixelData;
  putImageData(image: PixelData, x: number, y: number): void;
}
