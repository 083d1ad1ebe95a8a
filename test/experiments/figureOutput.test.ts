import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/validate.js';
import { curvePanels, figureCaption, FigureWriter, parseFigureOptions } from '../../src/experiments/figureOutput.js';
import { RunDir } from '../../src/io/runDir.js';
import { lineChart } from '../../src/plot/lineChart.js';

const run = () => new RunDir(join(mkdtempSync(join(tmpdir(), 'infobound-fig-')), '20261202-043549-s3'));
const chart = { title: 't', series: [{ name: 'a', x: [0, 1], y: [0, 1] }] };

describe('figure output', () => {
  it('writes every figure as PNG and SVG by default', () => {
    const out = run();
    const files = new FigureWriter(out, parseFigureOptions(undefined), { experiment: 'exp', seed: 3, step: 600 }).write('curves', (r) => lineChart(chart, r));
    expect(files.map((f) => f.slice(out.dir.length + 1))).toEqual(['curves.png', 'curves.svg']);
    expect(readFileSync(files[1], 'utf8')).toContain('<desc>exp · seed 3 · step 600 · run 20261202-043549-s3</desc>');
  });

  it('"figures": { "formats": ["svg"] } switches PNG off', () => {
    const out = run();
    new FigureWriter(out, parseFigureOptions({ formats: ['svg'] }), { experiment: 'exp', seed: 0 }).write('modes', (r) => lineChart(chart, r));
    expect(readdirSync(out.dir)).toEqual(['modes.svg']);
    expect(existsSync(out.path('modes.png'))).toBe(false);
  });

  it('rejects a bad figures field with one line naming it', () => {
    const bad: [unknown, string][] = [
      [{ formats: ['pdf'] }, 'figures.formats must be a non-empty list of distinct formats from ["png","svg"], got ["pdf"]'],
      [{ formats: [] }, 'figures.formats must be a non-empty list of distinct formats from ["png","svg"], got []'],
      [{ formats: ['svg', 'svg'] }, 'figures.formats must be a non-empty list of distinct formats from ["png","svg"], got ["svg","svg"]'],
      [{ formats: 'svg' }, 'figures.formats must be a non-empty list of distinct formats from ["png","svg"], got "svg"'],
    ];
    for (const [v, msg] of bad) expect(() => parseFigureOptions(v)).toThrow(new ConfigError(msg));
    expect(() => parseFigureOptions({ format: ['svg'] })).toThrow(ConfigError);
    expect(() => parseFigureOptions('svg')).toThrow(ConfigError);
  });

  it('captions name the experiment, setting, seed, step and run', () => {
    expect(figureCaption({ experiment: 'minegan-25gaussians', setting: 'mi.beta=1', seed: 0, step: 3000 }, '20261202-043549-s0')).toBe(
      'minegan-25gaussians [mi.beta=1] · seed 0 · step 3000 · run 20261202-043549-s0',
    );
    expect(figureCaption({ experiment: 'ib-mnist', setting: 'default', seed: 2, step: 'epoch 5' })).toBe('ib-mnist · seed 2 · epoch 5');
  });

  it('puts each training curve in its own panel with its unit, leaving out curves with no finite value', () => {
    const panels = curvePanels(
      [0, 50],
      { dLoss: [1.4, 1.3], mi: [0.1, 0.5], clipScale: [NaN, NaN] },
      ['dLoss', 'gLoss', 'mi', 'clipScale'],
      'I(G(z); z) estimate',
    );
    expect(panels.map((p) => [p.title, p.yLabel])).toEqual([
      ['discriminator loss', 'D loss (nats)'],
      ['I(G(z); z) estimate', 'nats'],
    ]);
  });
});
