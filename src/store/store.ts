/**
 * Every query the bot makes, in one place. Writes that must stay consistent
 * (a request with its builds; a comment with its request's state) run in one
 * transaction, so a crash never leaves half a decision behind.
 */
import { Db, type SqlParam } from './db.js';
import { migrate } from './migrate.js';
import { redact } from '../secrets.js';
import type {
  Backend,
  BranchRow,
  BuildRow,
  BuildState,
  CommandRow,
  CommentKind,
  CommentRow,
  ProposalRow,
  RequestKind,
  RequestOrigin,
  RequestRow,
  RequestState,
  ReviewVote,
} from '../core/model.js';

/** A request to record: what to build, why, and for whom. */
export interface NewRequestRecord {
  kind: RequestKind;
  origin: RequestOrigin;
  requestedBy?: string | null;
  proposalId: number | null;
  baseRequestId: number | null;
  branch: string;
  revisionId: string;
  revno: number;
}

/** One build of a new request; `shadow` for a LAVA build in shadow rollout. */
export interface NewBuild {
  target: string;
  backend: Backend;
  shadow?: boolean;
}

const UNFINISHED = `state NOT IN ('passed', 'failed', 'infra', 'cancelled', 'error')`;

/** What Launchpad says about a proposal; the rest of a ProposalRow is the bot's own bookkeeping. */
export type ProposalFacts = Pick<
  ProposalRow,
  'self_link' | 'web_link' | 'source_branch_link' | 'source_branch' | 'target_branch_link' | 'target_branch' | 'queue_status' | 'http_etag'
>;

