/**
 * Every query the bot makes, in one place, returning the bot's own types
 * (rows.ts decodes them). Writes that must stay consistent (a request with
 * its builds; a comment with its request's state) run in one transaction, so
 * a crash never leaves half a decision behind.
 */
import { Db, type SqlParam } from './db.js';
import { migrate } from './migrate.js';
import { redact } from '../secrets.js';
import type {
  Backend,
  BuildRow,
  BuildState,
  CommandRow,
  CommentRow,
  ProposalRow,
  RequestKind,
  RequestOrigin,
  RequestRow,
  RequestState,
  Revision,
  ReviewVote,
  Source,
  SourceTipRow,
} from '../core/model.js';
import {
  FINAL_BUILD,
  UNFINISHED_BUILD,
  decodeBuild,
  decodeCommand,
  decodeComment,
  decodeProposal,
  decodeRequest,
  decodeSourceTip,
  encodeBuildPatch,
  type BuildPatch,
} from './rows.js';

export type { BuildPatch } from './rows.js';

/** A request to record: what to build, why, and for whom. */
export interface NewRequestRecord {
  kind: RequestKind;
  origin: RequestOrigin;
  requestedBy?: string | null;
  proposalId: number | null;
  baseRequestId: number | null;
  source: Source;
  /** Where builders fetch the source from. */
  sourceUrl: string;
  revision: Revision;
}

/** One build of a new request; `shadow` for a LAVA build in shadow rollout. */
export interface NewBuild {
  target: string;
  backend: Backend;
  shadow?: boolean;
}

/** What Launchpad says about a proposal; the rest of a ProposalRow is the bot's own bookkeeping. */
export type ProposalFacts = Pick<ProposalRow, 'self_link' | 'web_link' | 'source' | 'target' | 'queue_status' | 'http_etag'>;

type Raw = Record<string, unknown>;
type NewCommand = Omit<CommandRow, 'id' | 'request_id' | 'created_at'>;

/** A comment to queue for a request (ack, results) or a proposal (notice). */
export interface NewComment {
  requestId: number | null;
  proposalId: number;
  kind: 'ack' | 'results' | 'notice';
  marker: string;
  subject: string;
  body: string;
  vote: ReviewVote | null;
}

/** Rows per multi-row statement: 300 (a Launchpad page) × 13 values stays far below SQLite's 32,766 parameters. */
const UPSERT_CHUNK = 300;

function inList(ids: readonly unknown[]): string {
  return ids.map(() => '?').join(',');
}

export class Store {
  private constructor(
    readonly db: Db,
    /** Migrations this open applied (empty when the database was up to date). */
    readonly appliedMigrations: string[],
  ) {}

  /** Opens the database and applies pending migrations. */
  static async open(path: string): Promise<Store> {
    const db = await Db.open(path);
    const applied = await migrate(db);
    return new Store(db, applied.map((m) => `${String(m.version).padStart(3, '0')}_${m.name}`));
  }

  close(): Promise<void> {
    return this.db.close();
  }

  private async rows<T>(decode: (r: Raw) => T, sql: string, params: SqlParam[] = []): Promise<T[]> {
    return (await this.db.all<Raw>(sql, params)).map(decode);
  }

  private async row<T>(decode: (r: Raw) => T, sql: string, params: SqlParam[] = []): Promise<T | undefined> {
    const r = await this.db.get<Raw>(sql, params);
    return r ? decode(r) : undefined;
  }

  // --- proposals and source tips ---

