/**
 * The status pages: the queue and recent results, one page per proposal, and
 * the capacity report. Server-rendered HTML with inline SVG charts; no
 * scripts at all, so they read the same with JavaScript off.
 */
import { formatDuration } from '../core/report.js';
import { BACKEND_LABEL, type Backend, type TestSummary } from '../core/model.js';
import { OUTCOMES, ALL_TARGETS } from '../report/capacity.js';
import { agreementRate, describeDifference, describeForecast, describeSuspect, duration, percent, suspectsShown, throughputText } from '../report/format.js';
import type { StabilityReport } from '../report/report.js';
import { BACKEND_COLORS, OUTCOME_COLORS, histogramChart, stackedBarChart, timeSeriesChart } from './charts.js';
import { SERVICES, SERVICE_LABEL, type HealthSnapshot } from './health.js';
import { html, link, type Html } from './html.js';
import type { BuildView, ProposalView, RequestView, SourceView } from './views.js';

const STYLE = `
body { font-family: sans-serif; margin: 0 1.5em 2em; color: #222; }
nav { padding: .6em 0; border-bottom: 1px solid #ccc; margin-bottom: 1em; }
nav a { margin-right: 1.2em; }
table { border-collapse: collapse; margin: .5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: .25em .5em; text-align: left; vertical-align: top; font-size: 14px; }
th { background: #f3f3f3; }
td.num { text-align: right; }
.state { font-weight: bold; padding: 0 .3em; border-radius: 3px; }
.state-passed { background: #d4f4d4; } .state-failed { background: #f8d0d0; } .state-infra { background: #ffe2bf; }
.state-running, .state-queued, .state-submitting, .state-pending { background: #dde8ff; }
.state-cancelled, .state-error { background: #e6e6e6; }
.shadow { font-size: 11px; color: #555; border: 1px dashed #888; padding: 0 .3em; }
.muted { color: #666; font-size: 12px; }
.verdict { font-weight: bold; padding: 0 .3em; border-radius: 3px; }
.verdict-passed { background: #d4f4d4; } .verdict-regressed, .verdict-failed { background: #f8d0d0; } .verdict-infra { background: #ffe2bf; } .verdict-cancelled { background: #e6e6e6; }
#health { padding: .4em .6em; background: #f6f6f6; border: 1px solid #ddd; font-size: 13px; }
#health.unwell { background: #fff1e0; border-color: #e8a050; }
.met { background: #d4f4d4; } .unmet { background: #f8d0d0; }
figure.chart { display: inline-block; margin: .5em 1em .5em 0; }
code { font-size: 12px; }
`;

/** What every page needs besides its data. */
export interface PageContext {
  now: Date;
  /** Where branches are shown on Launchpad, e.g. https://code.launchpad.net/ */
  launchpadWebRoot: string;
}

/** A branch's or ref's name, linked to its Launchpad page. */
function sourceLink(source: SourceView, ctx: PageContext): Html {
  return link(new URL(source.webPath.replace(/^\/+/, ''), ctx.launchpadWebRoot).toString(), source.name);
}

export function layout(title: string, body: Html, options: { refreshSeconds?: number; ctx: PageContext }): Html {
  return html`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>${title} | cbuild-bot</title>
${options.refreshSeconds ? html`<meta http-equiv="refresh" content="${options.refreshSeconds}">` : ''}
<style>${STYLE}</style></head>
<body>
<nav><a href="/">Queue and recent results</a><a href="/capacity">Capacity and stability</a><a href="/api/status">JSON API</a><a href="/metrics">Metrics</a></nav>
<h1>${title}</h1>
${body}
<p class="muted">Generated ${options.ctx.now.toISOString()} by cbuild-bot.</p>
</body></html>
`;
}

function stateBadge(state: string): Html {
  return html`<span class="state state-${state}">${state}</span>`;
}