type BuildPatch = Partial<Omit<BuildRow, 'id' | 'request_id' | 'target' | 'backend'>>;

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

  // --- proposals and branches ---

  async upsertProposal(facts: ProposalFacts, now: string): Promise<{ row: ProposalRow; changed: boolean }> {
    const existing = await this.proposalByLink(facts.self_link);
    if (!existing) {
      await this.db.run(
        `INSERT INTO proposals (self_link, web_link, source_branch_link, source_branch, target_branch_link, target_branch,
           queue_status, http_etag, tracked, first_seen_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
        [facts.self_link, facts.web_link, facts.source_branch_link, facts.source_branch, facts.target_branch_link,
          facts.target_branch, facts.queue_status, facts.http_etag, now, now],
      );
      return { row: (await this.proposalByLink(facts.self_link))!, changed: true };
    }
    const changed = existing.http_etag !== facts.http_etag || existing.queue_status !== facts.queue_status || existing.tracked !== 1;
    if (changed) {
      await this.db.run(
        `UPDATE proposals SET web_link = ?, source_branch_link = ?, source_branch = ?, target_branch_link = ?,
           target_branch = ?, queue_status = ?, http_etag = ?, tracked = 1, updated_at = ? WHERE id = ?`,
        [facts.web_link, facts.source_branch_link, facts.source_branch, facts.target_branch_link, facts.target_branch,
          facts.queue_status, facts.http_etag, now, existing.id],
      );
    }
    return { row: (await this.proposalByLink(facts.self_link))!, changed };
  }

  proposalByLink(selfLink: string): Promise<ProposalRow | undefined> {
    return this.db.get<ProposalRow>('SELECT * FROM proposals WHERE self_link = ?', [selfLink]);
  }

  proposalById(id: number): Promise<ProposalRow | undefined> {
    return this.db.get<ProposalRow>('SELECT * FROM proposals WHERE id = ?', [id]);
  }

  trackedProposals(): Promise<ProposalRow[]> {
    return this.db.all<ProposalRow>('SELECT * FROM proposals WHERE tracked = 1 ORDER BY id');
  }

  allProposals(): Promise<ProposalRow[]> {
    return this.db.all<ProposalRow>('SELECT * FROM proposals ORDER BY id');
  }

  async setProposalStatus(id: number, queueStatus: string, tracked: boolean, etag: string | null, now: string): Promise<void> {
    await this.db.run('UPDATE proposals SET queue_status = ?, tracked = ?, http_etag = ?, updated_at = ? WHERE id = ?', [
      queueStatus, tracked ? 1 : 0, etag, now, id,
    ]);
  }

  branch(selfLink: string): Promise<BranchRow | undefined> {
    return this.db.get<BranchRow>('SELECT * FROM branches WHERE self_link = ?', [selfLink]);
  }

  async branches(): Promise<Map<string, BranchRow>> {
    const rows = await this.db.all<BranchRow>('SELECT * FROM branches');
    return new Map(rows.map((r) => [r.self_link, r]));
  }

  async upsertBranch(row: BranchRow): Promise<void> {
    await this.db.run(
      `INSERT INTO branches (self_link, unique_name, bzr_identity, last_scanned_id, revision_count, http_etag, checked_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(self_link) DO UPDATE SET unique_name = excluded.unique_name, bzr_identity = excluded.bzr_identity,
         last_scanned_id = excluded.last_scanned_id, revision_count = excluded.revision_count,
         http_etag = excluded.http_etag, checked_at = excluded.checked_at`,
      [row.self_link, row.unique_name, row.bzr_identity, row.last_scanned_id, row.revision_count, row.http_etag, row.checked_at],
    );
  }

  // --- requests and builds ---

  /** Every request of the given proposals (any state), for the planner's "seen before" rule. */
  requestsOfProposals(proposalIds: number[]): Promise<RequestRow[]> {
    if (proposalIds.length === 0) return Promise.resolve([]);
    return this.db.all<RequestRow>(
      `SELECT * FROM requests WHERE proposal_id IN (${proposalIds.map(() => '?').join(',')}) ORDER BY id`,
      proposalIds,
    );
  }

  requestsInState(state: RequestState): Promise<RequestRow[]> {
    return this.db.all<RequestRow>('SELECT * FROM requests WHERE state = ? ORDER BY id', [state]);
  }

  request(id: number): Promise<RequestRow | undefined> {
    return this.db.get<RequestRow>('SELECT * FROM requests WHERE id = ?', [id]);
  }

  recentRequests(limit: number): Promise<RequestRow[]> {
    return this.db.all<RequestRow>('SELECT * FROM requests ORDER BY id DESC LIMIT ?', [limit]);
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
      `INSERT INTO requests (kind, origin, requested_by, proposal_id, base_request_id, branch, revision_id, revno, state, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'active', ?)`,
      [req.kind, req.origin, req.requestedBy ?? null, req.proposalId, req.baseRequestId, req.branch, req.revisionId, req.revno, now],
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
    command: Omit<CommandRow, 'id' | 'request_id' | 'created_at'>,
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
    command: Omit<CommandRow, 'id' | 'request_id' | 'created_at'>,
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

  private async insertCommand(c: Omit<CommandRow, 'id' | 'request_id' | 'created_at'>, requestId: number | null, now: string): Promise<number> {
    const { lastID } = await this.db.run(
      `INSERT INTO commands (proposal_id, comment_link, author, verb, targets, state, outcome, request_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [c.proposal_id, c.comment_link, c.author, c.verb, c.targets, c.state, redact(c.outcome), requestId, now],
    );
    return lastID;
  }

  /** Comment links already looked at on a proposal: each command is acted on once. */
  async commandLinks(proposalId: number): Promise<Set<string>> {
    const rows = await this.db.all<{ comment_link: string }>('SELECT comment_link FROM commands WHERE proposal_id = ?', [proposalId]);
    return new Set(rows.map((r) => r.comment_link));
  }

  commands(): Promise<CommandRow[]> {
    return this.db.all<CommandRow>('SELECT * FROM commands ORDER BY id');
  }

  /** The proposal's latest request (any origin), for rebuilds and cancels. */
  latestRequestOf(proposalId: number): Promise<RequestRow | undefined> {
    return this.db.get<RequestRow>('SELECT * FROM requests WHERE proposal_id = ? ORDER BY id DESC LIMIT 1', [proposalId]);
  }

  activeRequestsOf(proposalId: number): Promise<RequestRow[]> {
    return this.db.all<RequestRow>(`SELECT * FROM requests WHERE proposal_id = ? AND state = 'active' ORDER BY id`, [proposalId]);
  }

  /** The baseline request for a target branch revision, if one was made (by a proposal or a daily). */
  baselineFor(branch: string, revisionId: string): Promise<RequestRow | undefined> {
    return this.db.get<RequestRow>(`SELECT * FROM requests WHERE kind = 'baseline' AND branch = ? AND revision_id = ?`, [branch, revisionId]);
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
    await this.db.run(`UPDATE builds SET cancel_requested = 1, updated_at = ? WHERE request_id = ? AND ${UNFINISHED}`, [now, id]);
  }

  unfinishedBuilds(): Promise<BuildRow[]> {
    return this.db.all<BuildRow>(`SELECT * FROM builds WHERE ${UNFINISHED} ORDER BY id`);
  }

  /**
   * Takes a pending build for submission. Only one caller wins (the bot's
   * cycle or a `schedule` command in another process), so a job is never
   * submitted twice.
   */
  async claimBuild(id: number, now: string): Promise<boolean> {
    const { changes } = await this.db.run(`UPDATE builds SET state = 'submitting', updated_at = ? WHERE id = ? AND state = 'pending'`, [now, id]);
    return changes === 1;
  }

  async buildsOfRequests(ids: number[]): Promise<Map<number, BuildRow[]>> {
    const out = new Map<number, BuildRow[]>();
    if (ids.length === 0) return out;
    const rows = await this.db.all<BuildRow>(
      `SELECT * FROM builds WHERE request_id IN (${ids.map(() => '?').join(',')}) ORDER BY id`,
      ids,
    );
    for (const r of rows) out.set(r.request_id, [...(out.get(r.request_id) ?? []), r]);
    return out;
  }

  build(id: number): Promise<BuildRow | undefined> {
    return this.db.get<BuildRow>('SELECT * FROM builds WHERE id = ?', [id]);
  }

  async updateBuild(id: number, patch: BuildPatch, now: string): Promise<void> {
    // Build fields carry text from outside (LAVA errors, HTTP errors): never store a secret in any of them.
    const entries = Object.entries({ ...patch, updated_at: now })
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, typeof v === 'string' ? redact(v) : v] as const);
    await this.db.run(`UPDATE builds SET ${entries.map(([k]) => `${k} = ?`).join(', ')} WHERE id = ?`, [
      ...entries.map(([, v]) => v as SqlParam),
      id,
    ]);
  }

  async setBuildState(id: number, state: BuildState, now: string, patch: BuildPatch = {}): Promise<void> {
    await this.updateBuild(id, { ...patch, state }, now);
  }

  // --- comments (outbox) ---

  /**
   * Queues a comment. For a results comment the request is marked done in the
   * same transaction, so it is never queued twice.
   */
  async queueComment(
    c: { requestId: number; proposalId: number; kind: Exclude<CommentKind, 'command'>; marker: string; subject: string; body: string; vote: ReviewVote | null },
    now: string,
  ): Promise<void> {
    await this.db.transaction(async () => {
      await this.db.run(
        `INSERT OR IGNORE INTO comments (request_id, proposal_id, kind, marker, subject, body, vote, state, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?)`,
        [c.requestId, c.proposalId, c.kind, c.marker, c.subject, c.body, c.vote, now],
      );
      if (c.kind === 'results') {
        await this.db.run(`UPDATE requests SET state = 'done', finished_at = ? WHERE id = ? AND state = 'active'`, [now, c.requestId]);
      }
    });
  }

  commentsOfRequests(ids: number[]): Promise<CommentRow[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.db.all<CommentRow>(`SELECT * FROM comments WHERE request_id IN (${ids.map(() => '?').join(',')})`, ids);
  }

  outbox(): Promise<CommentRow[]> {
    return this.db.all<CommentRow>(`SELECT * FROM comments WHERE state IN ('pending', 'posting') ORDER BY id`);
  }

  allComments(): Promise<CommentRow[]> {
    return this.db.all<CommentRow>('SELECT * FROM comments ORDER BY id');
  }

  /** Marks a comment as being posted: from here a crash is resolved by looking for its marker. */
  async markPosting(id: number): Promise<void> {
    await this.db.run(`UPDATE comments SET state = 'posting', attempts = attempts + 1 WHERE id = ?`, [id]);
  }

  async markPosted(id: number, link: string | null, state: 'posted' | 'printed', now: string): Promise<void> {
    await this.db.run(`UPDATE comments SET state = ?, posted_link = ?, posted_at = ?, last_error = NULL WHERE id = ?`, [
      state, link, now, id,
    ]);
  }

  /** A definite refusal (4xx): the comment was not posted, try again next cycle. */
  async markRefused(id: number, error: string): Promise<void> {
    await this.db.run(`UPDATE comments SET state = 'pending', last_error = ? WHERE id = ?`, [error, id]);
  }

  /** An ambiguous failure: it may have been posted; the marker check decides next cycle. */
  async markUncertain(id: number, error: string): Promise<void> {
    await this.db.run(`UPDATE comments SET last_error = ? WHERE id = ?`, [error, id]);
  }
}
