/**
 * The report's charts as inline SVG, drawn here so the page needs no chart library, script or
 * network. Each chart is a `<figure id=…>`; its data is drawn in `.series` elements whose
 * `data-points` attribute says how many values they hold, so a browser test can count them.
 * Every label from data goes through `escapeHtml`.
 */
import { linearScale, niceTicks, timeTicks } from './chart-scale.js';
import { escapeHtml } from './html-text.js';
import { formatOffset, formatSeconds } from './report-format.js';

const WIDTH = 760;
const HEIGHT = 260;
const MARGIN = { left: 72, right: 18, top: 14, bottom: 36 };
/** Series with at most this many points also get a dot (with a tooltip) per point. */
const MAX_DOTTED_POINTS = 60;

/** Colours for series, in order; they repeat after ten shards. */
export const SERIES_COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** One line of a line chart: `[seconds since start, value]` pairs. */
export interface LineSeries {
  name: string;
  points: readonly (readonly [number, number])[];
  /** Indexes of points that start a new stretch of line (after a restart), not joined to the one before. */
  breaks?: ReadonlySet<number>;
}

/** A line chart over campaign time. */
export interface LineChartSpec {
  id: string;
  title: string;
  yLabel: string;
  series: readonly LineSeries[];
  /** The x axis runs to at least this (the run's length). */
  xMaxSec: number;
  formatY: (value: number) => string;
  /** Shown instead of the plot when no series has a point. */
  emptyText: string;
}

/** A line chart, one coloured line per series, with a legend. */
export function lineChart(spec: LineChartSpec): string {
  const all = spec.series.flatMap((s) => s.points);
  if (all.length === 0) return figure(spec.id, spec.title, `<p class="empty">${escapeHtml(spec.emptyText)}</p>`);
  const xTicks = timeTicks(all.reduce((top, [t]) => Math.max(top, t), spec.xMaxSec));
  const yTicks = niceTicks(all.reduce((top, [, v]) => Math.max(top, v), 0));
  const x = linearScale(xTicks.at(-1) as number, MARGIN.left, WIDTH - MARGIN.right);
  const y = linearScale(yTicks.at(-1) as number, HEIGHT - MARGIN.bottom, MARGIN.top);
  const lines = spec.series.map((s, i) => {
    const colour = colourOf(i);
    const d = s.points.map(([t, v], j) => `${j === 0 || s.breaks?.has(j) ? 'M' : 'L'}${x(t)},${y(v)}`).join('');
    const dots =
      s.points.length <= MAX_DOTTED_POINTS
        ? s.points
            .map(
              ([t, v]) =>
                `<circle class="point" cx="${x(t)}" cy="${y(v)}" r="2.5" fill="${colour}"><title>${escapeHtml(`${s.name} ${formatOffset(t)}: ${spec.formatY(v)}`)}</title></circle>`,
            )
            .join('')
        : '';
    return (
      `<g class="series" data-series="${escapeHtml(s.name)}" data-points="${s.points.length}">` +
      `<path d="${d}" fill="none" stroke="${colour}" stroke-width="1.5"/>${dots}</g>`
    );
  });
  const svg = svgOf(spec.title, [yAxis(yTicks, y, spec.formatY, spec.yLabel), timeAxis(xTicks, x), ...lines]);
  return figure(spec.id, spec.title, svg + legend(spec.series.map((s) => s.name)));
}

/** One bar of a bar chart. */
export interface Bar {
  label: string;
  value: number;
  tooltip: string;
  /** Drawn in the alert colour (e.g. above a target). */
  alert: boolean;
}

/** A bar chart with one bar per category. */
export interface BarChartSpec {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  bars: readonly Bar[];
  emptyText: string;
}

/** A bar chart: categories along x, counts up y. */
export function barChart(spec: BarChartSpec): string {
  if (spec.bars.length === 0) return figure(spec.id, spec.title, `<p class="empty">${escapeHtml(spec.emptyText)}</p>`);
  const yTicks = niceTicks(spec.bars.reduce((top, b) => Math.max(top, b.value), 0));
  const y = linearScale(yTicks.at(-1) as number, HEIGHT - MARGIN.bottom, MARGIN.top);
  const band = (WIDTH - MARGIN.left - MARGIN.right) / spec.bars.length;
  const bars = spec.bars.map((b, i) => {
    const left = round(MARGIN.left + i * band + band * 0.1);
    const top = y(b.value);
    const fill = b.alert ? '#d62728' : '#1f77b4';
    return (
      `<rect class="bar" x="${left}" y="${top}" width="${round(band * 0.8)}" height="${round(HEIGHT - MARGIN.bottom - top)}" fill="${fill}">` +
      `<title>${escapeHtml(b.tooltip)}</title></rect>` +
      `<text class="tick" x="${round(left + band * 0.4)}" y="${HEIGHT - MARGIN.bottom + 14}" text-anchor="middle">${escapeHtml(b.label)}</text>`
    );
  });
  const svg = svgOf(spec.title, [
    yAxis(yTicks, y, (v) => String(v), spec.yLabel),
    `<text class="axis-label" x="${(MARGIN.left + WIDTH - MARGIN.right) / 2}" y="${HEIGHT - 4}" text-anchor="middle">${escapeHtml(spec.xLabel)}</text>`,
    `<g class="series" data-points="${spec.bars.length}">${bars.join('')}</g>`,
  ]);
  return figure(spec.id, spec.title, svg);
}