/** A build's cell: state, time so far or taken, links to the job and its log. */
function buildCell(b: BuildView | undefined): Html {
  if (!b) return html`<td class="build muted">not built</td>`;
  const time =
    b.buildTimeMs !== null ? html` <span class="time" title="build time">${formatDuration(b.buildTimeMs)}</span>`
    : b.queueWaitMs !== null ? html` <span class="time" title="waiting for a builder">waiting ${formatDuration(b.queueWaitMs)}</span>`
    : '';
  const jobName = b.backend === 'lava' ? 'LAVA job' : 'CBuild job';
  return html`<td class="build" data-backend="${b.backend}" data-state="${b.state}">${stateBadge(b.state)}${time}${b.shadow ? html` <span class="shadow">shadow</span>` : ''}${b.attempt > 1 ? html` <span class="muted">attempt ${b.attempt}</span>` : ''}<br>${b.jobUrl ? link(b.jobUrl, jobName, { class: 'job' }) : ''}${b.logUrl ? html` ${link(b.logUrl, b.backend === 'lava' ? 'LAVA log' : 'CBuild log', { class: 'log' })}` : ''}${b.detail && b.state !== 'passed' ? html`<br><span class="muted">${b.detail}</span>` : ''}</td>`;
}

/** Who asked for the request: the proposal (with links, and who asked for a rebuild) or what else made it. */
function requestSubject(r: RequestView, ctx: PageContext): Html {
  if (r.proposal) {
    const rebuild = r.origin === 'rebuild' ? html` <span class="muted rebuild">(rebuild asked by ~${r.requestedBy ?? 'someone'})</span>` : '';
    return html`<a href="/proposal/${r.proposal.id}">${r.proposal.source.name}</a> ${link(r.proposal.webLink, 'on Launchpad', { class: 'launchpad' })}${rebuild}`;
  }
  const why = [r.origin, r.requestedBy && `by ${r.requestedBy}`].filter(Boolean).join(', ');
  return html`${r.kind === 'baseline' ? 'baseline' : r.kind} ${sourceLink(r.source, ctx)}${why ? html` <span class="muted">(${why})</span>` : ''}`;
}

function targetsOf(r: RequestView): string[] {
  return [...new Set(r.builds.map((b) => b.target))].sort();
}

const BACKENDS_SHOWN: Backend[] = ['cbuild', 'lava'];

function queueTable(requests: RequestView[], ctx: PageContext): Html {
  if (requests.length === 0) return html`<p>Nothing is building.</p>`;
  const rows = requests.flatMap((r) =>
    targetsOf(r).map(
      (target, i) => html`<tr data-request="${r.id}" data-target="${target}">${i === 0
        ? html`<td rowspan="${targetsOf(r).length}">${r.id}</td><td rowspan="${targetsOf(r).length}">${requestSubject(r, ctx)}</td><td rowspan="${targetsOf(r).length}">${r.revision}</td>`
        : ''}<td>${target}</td>${BACKENDS_SHOWN.map((backend) => buildCell(r.builds.find((b) => b.target === target && b.backend === backend)))}</tr>`,
    ),
  );
  return html`<table id="queue"><thead><tr><th>request</th><th>proposal</th><th>revision</th><th>target</th><th>CBuild</th><th>LAVA</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function buildSummary(r: RequestView): Html[] {
  return r.builds.map(
    (b) => html`<span class="build" data-target="${b.target}" data-backend="${b.backend}">${b.target} ${BACKEND_LABEL[b.backend as Backend] ?? b.backend} ${stateBadge(b.state)}${b.shadow ? html` <span class="shadow">shadow</span>` : ''}</span><br>`,
  );
}

/** What an ended request amounts to, in a reader's words: passed, 2 regressions, build failed, infrastructure, cancelled. */
export function verdictText(r: Pick<RequestView, 'outcome' | 'regressions' | 'state'>): string {
  switch (r.outcome) {
    case 'passed':
      return 'passed';
    case 'regressed':
      return `${r.regressions} regression${r.regressions === 1 ? '' : 's'}`;
    case 'failed':
      return 'build failed';
    case 'infra':
      return 'infrastructure';
    case 'cancelled':
      return 'cancelled';
    case null:
      return r.state === 'active' ? 'building' : r.state;
  }
}

function verdict(r: RequestView): Html {
  const why = r.state !== 'done' && r.state !== 'active' ? html` <span class="muted">(${r.state})</span>` : '';
  return html`<span class="verdict verdict-${r.outcome ?? 'none'}" data-outcome="${r.outcome ?? ''}">${verdictText(r)}</span>${why}`;
}

function recentTable(requests: RequestView[], ctx: PageContext): Html {
  if (requests.length === 0) return html`<p>No request has ended yet.</p>`;
  return html`<table id="recent"><thead><tr><th>request</th><th>proposal</th><th>revision</th><th>outcome</th><th>ended</th><th>builds</th><th>results comment</th></tr></thead><tbody>${requests.map((r) => {
    const results = r.comments.find((c) => c.kind === 'results');
    return html`<tr data-request="${r.id}"><td>${r.id}</td><td>${requestSubject(r, ctx)}</td><td>${r.revision}</td><td class="outcome">${verdict(r)}</td><td>${r.finishedAt ?? '-'}</td><td>${buildSummary(r)}</td><td>${results ? (results.link ? link(results.link, results.state, { class: 'comment' }) : results.state) : '-'}</td></tr>`;
  })}</tbody></table>`;
}

/** "12 s ago", "3 min ago", "2.5 h ago", "4 days ago". */
function ago(iso: string, now: Date): string {
  const ms = Math.max(0, now.getTime() - Date.parse(iso));
  if (ms < 120_000) return `${Math.round(ms / 1000)} s ago`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min ago`;
  if (ms < 2 * 86_400_000) return `${(ms / 3_600_000).toFixed(1)} h ago`;
  return `${Math.round(ms / 86_400_000)} days ago`;
}

