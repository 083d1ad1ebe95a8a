/**
 * The script a sweep page runs in the browser (plain ES2017, no modules, so the page works from
 * file://). It reads the data embedded in <script id="report-data" type="application/json"> and draws
 * each chart — a metric across the grid, a point per seed, with its real x values — with the global
 * `tfvis` (tfjs-vis UMD bundle copied next to the page). Run pages need no script: their charts of
 * the metrics over steps are inline SVG (html.ts). When every
 * chart has rendered it sets <body data-charts="done"> (or "failed"), which the browser test
 * waits for; anything that goes wrong is shown in the page's notes, not only in the console.
 */
export const PAGE_SCRIPT = String.raw`(function () {
  'use strict';
  var body = document.body;
  function note(msg) {
    var list = document.getElementById('notes-list');
    document.getElementById('notes').hidden = false;
    var li = document.createElement('li');
    li.textContent = msg;
    list.appendChild(li);
  }
  var data;
  try {
    data = JSON.parse(document.getElementById('report-data').textContent);
  } catch (e) {
    note('the embedded report data could not be read: ' + e.message);
    body.dataset.charts = 'failed';
    return;
  }
  if (typeof tfvis === 'undefined') {
    note('tfjs-vis did not load (' + data.assets + '/tfjs-vis.umd.min.js is missing?): charts are not drawn; the tables and figures below are complete');
    body.dataset.charts = 'failed';
    return;
  }
  // vega-lite reads '.', '[' and ']' in a field name as a path; tfjs-vis uses series names as field names
  function safeName(s) { return String(s).replace(/\./g, '\u2024').replace(/\[/g, '\u27e6').replace(/\]/g, '\u27e7').replace(/\\/g, '/'); }
  function surface(id) {
    var el = document.querySelector('[data-chart-id="' + CSS.escape(id) + '"] .surface');
    if (!el) throw new Error('no container for chart ' + id);
    return el;
  }
  // a padded [min, max] so points on the extremes are not cut in half by the plot's edge
  function paddedDomain(vs) {
    var lo = Math.min.apply(null, vs), hi = Math.max.apply(null, vs);
    if (!isFinite(lo)) return [0, 1];
    var pad = hi > lo ? 0.08 * (hi - lo) : Math.max(0.5, 0.1 * Math.abs(lo));
    return [lo - pad, hi + pad];
  }
  function scatterChart(c) {
    var values = c.series.map(function (s) {
      return s.points.map(function (p) { return p.length > 2 ? { x: p[0], y: p[1], seed: p[2] } : { x: p[0], y: p[1] }; });
    });
    var all = [].concat.apply([], c.series.map(function (s) { return s.points; }));
    return tfvis.render.scatterplot(surface(c.id), { values: values, series: c.series.map(function (s) { return safeName(s.name); }) }, {
      xLabel: c.xLabel,
      yLabel: c.metric,
      xAxisDomain: paddedDomain(all.map(function (p) { return p[0]; })),
      yAxisDomain: paddedDomain(all.map(function (p) { return p[1]; })),
      height: 260,
    });
  }
  var jobs = (data.charts || []).map(function (c) {
    return Promise.resolve().then(function () { return scatterChart(c); }).then(
      function () { surface(c.id).parentNode.dataset.rendered = 'true'; },
      function (e) { note('chart ' + c.id + ' could not be drawn: ' + (e && e.message ? e.message : e)); throw e; });
  });
  Promise.all(jobs).then(function () { body.dataset.charts = 'done'; }, function () { body.dataset.charts = 'failed'; });
})();`;
