/**
 * Charts as PNG (@napi-rs/canvas) or SVG (vector, text as text) from one drawing code: every chart
 * function takes RenderOptions ({ format, caption }) and returns the file's bytes as a Buffer;
 * writing it is the caller's job. One look across the toolkit: PALETTE (colour-blind safe: Okabe & Ito, then Paul Tol),
 * FONTS and SIZES.
 */
export {
  PALETTE,
  ROLE_COLORS,
  FONT,
  FONTS,
  SIZES,
  paletteColor,
  niceTicks,
  logTicks,
  formatNumber,
  finiteRange,
  makeScale,
  type Scale,
  type Rect,
  type Tick,
  type LegendEntry,
  type PlotLayout,
} from './canvas.js';
export { createFigure, FIGURE_FORMATS, CAPTION_HEIGHT, type Figure, type FigureFormat, type RenderOptions } from './figure.js';
export { SvgContext } from './svg.js';
export type { DrawContext } from './drawContext.js';
export { lineChart, linePanels, lineChartLayout, type LineSeries, type RefLine, type LineChartOptions, type LinePanelsOptions } from './lineChart.js';
export { scatterPlot, scatterPanels, scatterLayout, type PointGroup, type ScatterOptions, type ScatterPanelsOptions } from './scatterPlot.js';
export { heatmap, heatmapPanels, heatmapLayout, viridis, MISSING_COLOR, type HeatmapPanel, type HeatmapOptions, type HeatmapPanelsOptions } from './heatmap.js';
export { annotatedGrid, type AnnotatedGridOptions } from './annotatedGrid.js';
export { barChart, barChartLayout, type BarSeries, type BarChartOptions } from './barChart.js';
export {
  errorBarChart,
  errorBarPanels,
  errorBarLayout,
  errorBarXAxis,
  type ErrorBarPoint,
  type ErrorBarSeries,
  type ErrorBarChartOptions,
  type ErrorBarPanelsOptions,
  type ErrorBarXAxis,
} from './errorBarChart.js';
export { imageGrid, imageGridLayout, type ImageGridOptions, type ImageGridLayout } from './imageGrid.js';