/** The health line: Launchpad's last good poll, a dry run, and each service's last error. */
function healthLine(health: HealthSnapshot | null, ctx: PageContext): Html {
  if (!health) return html`<p id="health" class="unwell">No health record: this status server was started without the bot.</p>`;
  const now = ctx.now;
  const polled = health.lastPolledOkAt
    ? html`Launchpad last polled successfully <time datetime="${health.lastPolledOkAt}" title="${health.lastPolledOkAt}">${ago(health.lastPolledOkAt, now)}</time>`
    : html`Launchpad not yet polled successfully (since ${health.since})`;
  const lastFailed = health.lastPoll?.outcome === 'error' ? html`; the last poll, <time datetime="${health.lastPoll.at}">${ago(health.lastPoll.at, now)}</time>, had errors` : '';
  const mode = health.dryRun === null ? 'The bot has not started' : health.dryRun ? 'Dry run: comments are printed, not posted' : 'Comments are posted';
  const errors = SERVICES.map((s) => {
    const e = health.lastErrors[s];
    return e
      ? html`<span class="service-error" data-service="${s}">${SERVICE_LABEL[s]}: <time datetime="${e.at}" title="${e.at}">${ago(e.at, now)}</time>, ${e.message}</span>`
      : html`<span class="service-error" data-service="${s}">${SERVICE_LABEL[s]}: none</span>`;
  });
  const unwell = !health.lastPolledOkAt || health.lastPoll?.outcome === 'error' || health.dryRun === true;
  return html`<p id="health"${unwell ? html` class="unwell"` : ''}>${polled}${lastFailed}. <span class="mode">${mode}</span>. Last errors: ${errors.map((e, i) => html`${i ? '; ' : ''}${e}`)}.</p>`;
}

export function statusPage(view: { active: RequestView[]; recent: RequestView[]; health: HealthSnapshot | null }, ctx: PageContext): Html {
  return layout(
    'cbuild-bot status',
    html`${healthLine(view.health, ctx)}<h2>Building now</h2>${queueTable(view.active, ctx)}<h2>Recent requests</h2>${recentTable(view.recent, ctx)}`,
    { refreshSeconds: 30, ctx },
  );
}

function testCounts(tests: TestSummary | null): string {
  if (!tests) return '-';
  return Object.entries(tests)
    .map(([tool, counts]) => `${tool}: ${counts.PASS ?? 0} PASS, ${counts.FAIL ?? 0} FAIL`)
    .join('; ');
}

