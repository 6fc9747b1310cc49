/**
 * The one comment formatter. Launchpad comments are plain text, so results are
 * fixed-width tables; every comment ends with the hidden marker line the bot
 * uses to recognise its own comments after a restart.
 */
import { createHash } from 'node:crypto';
import { redact } from '../secrets.js';
import { oneLine } from '../text.js';
import { vcsFor } from '../vcs/index.js';
import { MARKER_PREFIX, commandReplyMarker, commentMarker, type BuildComparison, type ReviewVote, type BuildRow, type ProposalRow, type RequestRow } from './model.js';

export interface ComposedComment {
  kind: 'ack' | 'results';
  marker: string;
  subject: string;
  body: string;
  vote: ReviewVote | null;
}

/** The first `max` items, then how many more: a reply stays short whatever it was sent. */
export function listSome(items: readonly string[], max: number): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

/** Pads columns to their widest cell; the last column is left ragged. Control characters in cells are shown escaped. */
export function textTable(header: string[], unsafeRows: string[][]): string {
  const rows = unsafeRows.map((r) => r.map(oneLine));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** "4h 05m", "12m 03s", "45s": compact and unambiguous in a table. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}

const RESULT_WORDS: Record<string, string> = {
  passed: 'PASS',
  failed: 'BUILD FAILED',
  infra: 'INFRASTRUCTURE FAILURE',
  cancelled: 'CANCELLED',
  error: 'NOT SUBMITTED',
};

export function backendName(b: Pick<BuildRow, 'backend'>): string {
  return b.backend === 'lava' ? 'LAVA' : 'CBuild';
}

function revisionLine(request: RequestRow): string {
  const vcs = vcsFor(request.source.vcs);
  return `${vcs.describeRevision(request.revision)} of ${vcs.describeSource(request.source)}`;
}

export function subjectFor(proposal: ProposalRow): string {
  const vcs = vcsFor(proposal.source.vcs);
  return `Re: [Merge] ${vcs.describeSource(proposal.source)} into ${vcs.describeSource(proposal.target)}`;
}

/** Every comment passes here: secrets that reached any text are masked before Launchpad sees them. */
function withMarker(lines: string[], request: RequestRow, kind: 'ack' | 'results'): string {
  return redact([...lines, '', `${MARKER_PREFIX}${commentMarker(request.id, kind)}`].join('\n'));
}

/**
 * The one word on a proposal the bot cannot build (a name or revision it
 * cannot take): posted once per reason (its marker holds the reason's hash).
 */
export function composeNotice(proposal: ProposalRow, reason: string): { requestId: null; proposalId: number; kind: 'notice'; marker: string; subject: string; body: string; vote: null } {
  const marker = `notice/${proposal.id}/${createHash('sha1').update(reason).digest('hex').slice(0, 12)}`;
  const body = [
    `cbuild-bot cannot build this proposal: ${reason}.`,
    '',
    'Nothing will be built for it until Launchpad shows a source and revision the bot can take; a new push is enough once the name or revision is fixed.',
    '',
    `${MARKER_PREFIX}${marker}`,
  ].join('\n');
  return { requestId: null, proposalId: proposal.id, kind: 'notice', marker, subject: subjectFor(proposal), body: redact(body), vote: null };
}

/** Why a request was made, when a person asked for it. */
function requestedByLine(request: RequestRow): string[] {
  if (request.origin === 'rebuild') return [`Rebuild requested by ~${request.requested_by ?? 'someone'}.`, ''];
  if (request.origin === 'schedule') return [`Scheduled by hand by ${request.requested_by ?? 'an operator'}.`, ''];
  return [];
}

/**
 * The reply to a command in a comment (a cancel, or a command that could not
 * be carried out). Never starts a line with `cbuild-bot:`, so the bot can
 * never read its own reply as a command.
 */
export function composeCommandReply(proposal: ProposalRow, author: string, text: string): { subject: string; body: (commandId: number) => { body: string; marker: string } } {
  return {
    subject: subjectFor(proposal),
    body: (commandId) => {
      const marker = commandReplyMarker(commandId);
      return { marker, body: redact([`~${author}: ${text}`, '', `${MARKER_PREFIX}${marker}`].join('\n')) };
    },
  };
}

function sortBuilds(builds: readonly BuildRow[], targetOrder: readonly string[]): BuildRow[] {
  const rank = (b: BuildRow) => targetOrder.indexOf(b.target) * 2 + (b.backend === 'cbuild' ? 0 : 1);
  return [...builds].sort((a, b) => rank(a) - rank(b));
}

