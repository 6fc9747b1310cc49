/**
 * The one comment formatter. Launchpad shows a comment through its
 * `text_to_html`: line breaks and leading spaces are kept, but inner runs of
 * spaces collapse and a comment longer than 3,200 characters folds behind
 * "Read more…"; every comment is also mailed to the proposal's subscribers.
 * So nothing here aligns text by spaces: the verdict comes first, then one
 * line per build that reads the same collapsed or not (Zuul's
 * `- job: RESULT in 1h 02m: url`), then lists, and the whole comment is kept
 * within the fold by cutting detail, never the verdict or a build's line.
 * Every comment ends with the marker line the bot uses to recognise its own
 * comments after a restart.
 */
import { createHash } from 'node:crypto';
import { redact } from '../secrets.js';
import { oneLine } from '../text.js';
import { vcsFor } from '../vcs/index.js';
import {
  BACKEND_LABEL,
  MARKER_PREFIX,
  commandReplyMarker,
  commentMarker,
  type BuildComparison,
  type BuildRow,
  type ProposalRow,
  type RequestRow,
  type ReviewVote,
} from './model.js';

export interface ComposedComment {
  kind: 'ack' | 'results';
  marker: string;
  subject: string;
  body: string;
  vote: ReviewVote | null;
}

/** Launchpad folds a comment after this many characters: all a reviewer needs must come before. */
export const COMMENT_BUDGET = 3200;

/** The first `max` items, then how many more: a reply stays short whatever it was sent. */
export function listSome(items: readonly string[], max: number): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

/**
 * For terminals (the CLI and `status`), never for comments: pads columns to
 * their widest cell; the last column is left ragged. Control characters in
 * cells are shown escaped.
 */
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

/** "4h 05m", "12m 03s", "45s": compact and unambiguous. */
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

const ACK_WORDS: Record<string, string> = {
  pending: 'SUBMITTING',
  submitting: 'SUBMITTING',
  queued: 'QUEUED',
  running: 'RUNNING',
  held: "HELD: cbuild-bot's own configuration is wrong (not the change); built once that is fixed",
  passed: 'PASS',
  failed: 'BUILD FAILED',
  cancelled: 'CANCELLED',
};

function backendName(b: Pick<BuildRow, 'backend'>): string {
  return BACKEND_LABEL[b.backend];
}

function revisionOf(request: RequestRow): string {
  return vcsFor(request.source.vcs).describeRevisionOf(request.source, request.revision);
}

export function subjectFor(proposal: ProposalRow): string {
  const vcs = vcsFor(proposal.source.vcs);
  return `Re: [Merge] ${vcs.describeSource(proposal.source)} into ${vcs.describeSource(proposal.target)}`;
}

/** Every comment passes here: secrets that reached any text are masked before Launchpad sees them. */
function withMarker(lines: string[], marker: string): string {
  return redact([...lines, '', `${MARKER_PREFIX}${marker}`].join('\n'));
}

/**
 * The one word on a proposal the bot cannot build (a name or revision it
 * cannot take): posted once per reason (its marker holds the reason's hash).
 */
export function composeNotice(proposal: ProposalRow, reason: string): { requestId: null; proposalId: number; kind: 'notice'; marker: string; subject: string; body: string; vote: null } {
  const marker = `notice/${proposal.id}/${createHash('sha1').update(reason).digest('hex').slice(0, 12)}`;
  const body = withMarker(
    [
      `cbuild-bot cannot build this proposal: ${oneLine(reason)}.`,
      '',
      'Nothing will be built for it until Launchpad shows a source and revision the bot can take; a new push is enough once the name or revision is fixed.',
    ],
    marker,
  );
  return { requestId: null, proposalId: proposal.id, kind: 'notice', marker, subject: subjectFor(proposal), body, vote: null };
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
      return { marker, body: withMarker([`~${oneLine(author)}: ${oneLine(text)}`], marker) };
    },
  };
}

function sortBuilds(builds: readonly BuildRow[], targetOrder: readonly string[]): BuildRow[] {
  const rank = (b: BuildRow) => targetOrder.indexOf(b.target) * 2 + (b.backend === 'cbuild' ? 0 : 1);
  return [...builds].sort((a, b) => rank(a) - rank(b));
}

