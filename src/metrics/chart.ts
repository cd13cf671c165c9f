import type { ChatImage } from '../image.ts';
import type { MetricSeries, MetricSummary } from './source.ts';
import { splitWindow } from './summarize.ts';

/** A chart adapters can attach (Slack file upload, Teams inline image), with its alt text. */
export type ChartImage = ChatImage;

export interface ChartOptions {
  width?: number;
  height?: number;
}

const margin = { top: 36, right: 18, bottom: 34, left: 64 };
const colors = { line: '#1f6feb', previous: '#8c959f', threshold: '#cf222e', anomaly: 'rgba(207, 34, 46, 0.14)', grid: '#d0d7de', text: '#1f2328', background: '#ffffff' };

/**
 * Draws a metric's window as a PNG without a browser: a hand-built SVG (the current window as a
 * line, the previous window faded behind it for comparison, the threshold dashed, the anomalous
 * stretch shaded) rasterised by resvg. Only the points of the window are scaled; the previous
 * window is overlaid on the same time axis, shifted by one window.
 */
export async function renderMetricChart(series: MetricSeries, summary: MetricSummary, options: ChartOptions = {}): Promise<ChartImage> {
  const width = options.width ?? 720;
  const height = options.height ?? 300;
  const svg = metricChartSvg(series, summary, width, height);
  // The rasteriser is a native add-on: loaded on the first chart, not at start-up.
  const { renderAsync } = await import('@resvg/resvg-js');
  const rendered = await renderAsync(svg, {
    fitTo: { mode: 'original' },
    background: colors.background,
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
  });
  return {
    mimeType: 'image/png',
    png: new Uint8Array(rendered.asPng()),
    width: rendered.width,
    height: rendered.height,
    alt: chartAlt(summary),
    fileName: `${slug(summary.resourceName)}-${slug(summary.metric)}.png`,
  };
}