/** A build held for the bot's own configuration error, as a reviewer reads it: neither the change's fault nor the lab's. */
const HELD_IN_ACK = "HELD: cbuild-bot's own configuration is wrong (not the change); built once that is fixed";

/** The short acknowledgement: what was queued where, with links. */
export function composeAck(
  proposal: ProposalRow,
  request: RequestRow,
  builds: readonly BuildRow[],
  targetOrder: readonly string[],
): ComposedComment {
  const rows = sortBuilds(builds, targetOrder).map((b) => [
    b.target,
    backendName(b),
    b.state === 'error' || b.state === 'infra'
      ? `not queued: ${b.detail ?? 'unknown error'}`
      : b.state === 'held'
        ? HELD_IN_ACK
        : (b.job_url ?? b.external_id ?? ''),
  ]);
  const lines = [
    ...requestedByLine(request),
    `cbuild-bot has queued ${revisionLine(request)} for build:`,
    '',
    textTable(['target', 'backend', 'job'], rows),
    '',
    'One more comment will follow with the results when every build has finished.',
  ];
  return { kind: 'ack', marker: commentMarker(request.id, 'ack'), subject: subjectFor(proposal), body: withMarker(lines, request, 'ack'), vote: null };
}

const COUNT_COLUMNS = ['PASS', 'FAIL', 'XFAIL', 'XPASS', 'UNRESOLVED', 'UNSUPPORTED'];

function regressed(b: BuildRow): boolean {
  const c = b.comparison;
  return c?.status === 'compared' && c.counts.regressions > 0;
}

export type RequestOutcome = 'passed' | 'regressed' | 'failed' | 'infra' | 'cancelled';

/**
 * What a finished request amounts to, worst first: the change broke a build,
 * it regressed a test, the lab failed (or the bot could not submit), a build
 * was cancelled, or everything passed. The headline, the vote and the metrics
 * all read it from here.
 */
export function requestOutcome(builds: readonly BuildRow[]): RequestOutcome {
  if (builds.some((b) => b.state === 'failed')) return 'failed';
  if (builds.some(regressed)) return 'regressed';
  if (builds.some((b) => b.state === 'infra' || b.state === 'error')) return 'infra';
  if (builds.some((b) => b.state === 'cancelled')) return 'cancelled';
  return 'passed';
}

/**
 * The vote a results comment carries when voting is on: Needs Fixing for the
 * change's own failures (a broken build, a regression), Approve only when
 * every build passed and was compared without regressions, and no vote when
 * the lab let us down or nothing could be compared.
 */
export function decideVote(builds: readonly BuildRow[]): ReviewVote | null {
  const outcome = requestOutcome(builds);
  if (outcome === 'failed' || outcome === 'regressed') return 'Needs Fixing';
  if (outcome === 'passed' && builds.every((b) => b.comparison?.status === 'compared')) return 'Approve';
  return null;
}