export function proposalPage(proposal: ProposalView, requests: RequestView[], ctx: PageContext): Html {
  const sections = requests.map(
    (r) => html`<section id="request-${r.id}" data-request="${r.id}"><h2>${r.revision.replace(/^revision\b/, 'Revision')} — ${verdict(r)}</h2>
<p class="muted">request ${r.id}, seen ${r.createdAt}${r.finishedAt ? html`, ended ${r.finishedAt}` : ''}${r.origin === 'rebuild' ? html`, rebuild asked by ~${r.requestedBy ?? 'someone'}` : ''}</p>
<table><thead><tr><th>target</th><th>backend</th><th>state</th><th>submitted</th><th>wait</th><th>build time</th><th>attempt</th><th>tests</th><th>regressions</th><th>links</th></tr></thead><tbody>${r.builds.map(
      (b) => html`<tr data-target="${b.target}" data-backend="${b.backend}"><td>${b.target}</td><td>${BACKEND_LABEL[b.backend as Backend] ?? b.backend}${b.shadow ? html` <span class="shadow">shadow</span>` : ''}</td><td>${stateBadge(b.state)}${b.detail && b.state !== 'passed' ? html`<br><span class="muted">${b.detail}</span>` : ''}</td><td>${b.submittedAt ?? '-'}</td><td>${duration(b.queueWaitMs)}</td><td>${duration(b.buildTimeMs)}</td><td class="num">${b.attempt}</td><td>${testCounts(b.tests)}</td><td class="num">${b.regressions ?? '-'}</td><td>${link(b.jobUrl, 'job')} ${link(b.logUrl, 'log')} ${link(b.resultsUrl, 'results')}</td></tr>`,
    )}</tbody></table>
${r.comments.length ? html`<p>Comments: ${r.comments.map((c) => html`${link(c.link, `${c.kind} (${c.state})`)} `)}</p>` : ''}</section>`,
  );
  return layout(
    proposal.source.name,
    html`<p>Merge proposal of ${sourceLink(proposal.source, ctx)} into ${sourceLink(proposal.target, ctx)}, ${proposal.status}${proposal.tracked ? '' : ' (no longer tracked)'}. ${link(proposal.webLink, 'On Launchpad', { class: 'launchpad' })}</p>
${requests.length ? sections : html`<p>No revision of this proposal was built.</p>`}`,
    { refreshSeconds: requests.some((r) => r.state === 'active') ? 30 : undefined, ctx },
  );
}

function charts(report: StabilityReport): Html[] {
  const window: [number, number] = [Date.parse(report.window.since), Date.parse(report.window.until)];
  const perBackend = <P>(pick: (s: StabilityReport['samples'][number]) => P | null): { name: string; color: string; points: P[] }[] =>
    BACKENDS_SHOWN.map((backend) => ({
      name: BACKEND_LABEL[backend],
      color: BACKEND_COLORS[backend],
      points: report.samples.filter((s) => s.backend === backend).map(pick).filter((p): p is P => p !== null),
    })).filter((s) => s.points.length > 0);
  const point = (ms: number | null, s: StabilityReport['samples'][number]) =>
    ms === null ? null : { t: Date.parse(s.endedAt), v: ms, label: `${s.target}, ended ${s.endedAt}` };
  return [
    timeSeriesChart('Queue wait (submitted → started)', perBackend((s) => point(s.queueWaitMs, s)), window),
    timeSeriesChart('Build time (started → finished)', perBackend((s) => (s.outcome === 'cancelled' || s.outcome === 'error' ? null : point(s.buildTimeMs, s))), window),
    histogramChart('Build times', perBackend((s) => (s.outcome === 'cancelled' || s.outcome === 'error' ? null : s.buildTimeMs))),
    stackedBarChart(
      'Outcomes per backend and target',
      report.capacity
        .filter((r) => r.target !== ALL_TARGETS)
        .map((r) => ({ label: `${BACKEND_LABEL[r.backend]} ${r.target}`, parts: OUTCOMES.map((o) => ({ name: o, value: r.outcomes[o] })) })),
      OUTCOME_COLORS,
    ),
  ];
}