/** One mark on a timeline lane: a moment, optionally with a stretch after it (downtime). */
export interface TimelineMark {
  lane: string;
  t: number;
  durationSec: number | null;
  colour: string;
  /** Drawn as a square instead of a dot (e.g. a shard that FAILED). */
  square: boolean;
  tooltip: string;
}

/** A timeline: one lane per name, marks at their time. */
export interface TimelineSpec {
  id: string;
  title: string;
  lanes: readonly string[];
  marks: readonly TimelineMark[];
  xMaxSec: number;
  /** Legend entries: label and colour. */
  legend: readonly (readonly [string, string])[];
  emptyText: string;
}

/** A timeline of marks per lane over campaign time. */
export function timelineChart(spec: TimelineSpec): string {
  const laneHeight = 22;
  const height = MARGIN.top + MARGIN.bottom + Math.max(1, spec.lanes.length) * laneHeight;
  const xTicks = timeTicks(spec.marks.reduce((top, m) => Math.max(top, m.t + (m.durationSec ?? 0)), spec.xMaxSec));
  const x = linearScale(xTicks.at(-1) as number, MARGIN.left, WIDTH - MARGIN.right);
  const laneY = (lane: string) => MARGIN.top + (Math.max(0, spec.lanes.indexOf(lane)) + 0.5) * laneHeight;
  const lanes = spec.lanes.map(
    (lane) =>
      `<line class="grid" x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${laneY(lane)}" y2="${laneY(lane)}"/>` +
      `<text class="tick" x="${MARGIN.left - 6}" y="${laneY(lane) + 4}" text-anchor="end">${escapeHtml(lane)}</text>`,
  );
  const marks = spec.marks.map((m) => {
    const cx = x(m.t);
    const cy = laneY(m.lane);
    const stretch =
      m.durationSec !== null && m.durationSec > 0
        ? `<rect x="${cx}" y="${cy - 4}" width="${round(Math.max(1, x(m.t + m.durationSec) - cx))}" height="8" fill="${m.colour}" opacity="0.35"/>`
        : '';
    const shape = m.square
      ? `<rect class="point" x="${cx - 5}" y="${cy - 5}" width="10" height="10" fill="${m.colour}"><title>${escapeHtml(m.tooltip)}</title></rect>`
      : `<circle class="point" cx="${cx}" cy="${cy}" r="5" fill="${m.colour}"><title>${escapeHtml(m.tooltip)}</title></circle>`;
    return `<g class="mark">${stretch}${shape}</g>`;
  });
  const svg = svgOf(spec.title, [...lanes, timeAxis(xTicks, x, height), `<g class="series" data-points="${spec.marks.length}">${marks.join('')}</g>`], height);
  const empty = spec.marks.length === 0 ? `<p class="empty">${escapeHtml(spec.emptyText)}</p>` : '';
  const key = `<ul class="legend">${spec.legend.map(([label, colour]) => legendItem(label, colour)).join('')}</ul>`;
  return figure(spec.id, spec.title, svg + empty + key);
}

function svgOf(title: string, parts: readonly string[], height = HEIGHT): string {
  return `<svg viewBox="0 0 ${WIDTH} ${height}" width="100%" role="img" aria-label="${escapeHtml(title)}">${parts.join('')}</svg>`;
}

function figure(id: string, title: string, body: string): string {
  return `<figure class="chart" id="${escapeHtml(id)}"><figcaption>${escapeHtml(title)}</figcaption>${body}</figure>`;
}

function yAxis(ticks: readonly number[], y: (v: number) => number, format: (v: number) => string, label: string): string {
  const lines = ticks.map(
    (v) =>
      `<line class="grid" x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(v)}" y2="${y(v)}"/>` +
      `<text class="tick" x="${MARGIN.left - 6}" y="${y(v) + 4}" text-anchor="end">${escapeHtml(format(v))}</text>`,
  );
  const middle = (MARGIN.top + HEIGHT - MARGIN.bottom) / 2;
  return `${lines.join('')}<text class="axis-label" transform="translate(12 ${middle}) rotate(-90)" text-anchor="middle">${escapeHtml(label)}</text>`;
}

function timeAxis(ticks: readonly number[], x: (v: number) => number, height = HEIGHT): string {
  const base = height - MARGIN.bottom;
  const labels = ticks.map(
    (t) =>
      `<line class="axis" x1="${x(t)}" x2="${x(t)}" y1="${base}" y2="${base + 4}"/><text class="tick" x="${x(t)}" y="${base + 16}" text-anchor="middle">${escapeHtml(formatSeconds(t))}</text>`,
  );
  return (
    `<line class="axis" x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${base}" y2="${base}"/>${labels.join('')}` +
    `<text class="axis-label" x="${(MARGIN.left + WIDTH - MARGIN.right) / 2}" y="${height - 3}" text-anchor="middle">time since start</text>`
  );
}

function legend(names: readonly string[]): string {
  return `<ul class="legend">${names.map((name, i) => legendItem(name, colourOf(i))).join('')}</ul>`;
}

function legendItem(label: string, colour: string): string {
  return `<li><span class="swatch" style="background:${colour}"></span>${escapeHtml(label)}</li>`;
}

function colourOf(i: number): string {
  return SERIES_COLOURS[i % SERIES_COLOURS.length] as string;
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}
