/**
 * Inline SVG charts, drawn on the server so the pages read without
 * JavaScript: a time series (queue wait and build time), a histogram of
 * durations, and stacked outcome bars. Every mark carries a <title> with its
 * exact figure, which browsers show on hover.
 */
import type { Backend } from '../core/model.js';
import type { Outcome } from '../report/capacity.js';
import { formatDuration } from '../core/report.js';
import { html, type Html } from './html.js';

/**
 * Colours from Okabe and Ito's palette for colour-blind readers ("Color
 * Universal Design", 2008), each used once on the page: the backends are
 * two blues, so no outcome (a failure's vermillion above all) reads as a
 * backend.
 */
export const BACKEND_COLORS: Record<Backend, string> = { cbuild: '#0072B2', lava: '#56B4E9' };
export const OUTCOME_COLORS: Record<Outcome, string> = { passed: '#009E73', failed: '#D55E00', infra: '#E69F00', cancelled: '#999999', error: '#CC79A7' };

export interface Series<P> {
  name: string;
  color: string;
  points: P[];
}

const WIDTH = 640;
const HEIGHT = 240;
const PAD = { left: 64, right: 16, top: 28, bottom: 44 };
const PLOT_W = WIDTH - PAD.left - PAD.right;
const PLOT_H = HEIGHT - PAD.top - PAD.bottom;

function frame(title: string, body: Html | Html[], legend: { name: string; color: string }[]): Html {
  const legendItems = legend.map(
    (l, i) => html`<g transform="translate(${PAD.left + i * 110},${HEIGHT - 10})"><rect width="10" height="10" y="-9" fill="${l.color}"/><text x="14">${l.name}</text></g>`,
  );
  return html`<figure class="chart"><svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${title}" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" font-family="sans-serif" font-size="11">
<title>${title}</title>
<text x="${PAD.left}" y="16" font-size="13" font-weight="bold">${title}</text>
${body}
${legendItems}
</svg></figure>`;
}

function empty(title: string): Html {
  return frame(title, html`<text x="${WIDTH / 2}" y="${HEIGHT / 2}" text-anchor="middle" fill="#666">no builds in the window</text>`, []);
}

/** 0 … max in `count` steps, rounded up to a readable duration step. */
function durationTicks(max: number, count = 4): number[] {
  const steps = [1, 5, 10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14_400, 21_600, 43_200, 86_400].map((s) => s * 1000);
  const step = steps.find((s) => s * count >= max) ?? Math.ceil(max / count);
  return Array.from({ length: count + 1 }, (_, i) => i * step);
}

function yAxis(ticks: number[], scale: (v: number) => number, label: (v: number) => string): Html[] {
  return ticks.map(
    (t) => html`<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${scale(t)}" y2="${scale(t)}" stroke="#ddd"/><text x="${PAD.left - 6}" y="${scale(t) + 4}" text-anchor="end">${label(t)}</text>`,
  );
}

const round = (n: number) => Math.round(n * 10) / 10;

/**
 * The time axis: the span of the data (with a twentieth of it as margin; a
 * second either side of a single moment) inside the window, so that twenty
 * seconds of builds in a week's window spread over the chart instead of
 * sitting in one column.
 */
export function timeDomain(times: readonly number[], window: [number, number]): [number, number] {
  const first = Math.min(...times);
  const last = Math.max(...times);
  const margin = last > first ? (last - first) / 20 : 1000;
  return [Math.max(window[0], first - margin), Math.min(window[1], last + margin)];
}

/** A tick's time, as precise as the axis needs: milliseconds below ten seconds, seconds below two minutes, minutes below two days, else the date. */
export function timeLabel(t: number, span: number): string {
  const iso = new Date(t).toISOString();
  if (span < 10_000) return iso.slice(11, 23);
  if (span < 120_000) return iso.slice(11, 19);
  if (span < 2 * 86_400_000) return iso.slice(11, 16);
  return iso.slice(5, 16).replace('T', ' ');
}