/** Who asked for the builds, when a person did. */
function askedBy(request: RequestRow): string {
  if (request.origin === 'rebuild') return ` (a rebuild asked for by ~${oneLine(request.requested_by ?? 'someone')})`;
  if (request.origin === 'schedule') return ` (scheduled by hand by ${oneLine(request.requested_by ?? 'an operator')})`;
  return '';
}

/** A detail from a lab or a backend, on one line and of a reasonable length. */
function detailText(detail: string | null, fallback: string): string {
  const text = oneLine(detail ?? fallback);
  return text.length > 300 ? `${text.slice(0, 299)}…` : text;
}

/** `a9hf, x86_64 (CBuild and LAVA)`, `a9hf (CBuild and LAVA); x86_64 (LAVA)`: where something happened, targets with the same backends together. */
function where(builds: readonly BuildRow[]): string {
  const byTarget = groupBy(builds, (b) => b.target).map((g) => ({ target: g[0].target, backends: [...new Set(g.map(backendName))].join(' and ') }));
  return groupBy(byTarget, (t) => t.backends)
    .map((g) => `${g.map((t) => t.target).join(', ')} (${g[0].backends})`)
    .join('; ');
}

/** Groups in first-seen order. */
function groupBy<T>(items: readonly T[], key: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return [...groups.values()];
}

/**
 * The acknowledgement: what was queued where, with links, and what became of
 * the revision it replaces.
 */
export function composeAck(
  proposal: ProposalRow,
  request: RequestRow,
  builds: readonly BuildRow[],
  targetOrder: readonly string[],
  options: { superseded?: readonly RequestRow[] } = {},
): ComposedComment {
  const lines = [`cbuild-bot has queued ${revisionOf(request)} for build${askedBy(request)}:`, ''];
  for (const b of sortBuilds(builds, targetOrder)) {
    if (b.state === 'error' || b.state === 'infra') {
      lines.push(`- ${b.target} ${backendName(b)}: NOT QUEUED: ${detailText(b.detail, 'unknown error')}`);
    } else {
      const link = b.job_url ?? b.external_id;
      lines.push(`- ${b.target} ${backendName(b)}: ${ACK_WORDS[b.state] ?? b.state.toUpperCase()}${link ? `: ${link}` : ''}`);
    }
  }
  const replaced = (options.superseded ?? []).map((r) => vcsFor(r.source.vcs).shortRevision(r.revision));
  if (replaced.length) {
    lines.push('', `The builds of ${listSome(replaced, 3)} were cancelled: their results will not be posted.`);
  }
  lines.push('', 'One more comment will follow with the results when every build has finished.');
  const marker = commentMarker(request.id, 'ack');
  return { kind: 'ack', marker, subject: subjectFor(proposal), body: withMarker(lines, marker), vote: null };
}

type Compared = Extract<BuildComparison, { status: 'compared' }>;

function comparedOf(b: BuildRow): Compared | null {
  return b.comparison?.status === 'compared' ? b.comparison : null;
}

function regressed(b: BuildRow): boolean {
  return (comparedOf(b)?.counts.regressions ?? 0) > 0;
}