function capacityTable(report: StabilityReport): Html {
  if (report.capacity.length === 0) return html`<p>No build ended in the window.</p>`;
  return html`<table id="capacity"><thead><tr><th>backend</th><th>target</th><th>builds</th><th>pass</th><th>build failure</th><th>infra failure</th><th>cancelled</th><th>retries</th><th>infra / attempt</th><th>wait median</th><th>wait p90</th><th>build median</th><th>build p90</th><th>throughput</th></tr></thead><tbody>${report.capacity.map(
    (r) => html`<tr data-backend="${r.backend}" data-target="${r.target}"><td>${BACKEND_LABEL[r.backend]}${r.shadow ? html` <span class="shadow">${r.shadow} shadow</span>` : ''}</td><td>${r.target}</td><td class="num">${r.builds}</td><td class="num">${percent(r.rates.pass)}</td><td class="num">${percent(r.rates.buildFailure)}</td><td class="num">${percent(r.rates.infraFailure)}</td><td class="num">${r.outcomes.cancelled}</td><td class="num">${r.retries}</td><td class="num">${percent(r.infraPerAttempt)}</td><td class="num">${duration(r.queueWait.median)}</td><td class="num">${duration(r.queueWait.p90)}</td><td class="num">${duration(r.buildTime.median)}</td><td class="num">${duration(r.buildTime.p90)}</td><td class="num throughput">${throughputText(r, report.window.observedMs)}</td></tr>`,
  )}</tbody></table>`;
}

function devicePool(report: StabilityReport): Html {
  const answer = report.lavaDevices;
  if (answer === null) return html`<p>No LAVA server is configured for this page.</p>`;
  if ('unavailable' in answer) return html`<p>LAVA did not answer: <span class="muted">${answer.unavailable}</span></p>`;
  const { pool } = answer;
  return html`<table id="device-types"><thead><tr><th>device type</th><th>devices</th><th>idle</th><th>busy</th><th>out of service</th><th>jobs waiting</th></tr></thead><tbody>${pool.types.map(
    (t) => html`<tr data-device-type="${t.deviceType}"><td>${t.deviceType}</td><td class="num">${t.devices}</td><td class="num">${t.idle}</td><td class="num">${t.busy}</td><td class="num">${t.outOfService}</td><td class="num">${t.pendingJobs}</td></tr>`,
  )}</tbody></table>
<table id="devices"><thead><tr><th>device</th><th>type</th><th>health</th><th>state</th><th>current job</th></tr></thead><tbody>${pool.devices.map(
    (d) => html`<tr><td>${d.hostname}</td><td>${d.type}</td><td>${d.health}</td><td>${d.state}</td><td>${d.current_job ?? '-'}</td></tr>`,
  )}</tbody></table>`;
}

function agreement(report: StabilityReport): Html {
  const { byTarget, testByTest, pairs, suspects } = report.agreement;
  if (pairs.length === 0) return html`<p>No revision was built on both backends in the window.</p>`;
  return html`<table id="agreement-summary"><thead><tr><th>target</th><th>pairs</th><th>agree</th><th>tests differ</th><th>outcome differs</th><th>not comparable</th><th>compared test by test</th><th>results</th><th>differ</th><th>agreement</th></tr></thead><tbody>${byTarget.map(
    (s) => html`<tr data-target="${s.target}"><td>${s.target}</td><td class="num">${s.pairs}</td><td class="num">${s.agree}</td><td class="num">${s.testsDiffer}</td><td class="num">${s.outcomeDiffers}</td><td class="num">${s.notComparable}</td>${testByTestCells(testByTest.find((t) => t.target === s.target))}</tr>`,
  )}</tbody></table>
<table id="agreement"><thead><tr><th>request</th><th>branch</th><th>target</th><th>CBuild</th><th>LAVA</th><th>verdict</th><th>where they differ</th></tr></thead><tbody>${pairs.map(
    (p) => html`<tr data-request="${p.requestId}" data-target="${p.target}" data-verdict="${p.verdict}"><td>${p.requestId}</td><td>${p.source} ${p.revision}</td><td>${p.target}</td><td>${stateBadge(p.cbuild.state)}</td><td>${stateBadge(p.lava.state)}${p.lava.shadow ? html` <span class="shadow">shadow</span>` : ''}</td><td>${p.verdict}</td><td>${describeDifference(p)}${differingTests(p)}</td></tr>`,
  )}</tbody></table>
<h3>Tests that differ on more than one revision</h3>
${suspects.length === 0
  ? html`<p>None: no test differed between CBuild and LAVA on more than one revision of a target.</p>`
  : html`<table id="suspects"><thead><tr><th>target</th><th>tool</th><th>test</th><th>revisions</th><th>how</th><th>on</th></tr></thead><tbody>${[...suspectsShown(suspects)].map(
      ([target, { shown, more }]) => html`${shown.map(
        (s) => html`<tr data-target="${s.target}"><td>${s.target}</td><td>${s.tool}</td><td><code>${s.name}</code></td><td class="num">${s.pairs} of ${s.of}</td><td>${describeSuspect(s)}</td><td>${s.revisions.map((r) => html`request ${r.requestId} ${r.source} ${r.revision}<br>`)}</td></tr>`,
      )}${more ? html`<tr data-target="${target}"><td>${target}</td><td colspan="5" class="muted">${more} more: /api/capacity lists them all</td></tr>` : ''}`,
    )}</tbody></table>`}`;
}

