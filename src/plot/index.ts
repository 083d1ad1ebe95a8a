/** PNG charts on @napi-rs/canvas. Every function returns a Buffer; writing it is the caller's job. */
export {
  PALETTE,
  FONT,
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
export { lineChart, lineChartLayout, type LineSeries, type RefLine, type LineChartOptions } from './lineChart.js';
export { scatterPlot, scatterPanels, scatterLayout, type PointGroup, type ScatterOptions, type ScatterPanelsOptions } from './scatterPlot.js';
export { heatmap, heatmapPanels, heatmapLayout, viridis, type HeatmapPanel, type HeatmapOptions, type HeatmapPanelsOptions } from './heatmap.js';
export { barChart, barChartLayout, type BarSeries, type BarChartOptions } from './barChart.js';
export { imageGrid, imageGridLayout, type ImageGridOptions, type ImageGridLayout } from './imageGrid.js';