  /**
   * Records what Launchpad says of the proposals of a listing (a proposal
   * listed again is tracked again; an unchanged row is not written): a constant number of statements per
   * UPSERT_CHUNK proposals (one upsert, one read back) in one transaction,
   * so recording a page costs the same however many proposals it holds.
   * Returns the rows in the order given.
   */
  async upsertProposals(facts: readonly ProposalFacts[], now: string): Promise<ProposalRow[]> {
    if (facts.length === 0) return [];
    return this.db.transaction(async () => {
      const byLink = new Map<string, ProposalRow>();
      for (let i = 0; i < facts.length; i += UPSERT_CHUNK) {
        const chunk = facts.slice(i, i + UPSERT_CHUNK);
        await this.db.run(
          `INSERT INTO proposals (self_link, web_link, vcs, source_link, source_path, source_ref, target_link, target_path, target_ref,
             queue_status, http_etag, tracked, first_seen_at, updated_at)
           VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)').join(', ')}
           ON CONFLICT(self_link) DO UPDATE SET web_link = excluded.web_link, vcs = excluded.vcs, source_link = excluded.source_link,
             source_path = excluded.source_path, source_ref = excluded.source_ref, target_link = excluded.target_link,
             target_path = excluded.target_path, target_ref = excluded.target_ref, queue_status = excluded.queue_status,
             http_etag = excluded.http_etag, tracked = 1, updated_at = excluded.updated_at
           WHERE proposals.http_etag IS NOT excluded.http_etag OR proposals.queue_status <> excluded.queue_status OR proposals.tracked = 0
             OR proposals.source_link <> excluded.source_link OR proposals.target_link <> excluded.target_link`,
          chunk.flatMap((f) => [
            f.self_link, f.web_link, f.source.vcs, f.source.link, f.source.path, f.source.ref, f.target.link, f.target.path, f.target.ref,
            f.queue_status, f.http_etag, now, now,
          ]),
        );
        const rows = await this.rows(decodeProposal, `SELECT * FROM proposals WHERE self_link IN (${inList(chunk)})`, chunk.map((f) => f.self_link));
        for (const row of rows) byLink.set(row.self_link, row);
      }
      return facts.map((f) => byLink.get(f.self_link)!);
    });
  }

  proposalByLink(selfLink: string): Promise<ProposalRow | undefined> {
    return this.row(decodeProposal, 'SELECT * FROM proposals WHERE self_link = ?', [selfLink]);
  }

  proposalById(id: number): Promise<ProposalRow | undefined> {
    return this.row(decodeProposal, 'SELECT * FROM proposals WHERE id = ?', [id]);
  }

  async proposalsById(ids: readonly number[]): Promise<Map<number, ProposalRow>> {
    if (ids.length === 0) return new Map();
    const rows = await this.rows(decodeProposal, `SELECT * FROM proposals WHERE id IN (${inList(ids)})`, [...ids]);
    return new Map(rows.map((p) => [p.id, p]));
  }

  trackedProposals(): Promise<ProposalRow[]> {
    return this.rows(decodeProposal, 'SELECT * FROM proposals WHERE tracked = 1 ORDER BY id');
  }

  allProposals(): Promise<ProposalRow[]> {
    return this.rows(decodeProposal, 'SELECT * FROM proposals ORDER BY id');
  }

  /** Records why the proposal cannot be built (null: it can again). */
  async setUnbuildable(id: number, reason: string | null): Promise<void> {
    await this.db.run('UPDATE proposals SET unbuildable = ? WHERE id = ?', [reason === null ? null : redact(reason), id]);
  }

  async setProposalStatus(id: number, queueStatus: string, tracked: boolean, etag: string | null, now: string): Promise<void> {
    await this.db.run('UPDATE proposals SET queue_status = ?, tracked = ?, http_etag = ?, updated_at = ? WHERE id = ?', [
      queueStatus, tracked ? 1 : 0, etag, now, id,
    ]);
  }

  sourceTip(link: string): Promise<SourceTipRow | undefined> {
    return this.row(decodeSourceTip, 'SELECT * FROM sources WHERE self_link = ?', [link]);
  }

  async sourceTips(): Promise<Map<string, SourceTipRow>> {
    const rows = await this.rows(decodeSourceTip, 'SELECT * FROM sources');
    return new Map(rows.map((r) => [r.link, r]));
  }