/** The chart as SVG text (what gets rasterised). */
export function metricChartSvg(series: MetricSeries, summary: MetricSummary, width: number, height: number): string {
  const { current, previous } = splitWindow(series);
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const windowMs = summary.windowMinutes * 60_000;
  const end = current.length ? Date.parse(current[current.length - 1]?.t ?? '') : Date.now();
  const start = series.windowStart ? Date.parse(series.windowStart) : end - windowMs;
  const span = Math.max(1, end - start);
  const values = [...current, ...previous].map((p) => p.v);
  if (summary.threshold !== undefined) values.push(summary.threshold);
  let lo = Math.min(0, ...values);
  let hi = Math.max(...values, lo + 1e-9);
  const pad = (hi - lo) * 0.08 || 1;
  hi += pad;
  if (lo < 0) lo -= pad;
  const x = (t: number): number => margin.left + ((t - start) / span) * plotW;
  const y = (v: number): number => margin.top + plotH - ((v - lo) / (hi - lo)) * plotH;
  const path = (points: { t: number; v: number }[]): string => points.map((p, i) => `${i ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ');

  const parts: string[] = [];
  parts.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="${colors.background}"/>`);
  // Shade the stretch that stands out: the threshold breach, else a baseline departure.
  const shade = anomalyStart(current, summary);
  if (shade !== undefined) {
    const from = Math.max(margin.left, x(shade));
    parts.push(`<rect x="${from.toFixed(1)}" y="${margin.top}" width="${(margin.left + plotW - from).toFixed(1)}" height="${plotH}" fill="${colors.anomaly}"/>`);
  }
  for (let i = 0; i <= 4; i += 1) {
    const v = lo + ((hi - lo) * i) / 4;
    const gy = y(v).toFixed(1);
    parts.push(`<line x1="${margin.left}" y1="${gy}" x2="${margin.left + plotW}" y2="${gy}" stroke="${colors.grid}" stroke-width="1"/>`);
    parts.push(`<text x="${margin.left - 6}" y="${gy}" font-size="11" fill="${colors.text}" text-anchor="end" dominant-baseline="middle">${escape(formatValue(v))}</text>`);
  }
  if (previous.length > 1) {
    const shifted = previous.map((p) => ({ t: Date.parse(p.t) + windowMs, v: p.v })).filter((p) => p.t >= start);
    if (shifted.length > 1) parts.push(`<path d="${path(shifted)}" fill="none" stroke="${colors.previous}" stroke-width="1.5" stroke-dasharray="2 3"/>`);
  }
  if (summary.threshold !== undefined) {
    const ty = y(summary.threshold).toFixed(1);
    parts.push(`<line x1="${margin.left}" y1="${ty}" x2="${margin.left + plotW}" y2="${ty}" stroke="${colors.threshold}" stroke-width="1.5" stroke-dasharray="6 4"/>`);
    parts.push(`<text x="${margin.left + plotW - 4}" y="${(Number(ty) - 5).toFixed(1)}" font-size="11" fill="${colors.threshold}" text-anchor="end">threshold ${escape(formatValue(summary.threshold))}</text>`);
  }
  const line = current.map((p) => ({ t: Date.parse(p.t), v: p.v }));
  if (line.length > 1) parts.push(`<path d="${path(line)}" fill="none" stroke="${colors.line}" stroke-width="2.2" stroke-linejoin="round"/>`);
  if (line.length === 1) parts.push(`<circle cx="${x(line[0]?.t ?? end).toFixed(1)}" cy="${y(line[0]?.v ?? 0).toFixed(1)}" r="3" fill="${colors.line}"/>`);
  const last = line[line.length - 1];
  if (last) parts.push(`<circle cx="${x(last.t).toFixed(1)}" cy="${y(last.v).toFixed(1)}" r="3.5" fill="${summary.anomaly ? colors.threshold : colors.line}"/>`);
  parts.push(`<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="${colors.grid}"/>`);
  parts.push(`<text x="${margin.left}" y="20" font-size="14" font-weight="bold" fill="${colors.text}">${escape(`${summary.resourceName} · ${summary.metric}${summary.unit ? ` (${summary.unit})` : ''}`)}</text>`);
  parts.push(`<text x="${margin.left}" y="${height - 10}" font-size="11" fill="${colors.text}">${escape(clock(start))}</text>`);
  parts.push(`<text x="${margin.left + plotW}" y="${height - 10}" font-size="11" fill="${colors.text}" text-anchor="end">${escape(`${clock(end)} UTC · last ${summary.windowMinutes} min · ${summary.source}`)}</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img"><title>${escape(chartAlt(summary))}</title>${parts.join('')}</svg>`;
}

/** One sentence describing the chart. */
export function chartAlt(s: MetricSummary): string {
  const unit = s.unit ? ` ${s.unit}` : '';
  const sentences = [`Line chart of ${s.metric} for ${s.resourceName} over the last ${s.windowMinutes} minutes: between ${s.min} and ${s.max}${unit}, last ${s.last}${unit}, average ${s.avg}.`];
  if (s.change?.percent !== undefined) sentences.push(`The dotted grey line is the previous ${s.windowMinutes} minutes (average ${s.change.previousAvg}, ${s.change.percent >= 0 ? 'up' : 'down'} ${Math.abs(s.change.percent)}% since).`);
  if (s.threshold !== undefined) sentences.push(`The dashed red line is the threshold ${s.threshold}.`);
  if (s.anomaly) sentences.push(`Shaded: ${s.anomaly}.`);
  else if (s.baseline?.departs) sentences.push(`Shaded: the latest stretch (${s.baseline.latest}) is well ${s.baseline.direction} its baseline ${s.baseline.baseline}.`);
  return sentences.join(' ');
}

function anomalyStart(points: readonly { t: string; v: number }[], s: MetricSummary): number | undefined {
  if (s.threshold !== undefined && s.anomaly) {
    let first: number | undefined;
    for (let i = points.length - 1; i >= 0 && (points[i]?.v ?? -Infinity) > s.threshold; i -= 1) first = i;
    if (first !== undefined) return Date.parse(points[first]?.t ?? '');
  }
  if (s.baseline?.departs && points.length >= 4) {
    const latest = Math.max(3, Math.floor(points.length / 4));
    return Date.parse(points[points.length - latest]?.t ?? '');
  }
  return undefined;
}

function formatValue(v: number): string {
  const abs = Math.abs(v);
  if (abs >= 1e9) return `${(v / 1e9).toFixed(1)}G`;
  if (abs >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (abs >= 1e4) return `${(v / 1e3).toFixed(1)}k`;
  if (abs >= 100) return v.toFixed(0);
  if (abs >= 1) return v.toFixed(1);
  return v.toFixed(2);
}

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16);
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60) || 'metric';
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
