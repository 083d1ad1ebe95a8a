/**
 * HTML for the report pages: a run page, a sweep page and the index of an outputs directory.
 * Pages are static and open offline from file://. A run page's charts of the logged metrics are
 * inline SVG drawn by src/plot (the figures' look, x in real steps, no script needed); a sweep
 * page's charts are drawn in the browser by the tfjs-vis bundle copied next to it (no CDN), from
 * data embedded as JSON in a <script type="application/json"> block, escaped so no string in it
 * can close the block.
 */
import { niceStep, ROLE_COLORS } from '../plot/canvas.js';
import { lineChart } from '../plot/lineChart.js';
import { metricCharts, type MetricChart } from './metricCharts.js';
import { PAGE_SCRIPT } from './pageScript.js';
import type { IndexEntry, Json, RunData, SweepData } from './readRun.js';
import { sweepCharts, type SweepChart } from './sweepCharts.js';

export const escapeHtml = (s: unknown): string =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * JSON safe inside a <script> element: '<', '>' and '&' become \u003c, \u003e, \u0026 (so
 * "</script>" or "<!--" in a string cannot end or alter the block) and U+2028/2029 are escaped;
 * non-finite numbers become strings, as in metrics.jsonl. JSON.parse gives back the same value.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v))
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** A number for a table: 4 significant digits, integers as they are. */
export function fmt(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : Number.isFinite(v) ? String(Number(v.toPrecision(4))) : String(v);
  if (v === undefined || v === null) return '–';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** Size of a metric chart on the run page (it scales to its box, keeping this aspect). */
const METRIC_CHART = [560, 300] as const;

/**
 * A metric chart as inline SVG: one line per series over the logged steps (dots where a series has
 * a single point), the true MI dashed in black. Clip-path ids get the chart's index, so the many
 * SVGs of one page never share an id.
 */
export function metricSvg(c: MetricChart, index: number): string {
  const series = c.series.map((s, i) => ({
    name: s.name,
    x: s.points.map((p) => p.step),
    y: s.points.map((p) => p.y),
    colorIndex: i,
    markers: c.kind === 'scatter',
    ...(s.name === 'true MI' ? { color: ROLE_COLORS.reference, dashed: true } : {}),
  }));
  // x from step 0 to a round step at or past the last one, so the ticks read whole steps
  const last = Math.max(1, ...c.series.flatMap((s) => s.points.map((p) => p.step)));
  const unit = niceStep(last, 5);
  const xRange: [number, number] = [Math.min(0, ...c.series.flatMap((s) => s.points.map((p) => p.step))), Math.ceil(last / unit) * unit];
  const svg = lineChart(
    { series, xLabel: 'step', yLabel: c.metric, xRange, width: METRIC_CHART[0], height: METRIC_CHART[1], legend: c.series.length > 1 },
    { format: 'svg' },
  ).toString('utf8');
  return svg
    .replace(/^<\?xml[^>]*>\n/, '')
    .replace(/(id="|url\(#)clip(\d+)/g, `$1chart${index}-clip$2`)
    .replace('<svg ', `<svg role="img" aria-label="${escapeHtml(`${c.metric} over steps`)}" `);
}

function embedScatter(c: SweepChart) {
  return {
    kind: 'scatter',
    id: c.id,
    metric: c.metric,
    xLabel: c.xLabel,
    series: c.series.map((s) => ({ name: s.name, points: s.points.map((p) => (p.seed >= 0 ? [p.x, p.y, p.seed] : [p.x, p.y])) })),
  };
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1200px;padding:16px 24px;color:#222}
h1{font-size:22px;margin:8px 0}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd}h3{font-size:14px;margin:4px 0}
table{border-collapse:collapse;margin:6px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}th{background:#f5f5f5}
.status{display:inline-block;padding:1px 8px;border-radius:9px;font-size:13px;background:#eee}
.status.completed{background:#d8f0d8}.status.failed{background:#f6d6d6}.status.interrupted{background:#f8ecc8}
#notes{background:#fff4d6;border:1px solid #e0c060;padding:6px 12px;margin:10px 0}#notes ul{margin:4px 0;padding-left:20px}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:14px}
.chart{border:1px solid #e4e4e4;border-radius:4px;padding:6px 8px}.chart .surface{min-height:280px}.chart .caption{color:#666;font-size:12px}
.chart svg{display:block;width:100%;height:auto}
.gallery{display:grid;grid-template-columns:repeat(auto-fill,minmax(360px,1fr));gap:12px}
.gallery figure{margin:0;border:1px solid #e4e4e4;padding:6px}.gallery img{width:100%;height:auto}
pre{background:#f7f7f7;padding:8px;overflow:auto;max-height:480px}code{font-size:12px}
`;

function page(title: string, assets: string | undefined, bodyHtml: string, data: unknown): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body data-charts="${assets === undefined ? 'none' : 'pending'}">
${bodyHtml}
<script id="report-data" type="application/json">${jsonForScript(data)}</script>
${assets === undefined ? '' : `<script src="${escapeHtml(assets)}/tfjs-vis.umd.min.js"></script>\n<script>${PAGE_SCRIPT}</script>`}
</body></html>
`;
}

function notesBlock(notes: string[]): string {
  return `<div id="notes"${notes.length ? '' : ' hidden'}><strong>Notes</strong><ul id="notes-list">${notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul></div>`;
}

function factsTable(rows: [string, unknown][]): string {
  return `<table class="facts">${rows
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(fmt(v))}</td></tr>`)
    .join('')}</table>`;
}

function objectTable(rows: Json[], columns?: string[]): string {
  const cols = columns ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const isNum = (c: string) => rows.some((r) => typeof r[c] === 'number');
  return `<table><tr>${cols.map((c) => `<th${isNum(c) ? ' class="num"' : ''}>${escapeHtml(c)}</th>`).join('')}</tr>${rows
    .map((r) => `<tr>${cols.map((c) => `<td${isNum(c) ? ' class="num"' : ''}>${escapeHtml(fmt(r[c]))}</td>`).join('')}</tr>`)
    .join('')}</table>`;
}

/** Image files as a gallery; `captions` gives a file a line of description above its name. */
function gallery(images: string[], prefix = '', captions: Map<string, string> = new Map()): string {
  if (images.length === 0) return '<p>No figures.</p>';
  return `<div class="gallery">${images
    .map((f) => {
      const about = captions.get(f);
      return `<figure><a href="${escapeHtml(encodeURI(prefix + f))}"><img src="${escapeHtml(encodeURI(prefix + f))}" alt="${escapeHtml(about ?? f)}"></a><figcaption>${about ? `${escapeHtml(about)}<br>` : ''}${escapeHtml(f)}</figcaption></figure>`;
    })
    .join('')}</div>`;
}

/**
 * A sweep's figures in the order comparison.json lists them (trade-off, lines against a numeric
 * key, bars), each with its description (its PNG, or its SVG when no PNG was written), then any
 * other PNG of the directory.
 */
export function sweepFigures(s: Pick<SweepData, 'comparison' | 'images'>): { images: string[]; captions: Map<string, string> } {
  const listed = (Array.isArray(s.comparison?.figures) ? s.comparison.figures : []) as Json[];
  const captions = new Map<string, string>();
  for (const f of listed) {
    const files = (Array.isArray(f.files) ? f.files : []).filter((n): n is string => typeof n === 'string');
    const file = files.find((n) => n.endsWith('.png')) ?? files.find((n) => n.endsWith('.svg'));
    if (file && typeof f.description === 'string') captions.set(file, f.description);
  }
  return { images: [...captions.keys(), ...s.images.filter((f) => !captions.has(f))], captions };
}

/** A chart's box: drawn in the browser into its empty surface, or given its drawing (`svg`). */
function chartBox(id: string, title: string, caption: string, points: number, svg?: string): string {
  const surface = svg === undefined ? '<div class="surface"></div>' : svg;
  return `<div class="chart" data-chart-id="${escapeHtml(id)}" data-points="${points}"><h3>${escapeHtml(title)}</h3>${surface}${caption ? `<div class="caption">${escapeHtml(caption)}</div>` : ''}</div>`;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

const statusBadge = (s: unknown) => `<span class="status ${escapeHtml(String(s ?? 'unknown'))}">${escapeHtml(String(s ?? 'no summary'))}</span>`;

/**
 * The run page. Its charts are inline SVG: it loads no script, so `_assets` (the href of the
 * tfjs-vis directory, which sweep pages use) is not needed here.
 */
export function runPage(r: RunData, _assets?: string, up?: { href: string; label: string }): string {
  const run = r.run ?? {};
  const summary = r.summary ?? {};
  const backend = (summary.backend ?? run.backend) as Json | undefined;
  const notes = [...r.notes, ...r.metrics.problems.map((p) => `metrics.jsonl line ${p.line} could not be read: ${p.message}`)];
  if (typeof summary.error === 'string') notes.unshift(`the run ${summary.status}: ${summary.error.split('\n')[0]}`);
  const charts = metricCharts(r.metrics.records);
  const sections = [...new Set(charts.map((c) => c.section))];
  const chartsHtml = charts.length
    ? sections
        .map(
          (s) =>
            `${sections.length > 1 ? `<h3>${escapeHtml(s)}</h3>` : ''}<div class="charts">${charts
              .filter((c) => c.section === s)
              .map((c) => {
                const pts = c.series.reduce((a, x) => a + x.points.length, 0);
                const bad = c.series.filter((x) => x.nonFinite > 0).map((x) => `${x.name}: ${x.nonFinite} non-finite value(s) not drawn`);
                return chartBox(
                  c.id,
                  c.metric,
                  [`${plural(c.series.length, 'series', 'series')}, ${plural(pts, 'point', 'points')}`, ...bad].join('; '),
                  pts,
                  metricSvg(c, charts.indexOf(c)),
                );
              })
              .join('')}</div>`,
        )
        .join('')
    : '<p>No metrics logged.</p>';
  const metrics = (summary.metrics ?? {}) as Json;
  const body = `
${up ? `<p><a href="${escapeHtml(up.href)}">← ${escapeHtml(up.label)}</a></p>` : ''}
<h1>${escapeHtml(String(summary.experiment ?? run.experiment ?? 'run'))} <small>${escapeHtml(r.id)}</small> ${statusBadge(summary.status)}</h1>
${notesBlock(notes)}
${factsTable([
  ['task', summary.task ?? run.task],
  ['seed', summary.seed ?? run.seed],
  ['backend', backend ? `${backend.name}${backend.tfjs ? ` (tfjs ${backend.tfjs})` : ''}` : undefined],
  ['wall time', typeof summary.wallSeconds === 'number' ? `${summary.wallSeconds.toFixed(1)} s` : undefined],
  ['started', summary.startedAt ?? run.startedAt],
  ['finished', summary.finishedAt],
  ['git commit', summary.gitCommit ?? run.gitCommit],
  ['command', Array.isArray(run.argv) ? `infobound ${(run.argv as string[]).join(' ')}` : undefined],
  ['logged lines', r.metrics.records.length],
])}
<h2>Final metrics</h2>
${Object.keys(metrics).length ? objectTable(Object.entries(metrics).map(([k, v]) => ({ metric: k, value: v }))) : '<p>None (the run did not finish).</p>'}
${r.table?.length ? `<h2>Estimates</h2>${objectTable(r.table)}` : ''}
<h2>Metrics over steps</h2>
${chartsHtml}
<h2>Figures</h2>
${gallery(r.images)}
<h2>Config</h2>
<details open><summary>config.json</summary><pre><code>${escapeHtml(JSON.stringify(r.config ?? null, null, 2))}</code></pre></details>
`;
  return page(`${String(summary.experiment ?? run.experiment ?? 'run')} ${r.id}`, undefined, body, { charts: charts.length });
}

export function sweepPage(s: SweepData, assets: string): string {
  const sw = s.sweep ?? {};
  const grid = (Array.isArray(sw.grid) ? sw.grid : []) as { key: string; values: unknown[] }[];
  const rows = (Array.isArray(s.comparison?.rows) ? s.comparison.rows : []) as Json[];
  const names = [...new Set(rows.flatMap((r) => Object.keys((r.metrics ?? {}) as Json)))];
  const ms = (x: unknown, seedsOk: number) => {
    const m = x as { mean?: number; std?: number; n?: number } | undefined;
    const some = m && typeof m.n === 'number' && m.n < seedsOk ? ` (${m.n}/${seedsOk} seeds)` : '';
    return m && typeof m.mean === 'number' && Number.isFinite(m.mean) ? `${fmt(m.mean)} ± ${fmt(m.std)}${some}` : `–${some}`;
  };
  const compTable = rows.length
    ? `<table><tr>${grid.map((g) => `<th>${escapeHtml(g.key)}</th>`).join('')}<th>seeds ok</th>${names.map((n) => `<th class="num">${escapeHtml(n)}</th>`).join('')}</tr>${rows
        .map((r) => {
          const vals = (r.values ?? {}) as Json;
          const failed = Array.isArray(r.failed) ? r.failed.length : 0;
          return `<tr>${grid.map((g) => `<td>${escapeHtml(fmt(vals[g.key]))}</td>`).join('')}<td>${escapeHtml(`${r.seeds}/${Number(r.seeds) + failed}`)}</td>${names
            .map((n) => `<td class="num">${escapeHtml(ms(((r.metrics ?? {}) as Json)[n], Number(r.seeds)))}</td>`)
            .join('')}</tr>`;
        })
        .join('')}</table><p class="caption">mean ± std over the seeds that completed; (k/n seeds): only k of them reported the metric</p>`
    : '<p>No comparison yet.</p>';
  const charts = sweepCharts(grid, s.cells);
  const figs = sweepFigures(s);
  const cellsTable = `<table><tr><th>cell</th><th>seed</th><th>status</th><th>report</th><th>error</th></tr>${s.cells
    .map(
      (c) =>
        `<tr><td>${escapeHtml(c.label)}</td><td>${c.seed}</td><td>${statusBadge(c.status)}</td><td><a href="${escapeHtml(encodeURI(`${c.relDir}/index.html`))}">${escapeHtml(c.relDir)}</a></td><td>${escapeHtml(c.error ?? '')}</td></tr>`,
    )
    .join('')}</table>`;
  const body = `
<h1>${escapeHtml(String(sw.experiment ?? 'sweep'))} <small>${escapeHtml(s.id)}</small></h1>
${notesBlock(s.notes)}
${factsTable([
  ['grid', grid.map((g) => `${g.key} ∈ {${g.values.map(fmt).join(', ')}}`).join(' × ')],
  ['seeds', Array.isArray(sw.seeds) ? sw.seeds.join(', ') : undefined],
  ['steps', sw.steps],
  ['cells', `${s.cells.filter((c) => c.status === 'completed').length}/${s.cells.length} completed`],
  ['experiment file', sw.file],
])}
<h2>Comparison</h2>
${compTable}
<h2>Metrics across the grid</h2>
<p class="caption">one point per seed and the mean over seeds; x = ${escapeHtml(grid[0]?.key ?? '')}</p>
<noscript><p>The charts need JavaScript; the table above does not.</p></noscript>
<div class="charts">${charts
    .map((c) =>
      chartBox(
        c.id,
        c.metric,
        c.categories ? '' : '',
        c.series.reduce((a, x) => a + x.points.length, 0),
      ),
    )
    .join('')}</div>
<h2>Cells</h2>
${cellsTable}
<h2>Figures</h2>
${gallery(figs.images, '', figs.captions)}
`;
  return page(`${String(sw.experiment ?? 'sweep')} ${s.id}`, assets, body, { assets, charts: charts.map(embedScatter) });
}

/** The index of every run and sweep under an outputs directory (no charts: no script needed). */
export function indexPage(root: string, entries: IndexEntry[]): string {
  const keyMetrics = (m: Record<string, unknown>) =>
    Object.entries(m)
      .filter(([, v]) => typeof v === 'number')
      .slice(0, 6)
      .map(([k, v]) => `${k} ${fmt(v)}`)
      .join(', ');
  const rows = entries
    .map((e) => {
      const href = encodeURI(`${e.relDir}/${e.hasReport ? 'index.html' : ''}`);
      return `<tr><td>${escapeHtml(e.experiment)}</td><td>${e.kind}</td><td><a href="${escapeHtml(href)}">${escapeHtml(e.relDir)}</a>${e.hasReport ? '' : ' <small>(no report yet)</small>'}</td><td>${escapeHtml(e.date ?? '')}</td><td>${statusBadge(e.status)}</td><td class="num">${e.wallSeconds === undefined ? '' : `${e.wallSeconds.toFixed(1)} s`}</td><td>${escapeHtml(e.plan ?? keyMetrics(e.metrics))}</td></tr>`;
    })
    .join('');
  const body = `<h1>Runs in ${escapeHtml(root)}</h1>
<p>${entries.length} runs and sweeps, newest first. A run without a report links to its directory: <code>infobound report &lt;dir&gt;</code> writes one.</p>
<table id="runs"><tr><th>experiment</th><th>kind</th><th>run</th><th>date</th><th>status</th><th class="num">wall time</th><th>key metrics (sweeps: grid)</th></tr>${rows}</table>`;
  return page(`infobound runs: ${root}`, undefined, body, { entries: entries.length });
}