/** Results a comparison says may be incomplete (a truncated or garbled `.sum`). */
function incomplete(b: BuildRow): boolean {
  return (comparedOf(b)?.warnings.length ?? 0) > 0;
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
 * every build passed and was compared in full without regressions, and no
 * vote when the lab let us down or something could not be compared.
 */
export function decideVote(builds: readonly BuildRow[]): ReviewVote | null {
  const outcome = requestOutcome(builds);
  if (outcome === 'failed' || outcome === 'regressed') return 'Needs Fixing';
  if (outcome === 'passed' && builds.every((b) => comparedOf(b) !== null && !incomplete(b))) return 'Approve';
  return null;
}

/** The link that shows a build's result: the log where a failure is, else the job. */
function buildLink(b: BuildRow): string | null {
  // CBuild's log_url is its make.log; LAVA's is the dispatcher log, secondary to the make.log it published and its job page.
  if (b.backend === 'cbuild') return b.failure_excerpt?.log_url ?? b.log_url ?? b.job_url;
  if (b.state === 'failed') return b.failure_excerpt?.log_url ?? b.job_url ?? b.log_url;
  return b.job_url ?? b.log_url;
}

function durationOf(b: BuildRow): string {
  return b.started_at && b.finished_at ? ` in ${formatDuration(Date.parse(b.finished_at) - Date.parse(b.started_at))}` : '';
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** What a build's comparison amounts to, in a few words. */
function comparisonWords(b: BuildRow): string {
  const c = comparedOf(b);
  if (b.comparison?.status === 'not-compared') return ', not compared';
  if (!c) return '';
  const words = c.counts.regressions > 0 ? plural(c.counts.regressions, 'regression') : 'no regressions';
  return incomplete(b) ? `, ${words} (results incomplete)` : `, ${words}`;
}

/**
 * One line per build — target, backend, result, time, its link and its full
 * diff — readable with spaces collapsed; a failed LAVA build's job page on
 * the next line (its first link is the make.log it published).
 */
function buildLines(b: BuildRow): string[] {
  const link = buildLink(b);
  const attempts = b.attempt > 1 ? ` (attempt ${b.attempt})` : '';
  const diff = comparedOf(b)?.diffUrl;
  const line = `- ${b.target} ${backendName(b)}: ${RESULT_WORDS[b.state] ?? b.state.toUpperCase()}${durationOf(b)}${attempts}${comparisonWords(b)}${link ? `: ${link}` : ''}${diff ? ` (full diff: ${diff})` : ''}`;
  const jobPage = b.backend === 'lava' && b.job_url && link !== b.job_url ? [`    LAVA job: ${b.job_url}`] : [];
  return [line, ...jobPage];
}

function headline(sorted: BuildRow[]): string[] {
  switch (requestOutcome(sorted)) {
    case 'failed':
      return [`The build FAILED on ${where(sorted.filter((b) => b.state === 'failed'))}.`, 'The first errors are quoted below, with links to the logs.'];
    case 'regressed': {
      const builds = sorted.filter(regressed);
      const names = [...new Set(builds.flatMap((b) => comparedOf(b)!.regressions))];
      const complete = builds.every((b) => comparedOf(b)!.regressions.length === comparedOf(b)!.counts.regressions);
      const n = Math.max(names.length, ...builds.map((b) => comparedOf(b)!.counts.regressions));
      const first = names.length ? `: ${oneLine(names[0])}${n > 1 ? ` and ${complete ? `${n - 1} more` : 'more'}` : ''}` : '';
      return [`${complete ? '' : 'At least '}${plural(n, 'test regression')} on ${where(builds)}${first}.`, 'The regressions are listed below; the full diffs are linked.'];
    }
    case 'infra': {
      const lab = sorted.filter((b) => b.state === 'infra' || b.state === 'error');
      return [`No result on ${where(lab)}: the builds could not run (infrastructure), which is not this change's fault.`, 'A rebuild can be asked for with a comment saying "cbuild-bot: rebuild".'];
    }
    case 'cancelled':
      return [`Some builds were cancelled: ${where(sorted.filter((b) => b.state === 'cancelled'))}.`];
    case 'passed': {
      if (sorted.some(incomplete)) return [`Every build passed, but the test results of ${where(sorted.filter(incomplete))} are incomplete: see below.`];
      if (sorted.every((b) => comparedOf(b) !== null)) return ['Every build passed with no test regressions.'];
      return ['Every build passed; not every build could be compared with a baseline (see below).'];
    }
  }
}

/** Which backend counted, where LAVA is a target's main platform: its CBuild build ran, as a shadow, and is not shown. */
function countedLines(shown: readonly BuildRow[], all: readonly BuildRow[]): string[] {
  const lavaMain = groupBy(shown, (b) => b.target)
    .filter((g) => g.every((b) => b.backend === 'lava') && all.some((b) => b.target === g[0].target && b.backend === 'cbuild' && b.shadow))
    .map((g) => g[0].target);
  if (!lavaMain.length) return [];
  return ['', `LAVA is the main build platform for ${lavaMain.join(', ')}: its results count here; CBuild built ${lavaMain.length > 1 ? 'them' : 'it'} too, as a shadow, not counted.`];
}

/**
 * A part of the results comment: a heading and entries (each a few lines),
 * at a level of detail. `render(level)` returns null past its last level.
 */
interface Section {
  heading: string;
  levels: number;
  entries(level: number): string[][];
  /** What the entries left out by the fold amount to, e.g. "… and 3 more builds with regressions: see their full diffs". */
  rest(count: number): string;
  /** Whether some of the entries are worth showing when all do not fit (not for mere counts). */
  partial: boolean;
}

/** Names under a heading, builds with the same names together, cut to `max` per group. */
function nameEntries(builds: readonly BuildRow[], names: (c: Compared) => readonly string[], total: (c: Compared) => number, max: number): string[][] {
  const withNames = builds.filter((b) => {
    const c = comparedOf(b);
    return c !== null && names(c).length > 0;
  });
  return groupBy(withNames, (b) => `${total(comparedOf(b)!)}\n${names(comparedOf(b)!).join('\n')}`).map((group) => {
    const c = comparedOf(group[0])!;
    const shown = names(c).slice(0, max);
    const more = total(c) - shown.length;
    return [`- ${where(group)}:`, ...shown.map((n) => `    ${oneLine(n)}`), ...(more > 0 ? [`    … and ${more} more: see the full diff`] : [])];
  });
}

const NAMES_PER_LEVEL = [10, 5, 3, 1];
const EXCERPT_LINES_PER_LEVEL = [10, 6, 3, 1];

function nameSection(heading: string, builds: readonly BuildRow[], names: (c: Compared) => readonly string[], total: (c: Compared) => number): Section {
  return {
    heading,
    levels: NAMES_PER_LEVEL.length,
    entries: (level) => nameEntries(builds, names, total, NAMES_PER_LEVEL[level]),
    rest: (n) => `- … and ${plural(n, 'more build')}: see the full diffs`,
    partial: true,
  };
}

function listSection(heading: string, entries: string[][], rest: (n: number) => string, partial = true): Section {
  return { heading, levels: 1, entries: () => entries, rest, partial };
}

/** The comment's parts after the build lines, most needed first. */
function sections(shown: BuildRow[], vote: boolean): Section[] {
  const failed = shown.filter((b) => b.state === 'failed');
  const excerptGroups = groupBy(failed, (b) => `${(b.failure_excerpt?.lines ?? []).join('\n')}\n${b.failure_excerpt?.note ?? ''}`);
  const compared = shown.filter((b) => comparedOf(b) !== null);
  const baseline = compared.length ? oneLine(comparedOf(compared[0])!.baseline.label) : '';
  const lab = shown.filter((b) => b.state === 'infra' || b.state === 'error' || b.earlier_attempts.length > 0);
  return [
    {
      heading: 'First errors of the failed builds (from make.log):',
      levels: EXCERPT_LINES_PER_LEVEL.length,
      entries: (level) =>
        excerptGroups.map((group) => {
          const excerpt = group[0].failure_excerpt;
          if (!excerpt) return [`- ${where(group)}: its log was not read`];
          const note = excerpt.note ? `: ${oneLine(excerpt.note)}` : '';
          return [`- ${where(group)}${note}${excerpt.lines.length ? ':' : ''}`, ...excerpt.lines.slice(0, EXCERPT_LINES_PER_LEVEL[level]).map((l) => `    ${l}`)];
        }),
      rest: (n) => `- … and ${plural(n, 'more failed build')}: see their logs above`,
      partial: true,
    },
    nameSection(`Regressions (PASS at the branch point, ${baseline}; FAIL now):`, compared, (c) => c.regressions, (c) => c.counts.regressions),
    nameSection('Known-flaky tests that changed (not counted as regressions):', compared, (c) => c.flaky ?? [], (c) => (c.flaky ?? []).length),
    listSection(
      `Incomplete test results (the comparison may miss tests${vote ? ', so no Approve vote' : ''}):`,
      compared.filter(incomplete).flatMap((b) => comparedOf(b)!.warnings.map((w) => [`- ${b.target} ${backendName(b)}: ${oneLine(w)}`])),
      (n) => `- … and ${plural(n, 'more warning')}: see the bot's log`,
    ),
    listSection(
      'Not compared:',
      shown.filter((b) => b.comparison?.status === 'not-compared').map((b) => [`- ${b.target} ${backendName(b)}: ${oneLine((b.comparison as { reason: string }).reason)}`]),
      (n) => `- … and ${plural(n, 'more build')}`,
    ),
    {
      heading: 'Problems of the build lab, not of this change:',
      levels: 2,
      entries: (level) =>
        lab.map((b) => {
          const ended = b.state === 'infra' || b.state === 'error';
          const attempts = level === 0 ? b.earlier_attempts.map((a) => `    attempt ${a.attempt}: ${detailText(a.detail, '')}${a.job_url ? ` ${a.job_url}` : ''}`) : [];
          const summary = ended ? detailText(b.detail, 'no detail given') : `${RESULT_WORDS[b.state] ?? b.state} after ${plural(b.earlier_attempts.length, 'failed attempt')}`;
          return [`- ${b.target} ${backendName(b)}: ${summary}`, ...attempts];
        }),
      rest: (n) => `- … and ${plural(n, 'more build')}: see the bot's status page`,
      partial: true,
    },
    { ...nameSection('New tests that FAIL (not regressions, but worth a look):', compared, (c) => c.newFailures, (c) => c.counts.new_fail), partial: false },
    listSection(`Compared with the branch point, ${baseline} (same target and backend):`, compared.map((b) => [comparisonLine(b, comparedOf(b)!)]), (n) => `- … and ${plural(n, 'more build')}`, false),
    listSection('Test counts (DejaGnu .sum):', shown.filter((b) => b.test_summary).map((b) => [countsLine(b)]), (n) => `- … and ${plural(n, 'more build')}`, false),
  ];
}

/** A build's comparison counts, only those that are not zero. */
function comparisonLine(b: BuildRow, c: Compared): string {
  const parts = [
    [c.counts.regressions, 'regression', 'regressions'],
    [c.counts.now_pass, 'now passes', 'now pass'],
    [c.counts.new_fail, 'new FAIL', 'new FAILs'],
    [c.counts.new_pass, 'new PASS', 'new PASSes'],
    [c.counts.gone, 'test gone', 'tests gone'],
    [c.counts.flaky, 'known-flaky change', 'known-flaky changes'],
  ] as const;
  const said = parts.filter(([n]) => n > 0).map(([n, one, many]) => `${n} ${n === 1 ? one : many}`);
  return `- ${b.target} ${backendName(b)}: ${said.length ? said.join(', ') : 'no change'}`;
}

const COUNT_ORDER = ['PASS', 'FAIL', 'XFAIL', 'XPASS', 'UNRESOLVED', 'UNSUPPORTED'];

function countsLine(b: BuildRow): string {
  const tools = Object.entries(b.test_summary ?? {}).map(
    ([tool, counts]) => `${oneLine(tool)} ${COUNT_ORDER.filter((k) => counts[k]).map((k) => `${counts[k]} ${k}`).join(', ') || 'no results'}`,
  );
  return `- ${b.target} ${backendName(b)}: ${tools.join('; ')}`;
}

const length = (lines: readonly string[]) => lines.reduce((n, l) => n + l.length + 1, 0);

/** Room kept for the line that says detail was cut. */
const CUT_NOTE = "Some detail was left out to stay within what Launchpad shows before \"Read more\": the logs and full diffs linked above have it all, and so does the bot's status page.";

/** A section at one level of detail: its lines, none when it has nothing to say. */
function renderSection(s: Section, level: number): string[] {
  const entries = s.entries(level);
  return entries.length ? ['', s.heading, ...entries.flat()] : [];
}

/** As many entries of a section's least detail as fit in `room`, then what was left out; null when not even one fits. */
function partialSection(s: Section, room: number): string[] | null {
  if (!s.partial) return null;
  const entries = s.entries(s.levels - 1);
  const lines = ['', s.heading];
  for (let i = 0; i < entries.length; i++) {
    if (length([...lines, ...entries[i], s.rest(entries.length - i - 1)]) > room) return i === 0 ? null : [...lines, s.rest(entries.length - i)];
    lines.push(...entries[i]);
  }
  return lines;
}

/**
 * The sections within `room`: every section first at its least detail, the
 * least needed dropped (or cut to some entries) until they fit; then, most
 * needed first, each given as much detail as still fits. So a long first
 * section never crowds out the ones after it.
 */
function fitSections(all: Section[], room: number): { lines: string[]; cut: boolean } {
  const levels: (number | null)[] = all.map((s) => s.levels - 1);
  const rendered = () => all.flatMap((s, i) => (levels[i] === null ? [] : renderSection(s, levels[i]!)));
  let cut = false;
  let partial: { index: number; lines: string[] } | null = null;
  for (let i = all.length - 1; i >= 0 && length(rendered()) > room; i--) {
    levels[i] = null;
    cut ||= all[i].entries(all[i].levels - 1).length > 0;
    const fitted = partialSection(all[i], room - length(rendered()));
    if (fitted && length(rendered()) + length(fitted) <= room) partial = { index: i, lines: fitted };
  }
  const used = () => length(rendered()) + (partial ? length(partial.lines) : 0);
  for (let i = 0; i < all.length; i++) {
    if (levels[i] === null) continue;
    const least = levels[i]!;
    for (let level = 0; level < least; level++) {
      levels[i] = level;
      if (used() <= room) break;
      levels[i] = least;
    }
    // A level that says less than the first is a cut (a short list may read the same at every level).
    if (levels[i]! > 0 && renderSection(all[i], levels[i]!).join('\n') !== renderSection(all[i], 0).join('\n')) cut = true;
  }
  const lines = all.flatMap((s, i) => (levels[i] !== null ? renderSection(s, levels[i]!) : partial?.index === i ? partial.lines : []));
  return { lines, cut };
}

/**
 * The results comment: the verdict and what to do, a line per build, then
 * the first errors, regressions, warnings and lab problems, then counts —
 * with as much detail as fits before Launchpad's fold (the verdict and the
 * build lines always do). `builds` are all of the request's builds: shadow
 * ones are not shown, only said to have run.
 */
export function composeResults(
  proposal: ProposalRow,
  request: RequestRow,
  builds: readonly BuildRow[],
  targetOrder: readonly string[],
  options: { vote: boolean } = { vote: false },
): ComposedComment {
  const shown = sortBuilds(
    builds.filter((b) => !b.shadow),
    targetOrder,
  );
  const marker = commentMarker(request.id, 'results');
  const budget = COMMENT_BUDGET - length(['', `${MARKER_PREFIX}${marker}`]) - length(['', CUT_NOTE]);
  const head = [...headline(shown), ...countedLines(shown, builds), '', `Builds of ${revisionOf(request)}${askedBy(request)}:`];
  const buildList = shown.map(buildLines);
  let shownBuilds = buildList.length;
  // So many builds that their lines alone pass the fold: name as many as fit (a last resort; the status page lists all).
  while (shownBuilds > 1 && length([...head, ...buildList.slice(0, shownBuilds).flat(), '- … and 999 more builds: the status page lists them all']) > budget) shownBuilds--;
  const lines = [...head, ...buildList.slice(0, shownBuilds).flat()];
  let cut = shownBuilds < buildList.length;
  if (cut) lines.push(`- … and ${buildList.length - shownBuilds} more builds: the status page lists them all`);
  const fitted = fitSections(sections(shown, options.vote), budget - length(lines));
  lines.push(...fitted.lines);
  if (cut || fitted.cut) lines.push('', CUT_NOTE);
  return {
    kind: 'results',
    marker,
    subject: subjectFor(proposal),
    body: withMarker(lines, marker),
    vote: options.vote ? decideVote(shown) : null,
  };
}

/** True when a comment body is the bot's comment with this marker (its last non-empty line). */
export function hasMarker(body: string, marker: string): boolean {
  const lines = body.replace(/\r\n/g, '\n').split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return lines[lines.length - 1] === `${MARKER_PREFIX}${marker}`;
}