  /** Records source tips as read on Launchpad: one statement per UPSERT_CHUNK, in one transaction. */
  async upsertSourceTips(rows: readonly SourceTipRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db.transaction(async () => {
      for (let i = 0; i < rows.length; i += UPSERT_CHUNK) {
        const chunk = rows.slice(i, i + UPSERT_CHUNK);
        await this.db.run(
          `INSERT INTO sources (self_link, vcs, path, ref, identity, tip, revno, repository_url, http_etag, checked_at)
           VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}
           ON CONFLICT(self_link) DO UPDATE SET vcs = excluded.vcs, path = excluded.path, ref = excluded.ref,
             identity = excluded.identity, tip = excluded.tip, revno = excluded.revno, repository_url = excluded.repository_url,
             http_etag = excluded.http_etag, checked_at = excluded.checked_at`,
          chunk.flatMap((r) => [r.link, r.vcs, r.path, r.ref, r.identity, r.tip, r.revno, r.repository_url, r.http_etag, r.checked_at]),
        );
      }
    });
  }

  // --- requests and builds ---

  /** Every request of the given proposals (any state), for the planner's "seen before" rule. */
  requestsOfProposals(proposalIds: readonly number[]): Promise<RequestRow[]> {
    if (proposalIds.length === 0) return Promise.resolve([]);
    return this.rows(decodeRequest, `SELECT * FROM requests WHERE proposal_id IN (${inList(proposalIds)}) ORDER BY id`, [...proposalIds]);
  }

  /** Requests that the given requests replaced before their results were posted (a newer revision of the same proposal). */
  requestsSupersededBy(requestIds: readonly number[]): Promise<RequestRow[]> {
    if (requestIds.length === 0) return Promise.resolve([]);
    return this.rows(decodeRequest, `SELECT * FROM requests WHERE state = 'superseded' AND superseded_by IN (${inList(requestIds)}) ORDER BY id`, [...requestIds]);
  }

  requestsInState(state: RequestState): Promise<RequestRow[]> {
    return this.rows(decodeRequest, 'SELECT * FROM requests WHERE state = ? ORDER BY id', [state]);
  }

  request(id: number): Promise<RequestRow | undefined> {
    return this.row(decodeRequest, 'SELECT * FROM requests WHERE id = ?', [id]);
  }

  async requestsById(ids: readonly number[]): Promise<Map<number, RequestRow>> {
    if (ids.length === 0) return new Map();
    const rows = await this.rows(decodeRequest, `SELECT * FROM requests WHERE id IN (${inList(ids)})`, [...ids]);
    return new Map(rows.map((r) => [r.id, r]));
  }

  recentRequests(limit: number): Promise<RequestRow[]> {
    return this.rows(decodeRequest, 'SELECT * FROM requests ORDER BY id DESC LIMIT ?', [limit]);
  }

  /** Requests still building, oldest first. */
  activeRequests(): Promise<RequestRow[]> {
    return this.requestsInState('active');
  }

  /** The latest requests that are no longer building, newest first. */
  recentlyEndedRequests(limit: number): Promise<RequestRow[]> {
    return this.rows(decodeRequest, `SELECT * FROM requests WHERE state <> 'active' ORDER BY COALESCE(finished_at, created_at) DESC, id DESC LIMIT ?`, [limit]);
  }

  /** A proposal's requests, newest first. */
  requestsOfProposal(proposalId: number): Promise<RequestRow[]> {
    return this.rows(decodeRequest, 'SELECT * FROM requests WHERE proposal_id = ? ORDER BY id DESC', [proposalId]);
  }

  /** Requests with a build that ended in [since, until) (ISO times). */
  requestsWithBuildsEndedBetween(since: string, until: string): Promise<RequestRow[]> {
    return this.rows(
      decodeRequest,
      `SELECT * FROM requests WHERE id IN (
         SELECT request_id FROM builds WHERE ${FINAL_BUILD}
           AND COALESCE(finished_at, updated_at) >= ? AND COALESCE(finished_at, updated_at) < ?)
       ORDER BY id`,
      [since, until],
    );
  }

  /**
   * Records a request and all its builds atomically. `submitKey` derives each
   * build's idempotency key from the new request id.
   */
  async createRequest(
    req: NewRequestRecord,
    builds: readonly NewBuild[],
    submitKey: (requestId: number, build: NewBuild) => string,
    now: string,
  ): Promise<number> {
    return this.db.transaction(() => this.insertRequest(req, builds, submitKey, now));
  }