function testByTestCells(t: StabilityReport['agreement']['testByTest'][number] | undefined): Html {
  return html`<td class="num">${t?.pairs ?? 0}</td><td class="num">${t?.tests ?? 0}</td><td class="num">${t?.differingTests ?? 0}</td><td class="num">${agreementRate(t?.agreementRate ?? null)}</td>`;
}

/** Every differing test a pair lists, folded away under its one-line description. */
function differingTests(p: StabilityReport['agreement']['pairs'][number]): Html | '' {
  const t = p.testByTest;
  if (t?.status !== 'compared' || t.listed.length === 0) return '';
  return html`<details><summary>${t.listed.length} of ${t.differences} differing tests</summary><ul class="differences">${t.listed.map(
    (d) => html`<li data-category="${d.category}">${d.tool}: <code>${d.name}</code> — ${d.how}</li>`,
  )}</ul></details>`;
}

function readiness(report: StabilityReport): Html {
  if (report.readiness.length === 0) return html`<p>No target is configured or was built in the window.</p>`;
  const names = report.readiness[0]!.criteria.map((c) => c.name);
  return html`<table id="readiness"><thead><tr><th>target</th><th>verdict</th>${names.map((n) => html`<th>${n}</th>`)}<th>if every native build ran on LAVA</th></tr></thead><tbody>${report.readiness.map(
    (r) => html`<tr data-target="${r.target}" data-ready="${r.ready ? 'yes' : 'no'}"><td>${r.target}</td><td class="${r.ready ? 'met' : 'unmet'}"><strong>${r.ready ? 'ready' : 'not yet'}</strong></td>${r.criteria.map(
      (c) => html`<td class="${c.met ? 'met' : 'unmet'}" data-criterion="${c.name}">${c.met ? 'ok' : 'no'}<br><span class="muted">${c.detail}</span></td>`,
    )}<td class="forecast">${describeForecast(r.forecast)}</td></tr>`,
  )}</tbody></table>`;
}

export function capacityPage(report: StabilityReport, ctx: PageContext): Html {
  return layout(
    'Capacity and stability',
    html`<form method="get" action="/capacity"><label>Window: last <input name="since" value="${report.window.label}" size="5"></label> <button type="submit">Show</button> <span class="muted">e.g. 7d, 24h, 30m; ${report.window.since} to ${report.window.until}</span></form>
<h2>Per backend and target</h2>
<p class="muted">Builds that ended in the window. Rates are of builds that ran to an end (passed, build failure, infrastructure failure); waits and build times are of the last attempt; throughput counts builds that ran to an end, per day over a day or more of record, else as a count${report.window.observedSince > report.window.since ? html` (the store's record begins ${report.window.observedSince})` : ''}.</p>
${capacityTable(report)}
<div id="charts">${charts(report)}</div>
<h2>LAVA device pool now</h2>
${devicePool(report)}
<h2>Readiness of LAVA as the main build platform</h2>
<p class="muted">Per target, over the window, against the config's <code>readiness</code> thresholds: every criterion must be met. The forecast replays the window's native builds on the target's LAVA devices in service now (first come, first served).</p>
${readiness(report)}
<h2>Agreement of CBuild and LAVA</h2>
<p class="muted">The same revision and target built on both backends: do their results match, test by test (once both passed and the bot compared them) and in their DejaGnu counts?</p>
${agreement(report)}
<p class="muted">JSON: <a href="/api/capacity?since=${encodeURIComponent(report.window.label)}">/api/capacity?since=${report.window.label}</a></p>`,
    { ctx },
  );
}

export function errorPage(status: number, message: string, ctx: PageContext): Html {
  return layout(`${status}`, html`<p>${message}</p>`, { ctx });
}