/** The results comment: target × backend table, test counts, and what went wrong where. */
export function composeResults(
  proposal: ProposalRow,
  request: RequestRow,
  builds: readonly BuildRow[],
  targetOrder: readonly string[],
  options: { vote: boolean } = { vote: false },
): ComposedComment {
  const sorted = sortBuilds(builds, targetOrder);
  const rows = sorted.map((b) => {
    const duration =
      b.started_at && b.finished_at ? formatDuration(Date.parse(b.finished_at) - Date.parse(b.started_at)) : '-';
    return [b.target, backendName(b), RESULT_WORDS[b.state] ?? b.state.toUpperCase(), duration, b.log_url ?? b.job_url ?? '-'];
  });
  const failed = sorted.filter((b) => b.state === 'failed');
  const infra = sorted.filter((b) => b.state === 'infra' || b.state === 'error');
  const comparisons = sorted.map((b) => ({ build: b, comparison: b.comparison }));
  const where = (builds: BuildRow[]) => builds.map((b) => `${b.target} (${backendName(b)})`).join(', ');
  const built = `cbuild-bot built ${revisionLine(request)}`;
  const headline = {
    failed: `${built}: the build FAILED on ${where(failed)}.`,
    regressed: `${built}: tests REGRESSED on ${where(sorted.filter(regressed))}.`,
    infra: `${built}: no build failed because of this change, but some builds could not run.`,
    cancelled: `${built}: some builds were cancelled.`,
    passed: `${built}: every build passed${comparisons.every((c) => c.comparison?.status === 'compared') ? ' with no test regressions' : ''}.`,
  }[requestOutcome(sorted)];
  const lines = [headline, '', textTable(['target', 'backend', 'result', 'duration', 'log'], rows)];

  const testRows: string[][] = [];
  for (const b of sorted) {
    if (!b.test_summary) continue;
    for (const [tool, counts] of Object.entries(b.test_summary)) {
      testRows.push([b.target, backendName(b), tool, ...COUNT_COLUMNS.map((c) => String(counts[c] ?? 0))]);
    }
  }
  if (testRows.length) {
    lines.push('', 'Test suite results (DejaGnu .sum counts):', '', textTable(['target', 'backend', 'tool', ...COUNT_COLUMNS], testRows));
  }
  lines.push(...comparisonLines(comparisons));
  if (infra.length) {
    lines.push('', 'Infrastructure failures are problems of the build lab, not of this change:');
    for (const b of infra) lines.push(`  ${b.target} (${backendName(b)}): ${b.detail ?? 'no detail given'}`);
  }
  const retried = sorted.filter((b) => b.earlier_attempts.length > 0);
  if (retried.length) {
    lines.push('', 'Submitted again after infrastructure failures:');
    for (const b of retried) {
      for (const a of b.earlier_attempts) {
        lines.push(`  ${b.target} (${backendName(b)}) attempt ${a.attempt}: ${a.detail}${a.job_url ? ` (${a.job_url})` : ''}`);
      }
      lines.push(`  ${b.target} (${backendName(b)}) attempt ${b.attempt}: ${RESULT_WORDS[b.state] ?? b.state}`);
    }
  }
  // The log column links CBuild's make.log; LAVA's job page is worth its own link.
  const withJobs = sorted.filter((b) => b.backend === 'lava' && b.job_url);
  if (withJobs.length) {
    lines.push('', 'LAVA jobs:');
    for (const b of withJobs) lines.push(`  ${b.target} (${backendName(b)}): ${b.job_url}`);
  }
  return {
    kind: 'results',
    marker: commentMarker(request.id, 'results'),
    subject: subjectFor(proposal),
    body: withMarker(lines, request, 'results'),
    vote: options.vote ? decideVote(sorted) : null,
  };
}

/** The comparison with the baseline: counts per target × backend, the first regressions by name, what could not be compared. */
function comparisonLines(comparisons: { build: BuildRow; comparison: BuildComparison | null }[]): string[] {
  const compared = comparisons.filter(
    (c): c is { build: BuildRow; comparison: Extract<BuildComparison, { status: 'compared' }> } => c.comparison?.status === 'compared',
  );
  const skipped = comparisons.filter((c) => c.comparison?.status === 'not-compared');
  if (!compared.length && !skipped.length) return [];
  const lines: string[] = [];
  if (compared.length) {
    const base = compared[0].comparison.baseline;
    lines.push('', `Test results compared with the branch point, ${base.label} (same target and backend):`, '');
    lines.push(
      textTable(
        ['target', 'backend', 'regressions', 'now pass', 'new FAIL', 'new PASS', 'gone', 'flaky', 'full diff'],
        compared.map(({ build: b, comparison: c }) => [
          b.target, backendName(b), String(c.counts.regressions), String(c.counts.now_pass), String(c.counts.new_fail),
          String(c.counts.new_pass), String(c.counts.gone), String(c.counts.flaky), c.diffUrl ?? '-',
        ]),
      ),
    );
    for (const [title, pick, count] of [
      ['Regressions (passed before, FAIL now)', (c: typeof compared[number]['comparison']) => c.regressions, (c: typeof compared[number]['comparison']) => c.counts.regressions],
      ['New tests that FAIL (not regressions, but need a look)', (c: typeof compared[number]['comparison']) => c.newFailures, (c: typeof compared[number]['comparison']) => c.counts.new_fail],
    ] as const) {
      const withNames = compared.filter(({ comparison }) => pick(comparison).length > 0);
      if (!withNames.length) continue;
      lines.push('', `${title}:`);
      for (const { build: b, comparison: c } of withNames) {
        const more = count(c) - pick(c).length;
        lines.push(`  ${b.target} (${backendName(b)}):`, ...pick(c).map((n) => `    ${n}`));
        if (more > 0) lines.push(`    … and ${more} more: see the full diff`);
      }
    }
  }
  if (skipped.length) {
    lines.push('', 'Not compared:');
    for (const { build: b, comparison } of skipped) lines.push(`  ${b.target} (${backendName(b)}): ${(comparison as { reason: string }).reason}`);
  }
  return lines;
}

/** True when a comment body is the bot's comment with this marker (its last non-empty line). */
export function hasMarker(body: string, marker: string): boolean {
  const lines = body.replace(/\r\n/g, '\n').split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return lines[lines.length - 1] === `${MARKER_PREFIX}${marker}`;
}
