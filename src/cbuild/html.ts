/**
 * HTML for people looking at the simulated CBuild: Apache-style directory
 * indexes on the results host (what cbuild.validation.linaro.org/build/ looked
 * like: a static tree), and the scheduler's status page.
 */
import type { CBuildHost, CBuildJob, DirectoryEntry, QueueSummary } from './wire.js';
import { encodePathSegment } from './wire.js';
import { describeSpec } from './scheduler.js';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function humanSize(bytes: number): string {
  if (bytes < 1024) return String(bytes);
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)}K`;
  return `${(bytes / (1024 * 1024)).toFixed(1)}M`;
}

/** `2013-01-28 12:00`, as Apache prints modification times. */
function shortTime(iso: string): string {
  return iso.slice(0, 16).replace('T', ' ');
}

const STYLE =
  'body{font-family:sans-serif}table{border-collapse:collapse}' +
  'td,th{padding:2px 12px;text-align:left;vertical-align:top}th{border-bottom:1px solid #999}';

/** `path` is the URL path of the directory, ending in `/`. */
export function renderDirectoryIndex(path: string, entries: readonly DirectoryEntry[]): string {
  const rows = entries.map((entry) => {
    const href = encodePathSegment(entry.name) + (entry.type === 'directory' ? '/' : '');
    const label = entry.name + (entry.type === 'directory' ? '/' : '');
    const size = entry.size === undefined ? '-' : humanSize(entry.size);
    return `<tr><td><a href="${escapeHtml(href)}">${escapeHtml(label)}</a></td><td>${shortTime(entry.modified)}</td><td>${size}</td></tr>`;
  });
  const title = `Index of ${escapeHtml(path)}`;
  return [
    '<!DOCTYPE html>',
    `<html><head><meta charset="utf-8"><title>${title}</title><style>${STYLE}</style></head><body>`,
    `<h1>${title}</h1>`,
    '<table><tr><th>Name</th><th>Last modified</th><th>Size</th></tr>',
    '<tr><td><a href="../">Parent Directory</a></td><td></td><td>-</td></tr>',
    ...rows,
    '</table>',
    '<address>CBuild simulator results host</address>',
    '</body></html>',
    '',
  ].join('\n');
}

function table(headings: string[], rows: string[][]): string {
  if (rows.length === 0) return '<p>None.</p>';
  const head = `<tr>${headings.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  // Cells are escaped by the callers, which may add links.
  const body = rows.map((cells) => `<tr>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`);
  return ['<table>', head, ...body, '</table>'].join('\n');
}

function link(href: string | null, text: string): string {
  return href ? `<a href="${escapeHtml(href)}">${escapeHtml(text)}</a>` : escapeHtml(text);
}

/** The scheduler's front page: queues, hosts and jobs (newest first) with their states. */
export function renderStatusPage(queues: QueueSummary[], hosts: CBuildHost[], jobs: CBuildJob[]): string {
  const queueRows = queues.map((q) => [escapeHtml(q.name), String(q.queued), String(q.running), String(q.hosts)]);
  const hostRows = hosts.map((h) => [
    escapeHtml(h.name),
    escapeHtml(h.queue),
    escapeHtml(h.state),
    escapeHtml(h.job ?? ''),
    escapeHtml(`${h.arch} ${h.distro} ${h.config}`),
    escapeHtml(h.last_poll_at ?? 'never'),
  ]);
  const jobRows = [...jobs]
    .sort((a, b) => b.spawned_at.localeCompare(a.spawned_at))
    .map((j) => [
      link(j.url, j.name),
      escapeHtml(j.queue),
      escapeHtml(j.state + (j.cancel_requested && j.state === 'running' ? ' (cancelling)' : '')),
      escapeHtml(j.host ?? ''),
      link(j.result_dir_url, j.result_dir ?? ''),
      escapeHtml(describeSpec(j.spec)),
      escapeHtml(j.spawned_at),
      escapeHtml(j.finished_at ?? ''),
    ]);
  return [
    '<!DOCTYPE html>',
    `<html><head><meta charset="utf-8"><title>CBuild scheduler</title><style>${STYLE}</style></head><body>`,
    '<h1>CBuild scheduler (simulated)</h1>',
    '<p>Results: <a href="build/">build/</a></p>',
    '<h2>Queues</h2>',
    table(['Queue', 'Queued', 'Running', 'Hosts'], queueRows),
    '<h2>Hosts</h2>',
    table(['Host', 'Queue', 'State', 'Job', 'Config', 'Last poll'], hostRows),
    '<h2>Jobs</h2>',
    table(['Job', 'Queue', 'State', 'Host', 'Results', 'Source', 'Spawned', 'Finished'], jobRows),
    '</body></html>',
    '',
  ].join('\n');
}