  /** createRequest's body, for callers that already hold a transaction. */
  private async insertRequest(req: NewRequestRecord, builds: readonly NewBuild[], submitKey: (requestId: number, build: NewBuild) => string, now: string): Promise<number> {
    const { lastID } = await this.db.run(
      `INSERT INTO requests (kind, origin, requested_by, proposal_id, base_request_id, vcs, source_path, source_ref, source_url,
         revision_id, revno, state, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?)`,
      [
        req.kind, req.origin, req.requestedBy ?? null, req.proposalId, req.baseRequestId, req.source.vcs, req.source.path,
        req.source.ref, req.sourceUrl, req.revision.id, req.revision.revno, now,
      ],
    );
    for (const b of builds) {
      await this.db.run(
        `INSERT INTO builds (request_id, target, backend, state, shadow, submit_key, updated_at) VALUES (?, ?, ?, 'pending', ?, ?, ?)`,
        [lastID, b.target, b.backend, b.shadow ? 1 : 0, submitKey(lastID, b), now],
      );
    }
    return lastID;
  }

  /**
   * A rebuild asked for in a comment: the new request and the command that
   * asked for it are recorded together, and the proposal's running requests
   * are superseded by it, so a crash never acts on a command twice.
   */
  async createRequestForCommand(
    command: NewCommand,
    req: NewRequestRecord,
    builds: readonly NewBuild[],
    submitKey: (requestId: number, build: NewBuild) => string,
    now: string,
  ): Promise<{ requestId: number; superseded: number[] }> {
    return this.db.transaction(async () => {
      const requestId = await this.insertRequest(req, builds, submitKey, now);
      const running = await this.db.all<{ id: number }>(`SELECT id FROM requests WHERE proposal_id = ? AND state = 'active' AND id <> ?`, [
        req.proposalId,
        requestId,
      ]);
      for (const r of running) await this.endRequestRow(r.id, 'superseded', now, requestId);
      await this.insertCommand(command, requestId, now);
      return { requestId, superseded: running.map((r) => r.id) };
    });
  }

  /**
   * Records a command and what was done about it; a `cancel` ends the listed
   * requests and `reply` queues the answer, all in one transaction.
   */
  async recordCommand(
    command: NewCommand,
    effects: { cancel?: number[]; reply?: { subject: string; body: (commandId: number) => { body: string; marker: string } } },
    now: string,
  ): Promise<number> {
    return this.db.transaction(async () => {
      for (const id of effects.cancel ?? []) await this.endRequestRow(id, 'cancelled', now);
      const commandId = await this.insertCommand(command, null, now);
      if (effects.reply) {
        const { body, marker } = effects.reply.body(commandId);
        await this.db.run(
          `INSERT INTO comments (command_id, proposal_id, kind, marker, subject, body, state, created_at) VALUES (?, ?, 'command', ?, ?, ?, 'pending', ?)`,
          [commandId, command.proposal_id, marker, effects.reply.subject, body, now],
        );
      }
      return commandId;
    });
  }

