import { Resvg } from '@resvg/resvg-js';
import { describe, expect, it } from 'vitest';
import { FONT, FONTS, PALETTE, ROLE_COLORS, SIZES } from '../../src/plot/canvas.js';
import { CAPTION_HEIGHT, createFigure } from '../../src/plot/figure.js';
import { lineChart } from '../../src/plot/lineChart.js';
import { SvgContext } from '../../src/plot/svg.js';
import { CHARTS, pixelDifference, resvgPixels, SAME_CHART } from './figures.js';
import { decode, pngSize } from './png.js';

const svgOf = (name: string) => CHARTS[name]({ format: 'svg' }).toString('utf8');
const texts = (svg: string) => [...svg.matchAll(/<text [^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);

describe('SVG figures', () => {
  it('every chart kind gives well-formed SVG (resvg parses it strictly) with its words as <text> elements', () => {
    for (const name of Object.keys(CHARTS)) {
      const svg = svgOf(name);
      expect(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"'), name).toBe(true);
      expect(() => new Resvg(svg), name).not.toThrow();
      expect(svg, name).not.toMatch(/NaN|Infinity/);
      expect(texts(svg).length, name).toBeGreaterThan(0);
    }
    expect(texts(svgOf('line'))).toEqual(expect.arrayContaining(['MI estimate over training: σ → ∞', 'step', 'nats', 'MINE', 'NWJ', 'true MI']));
    expect(texts(svgOf('digits'))).toEqual(expect.arrayContaining(['digits', 'x', 'G(F(x))']));
  });

  it('every chart kind looks the same in SVG (rendered by resvg) as in PNG, at the same size', async () => {
    for (const name of Object.keys(CHARTS)) {
      const png = await decode(CHARTS[name]({ format: 'png' }));
      const svg = await resvgPixels(svgOf(name));
      expect(pixelDifference(png, svg), `${name}: share of unmatched pixels`).toBeLessThan(SAME_CHART);
    }
  });

  it('the comparison tells charts apart: a line moved by 8 pixels fails it', async () => {
    const line = (dy: number, format: 'png' | 'svg') =>
      lineChart({ yRange: [0, 2], series: [{ name: 'a', x: [0, 1, 2], y: [0.5 + dy, 1.5 + dy, 0.5 + dy] }] }, { format });
    expect(pixelDifference(await decode(line(0, 'png')), await resvgPixels(line(0, 'svg')))).toBeLessThan(SAME_CHART);
    // 0.02 of a 2-unit axis about 410 px tall
    expect(pixelDifference(await decode(line(0, 'png')), await resvgPixels(line(0.02, 'svg')))).toBeGreaterThan(SAME_CHART);
  });

  it('a caption adds a strip under the chart, as text in the SVG and its <desc>', async () => {
    const caption = 'minegan-25gaussians · seed 3 · step 3000 · run 20261202-043549-s3';
    const png = CHARTS.line({ caption });
    expect(pngSize(png)).toEqual({ width: SIZES.chart[0], height: SIZES.chart[1] + CAPTION_HEIGHT });
    const svg = CHARTS.line({ format: 'svg', caption }).toString('utf8');
    expect(svg).toContain(`height="${SIZES.chart[1] + CAPTION_HEIGHT}"`);
    expect(svg).toContain(`<desc>${caption}</desc>`);
    expect(texts(svg)).toContain(caption);
    expect(pixelDifference(await decode(png), await resvgPixels(svg))).toBeLessThan(SAME_CHART);
  });

  it('every figure uses the toolkit font and the colour-blind-safe palette', () => {
    // Okabe & Ito (2008), "Color Universal Design": blue, vermillion, bluish green, reddish purple, orange, sky blue
    expect(PALETTE.slice(0, 6)).toEqual(['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9']);
    for (const c of Object.values(ROLE_COLORS)) expect([...PALETTE, '#000000']).toContain(c);
    for (const f of Object.values(FONTS)) expect(f.endsWith(FONT)).toBe(true);
    const family = `font-family="${FONT.replace(/"/g, '&apos;')}"`;
    for (const name of Object.keys(CHARTS)) {
      const svg = svgOf(name);
      const families = new Set([...svg.matchAll(/font-family="([^"]*)"/g)].map((m) => m[0]));
      expect([...families], name).toEqual([family]);
    }
    // the default series colours are the palette's, in order
    const svg = svgOf('line');
    expect(svg).toContain(`stroke="${PALETTE[0]}"`);
    expect(svg).toContain(`stroke="${PALETTE[1]}"`);
  });
});

describe('SvgContext', () => {
  const el = (draw: (c: SvgContext) => void) => {
    const c = new SvgContext(100, 50);
    draw(c);
    return c.toSvg();
  };

  it('places text by its alphabetic baseline: "top" moves it down by the ascent measured in the PNG backend', () => {
    const svg = el((c) => {
      c.font = FONTS.tick;
      c.textBaseline = 'top';
      c.textAlign = 'center';
      c.fillText('a & <b>', 10, 20);
    });
    // DejaVu Sans at 12 px: the em box ascends 9.125 px above the alphabetic baseline
    expect(svg).toContain('<text x="10" y="29.13">a &amp; &lt;b&gt;</text>');
    expect(svg).toContain('text-anchor="middle"');
  });

  it('keeps rotated text as text, with a rotation matrix', () => {
    const svg = el((c) => {
      c.translate(20, 30);
      c.rotate(-Math.PI / 2);
      c.fillText('nats', 0, 0);
    });
    expect(svg).toContain('<text transform="matrix(0 -1 1 0 20 30)" x="0" y="0">nats</text>');
  });

  it('draws a full-circle path as <circle>, rgba colours and global alpha as opacity, a clip as a clipPath group', () => {
    const svg = el((c) => {
      c.save();
      c.beginPath();
      c.rect(0, 0, 50, 50);
      c.clip();
      c.globalAlpha = 0.5;
      c.fillStyle = 'rgba(0,114,178,0.4)';
      c.beginPath();
      c.arc(5, 6, 2, 0, 2 * Math.PI);
      c.fill();
      c.restore();
    });
    expect(svg).toContain('<clipPath id="clip1"><path d="M0 0L50 0L50 50L0 50Z"/></clipPath>');
    expect(svg).toMatch(/<g clip-path="url\(#clip1\)">\n<g fill="rgb\(0,114,178\)" fill-opacity="0.2">\n<circle cx="5" cy="6" r="2"\/>\n<\/g>\n<\/g>/);
  });

  it('strokes with width, dashes and joins as set', () => {
    const svg = el((c) => {
      c.strokeStyle = '#D55E00';
      c.lineWidth = 2;
      c.lineJoin = 'round';
      c.setLineDash([7, 5]);
      c.beginPath();
      c.moveTo(0, 0);
      c.lineTo(10, 5);
      c.stroke();
    });
    expect(svg).toContain('<g fill="none" stroke="#D55E00" stroke-width="2" stroke-dasharray="7 5" stroke-linejoin="round">\n<path d="M0 0L10 5"/>');
  });

  it('a figure in SVG has the size of its PNG', () => {
    const f = createFigure(321.4, 123.6, { format: 'svg' });
    expect([f.width, f.height]).toEqual([321, 124]);
    expect(f.encode().toString('utf8')).toContain('width="321" height="124" viewBox="0 0 321 124"');
  });
});