/** Durations over time, one line and dots per series; `window` bounds the time axis, which spans the data. */
export function timeSeriesChart(title: string, series: Series<{ t: number; v: number; label: string }>[], window: [number, number]): Html {
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return empty(title);
  const ticks = durationTicks(Math.max(...all.map((p) => p.v), 1000));
  const yMax = ticks[ticks.length - 1];
  const [x0, x1] = timeDomain(all.map((p) => p.t), window);
  const x = (t: number) => round(PAD.left + ((t - x0) / (x1 - x0)) * PLOT_W);
  const y = (v: number) => round(PAD.top + PLOT_H - (v / yMax) * PLOT_H);
  const xTicks = Array.from({ length: 5 }, (_, i) => x0 + (i * (x1 - x0)) / 4);
  const body = [
    ...yAxis(ticks, y, (v) => formatDuration(v)),
    ...xTicks.map(
      (t, i) => html`<text class="tick" x="${x(t)}" y="${HEIGHT - PAD.bottom + 16}" text-anchor="${i === 0 ? 'start' : i === xTicks.length - 1 ? 'end' : 'middle'}">${timeLabel(t, x1 - x0)}</text>`,
    ),
    html`<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${PAD.top + PLOT_H}" y2="${PAD.top + PLOT_H}" stroke="#333"/>`,
    ...series.map((s) => {
      const points = [...s.points].sort((a, b) => a.t - b.t);
      return html`<g class="series" data-series="${s.name}"><polyline fill="none" stroke="${s.color}" stroke-width="1.5" points="${points.map((p) => `${x(p.t)},${y(p.v)}`).join(' ')}"/>${points.map(
        (p) => html`<circle cx="${x(p.t)}" cy="${y(p.v)}" r="3" fill="${s.color}"><title>${s.name}: ${formatDuration(p.v)} (${p.label})</title></circle>`,
      )}</g>`;
    }),
  ];
  return frame(title, body, series);
}

/** How durations spread: equal-width bins from 0 to the longest, one bar per series in each bin. */
export function histogramChart(title: string, series: Series<number>[], binCount = 8): Html {
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return empty(title);
  const binWidth = Math.max(durationTicks(Math.max(...all, 1000), binCount)[1], 1);
  const bins = Array.from({ length: binCount }, (_, i) => i * binWidth);
  const counts = series.map((s) => bins.map((lo, i) => s.points.filter((v) => v >= lo && (v < lo + binWidth || i === binCount - 1)).length));
  const maxCount = Math.max(...counts.flat(), 1);
  const ticks = Array.from({ length: 5 }, (_, i) => Math.ceil((maxCount * i) / 4));
  const y = (c: number) => round(PAD.top + PLOT_H - (c / ticks[4]) * PLOT_H);
  const slot = PLOT_W / binCount;
  const barW = (slot - 4) / series.length;
  const body = [
    ...yAxis([...new Set(ticks)], y, (v) => String(v)),
    ...bins.map(
      (lo, i) => html`<text x="${round(PAD.left + i * slot + slot / 2)}" y="${HEIGHT - PAD.bottom + 16}" text-anchor="middle">${formatDuration(lo)}–${i === binCount - 1 ? '' : formatDuration(lo + binWidth)}</text>`,
    ),
    ...series.map(
      (s, si) => html`<g class="series" data-series="${s.name}">${counts[si].map((c, i) =>
        c === 0
          ? ''
          : html`<rect x="${round(PAD.left + i * slot + 2 + si * barW)}" y="${y(c)}" width="${round(barW)}" height="${round(PAD.top + PLOT_H - y(c))}" fill="${s.color}"><title>${s.name}: ${c} builds of ${formatDuration(bins[i])} to ${i === binCount - 1 ? 'longest' : formatDuration(bins[i] + binWidth)}</title></rect>`,
      )}</g>`,
    ),
  ];
  return frame(title, body, series);
}

/** One horizontal bar per label, split into its parts (e.g. passed / failed / infra). */
export function stackedBarChart(title: string, bars: { label: string; parts: { name: string; value: number }[] }[], colors: Record<string, string>): Html {
  if (bars.length === 0) return empty(title);
  const total = (b: (typeof bars)[number]) => b.parts.reduce((n, p) => n + p.value, 0);
  const max = Math.max(...bars.map(total), 1);
  const rowH = Math.min(28, PLOT_H / bars.length);
  const left = 130;
  const scale = (WIDTH - left - PAD.right - 30) / max;
  const body = bars.map((b, i) => {
    let offset = left;
    const y = round(PAD.top + i * rowH);
    const segments = b.parts
      .filter((p) => p.value > 0)
      .map((p) => {
        const w = round(p.value * scale);
        const seg = html`<rect x="${round(offset)}" y="${y}" width="${w}" height="${round(rowH - 6)}" fill="${colors[p.name] ?? '#999'}"><title>${b.label}: ${p.value} ${p.name}</title></rect>`;
        offset += w;
        return seg;
      });
    return html`<g class="bar" data-label="${b.label}"><text x="${left - 6}" y="${round(y + rowH / 2)}" text-anchor="end">${b.label}</text>${segments}<text x="${round(offset + 4)}" y="${round(y + rowH / 2)}">${total(b)}</text></g>`;
  });
  return frame(title, body, Object.entries(colors).map(([name, color]) => ({ name, color })));
}