  private async insertCommand(c: NewCommand, requestId: number | null, now: string): Promise<number> {
    const { lastID } = await this.db.run(
      `INSERT INTO commands (proposal_id, comment_link, author, verb, targets, state, outcome, request_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [c.proposal_id, c.comment_link, c.author, c.verb, c.targets.length ? JSON.stringify(c.targets) : null, c.state, redact(c.outcome), requestId, now],
    );
    return lastID;
  }

  /** Comment links already looked at on a proposal: each command is acted on once. */
  async commandLinks(proposalId: number): Promise<Set<string>> {
    const rows = await this.db.all<{ comment_link: string }>('SELECT comment_link FROM commands WHERE proposal_id = ?', [proposalId]);
    return new Set(rows.map((r) => r.comment_link));
  }

  commands(): Promise<CommandRow[]> {
    return this.rows(decodeCommand, 'SELECT * FROM commands ORDER BY id');
  }

  /** The proposal's latest request (any origin), for rebuilds and cancels. */
  latestRequestOf(proposalId: number): Promise<RequestRow | undefined> {
    return this.row(decodeRequest, 'SELECT * FROM requests WHERE proposal_id = ? ORDER BY id DESC LIMIT 1', [proposalId]);
  }

  activeRequestsOf(proposalId: number): Promise<RequestRow[]> {
    return this.rows(decodeRequest, `SELECT * FROM requests WHERE proposal_id = ? AND state = 'active' ORDER BY id`, [proposalId]);
  }

  /** The baseline request for a target revision, if one was made (by a proposal or a daily). */
  baselineFor(source: Source, revisionId: string): Promise<RequestRow | undefined> {
    return this.row(
      decodeRequest,
      `SELECT * FROM requests WHERE kind = 'baseline' AND vcs = ? AND source_path = ? AND IFNULL(source_ref, '') = ? AND revision_id = ?`,
      [source.vcs, source.path, source.ref ?? '', revisionId],
    );
  }

  async markRequestDone(id: number, now: string): Promise<void> {
    await this.db.run(`UPDATE requests SET state = 'done', finished_at = ? WHERE id = ? AND state = 'active'`, [now, id]);
  }

  /** Ends a request (superseded/closed/cancelled) and flags its unfinished builds for cancellation, atomically. */
  async endRequest(id: number, state: 'superseded' | 'closed' | 'cancelled', now: string, supersededBy?: number): Promise<void> {
    await this.db.transaction(() => this.endRequestRow(id, state, now, supersededBy));
  }

  private async endRequestRow(id: number, state: 'superseded' | 'closed' | 'cancelled', now: string, supersededBy?: number): Promise<void> {
    await this.db.run('UPDATE requests SET state = ?, superseded_by = ?, finished_at = ? WHERE id = ? AND state = ?', [
      state, supersededBy ?? null, now, id, 'active',
    ]);
    await this.db.run(`UPDATE builds SET cancel_requested = 1, updated_at = ? WHERE request_id = ? AND ${UNFINISHED_BUILD}`, [now, id]);
  }

  unfinishedBuilds(): Promise<BuildRow[]> {
    return this.rows(decodeBuild, `SELECT * FROM builds WHERE ${UNFINISHED_BUILD} ORDER BY id`);
  }

  /**
   * Takes a pending build for submission. Only one caller wins (the bot's
   * cycle or a `schedule` command in another process), so a job is never
   * submitted twice; from now on its fate is uncertain until recorded.
   */
  async claimBuild(id: number, now: string): Promise<boolean> {
    const { changes } = await this.db.run(
      `UPDATE builds SET state = 'submitting', uncertain_since = ?, next_check_at = NULL, updated_at = ? WHERE id = ? AND state = 'pending'`,
      [now, now, id],
    );
    return changes === 1;
  }

  /** Builds held for a configuration error go back to pending (the configuration was re-read); returns how many. */
  async releaseHeldBuilds(now: string): Promise<number> {
    const { changes } = await this.db.run(`UPDATE builds SET state = 'pending', detail = NULL, updated_at = ? WHERE state = 'held'`, [now]);
    return changes;
  }

  async buildsOfRequests(ids: readonly number[]): Promise<Map<number, BuildRow[]>> {
    const out = new Map<number, BuildRow[]>();
    if (ids.length === 0) return out;
    const rows = await this.rows(decodeBuild, `SELECT * FROM builds WHERE request_id IN (${inList(ids)}) ORDER BY id`, [...ids]);
    for (const r of rows) out.set(r.request_id, [...(out.get(r.request_id) ?? []), r]);
    return out;
  }

  build(id: number): Promise<BuildRow | undefined> {
    return this.row(decodeBuild, 'SELECT * FROM builds WHERE id = ?', [id]);
  }

  async updateBuild(id: number, patch: BuildPatch, now: string): Promise<void> {
    // Build fields carry text from outside (LAVA errors, HTTP errors): never store a secret in any of them.
    const entries = encodeBuildPatch({ ...patch, updated_at: now }).map(([k, v]) => [k, typeof v === 'string' ? redact(v) : v] as const);
    await this.db.run(`UPDATE builds SET ${entries.map(([k]) => `${k} = ?`).join(', ')} WHERE id = ?`, [...entries.map(([, v]) => v), id]);
  }

  async setBuildState(id: number, state: BuildState, now: string, patch: BuildPatch = {}): Promise<void> {
    await this.updateBuild(id, { ...patch, state }, now);
  }

  // --- comments (outbox) ---

  /**
   * Queues a comment. For a results comment the request is marked done in the
   * same transaction, so it is never queued twice.
   */
  async queueComment(c: NewComment, now: string): Promise<void> {
    await this.db.transaction(async () => {
      await this.db.run(
        `INSERT OR IGNORE INTO comments (request_id, proposal_id, kind, marker, subject, body, vote, state, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?)`,
        [c.requestId, c.proposalId, c.kind, c.marker, c.subject, redact(c.body), c.vote, now],
      );
      if (c.kind === 'results' && c.requestId !== null) {
        await this.db.run(`UPDATE requests SET state = 'done', finished_at = ? WHERE id = ? AND state = 'active'`, [now, c.requestId]);
      }
    });
  }

  commentsOfRequests(ids: readonly number[]): Promise<CommentRow[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.rows(decodeComment, `SELECT * FROM comments WHERE request_id IN (${inList(ids)}) ORDER BY id`, [...ids]);
  }

  commentsOfProposal(proposalId: number): Promise<CommentRow[]> {
    return this.rows(decodeComment, 'SELECT * FROM comments WHERE proposal_id = ? ORDER BY id', [proposalId]);
  }

  commentByMarker(marker: string): Promise<CommentRow | undefined> {
    return this.row(decodeComment, 'SELECT * FROM comments WHERE marker = ?', [marker]);
  }

  outbox(): Promise<CommentRow[]> {
    return this.rows(decodeComment, `SELECT * FROM comments WHERE state IN ('pending', 'posting') ORDER BY id`);
  }

  allComments(): Promise<CommentRow[]> {
    return this.rows(decodeComment, 'SELECT * FROM comments ORDER BY id');
  }

  /** Marks a comment as being posted: from here until it is recorded, its fate is uncertain. */
  async markPosting(id: number, now: string): Promise<void> {
    await this.db.run(`UPDATE comments SET state = 'posting', attempts = attempts + 1, uncertain_since = ?, next_check_at = NULL WHERE id = ?`, [now, id]);
  }

  async markPosted(id: number, link: string | null, state: 'posted' | 'printed', now: string): Promise<void> {
    await this.db.run(
      `UPDATE comments SET state = ?, posted_link = ?, posted_at = ?, last_error = NULL, uncertain_since = NULL, next_check_at = NULL WHERE id = ?`,
      [state, link, now, id],
    );
  }

  /**
   * A definite refusal (4xx): the comment was not posted; tried again next
   * cycle until `giveUp`, when it is recorded as failed.
   */
  async markRefused(id: number, error: string, giveUp: boolean): Promise<void> {
    await this.db.run(`UPDATE comments SET state = ?, last_error = ?, uncertain_since = NULL, next_check_at = NULL WHERE id = ?`, [
      giveUp ? 'failed' : 'pending', redact(error), id,
    ]);
  }

  /** An ambiguous failure: it may have been posted; its marker is looked for again at `nextCheckAt`. */
  async markUncertain(id: number, error: string, nextCheckAt: string): Promise<void> {
    await this.db.run(`UPDATE comments SET last_error = ?, next_check_at = ? WHERE id = ?`, [redact(error), nextCheckAt, id]);
  }

  /** A queued comment that must not be posted any more (its request ended, its proposal closed). */
  async withdrawComment(id: number, reason: string): Promise<void> {
    await this.db.run(`UPDATE comments SET state = 'withdrawn', last_error = ?, uncertain_since = NULL, next_check_at = NULL WHERE id = ? AND state IN ('pending', 'posting')`, [
      redact(reason), id,
    ]);
  }
}

