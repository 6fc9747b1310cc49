/**
 * Read-only queries behind the status page and the capacity report. They
 * select whole rows (`SELECT *`), so columns added by later migrations (a
 * build's `shadow`, a request's `origin`) come along without a change here.
 */
import type { Store } from './store.js';
import type { BuildRow, CommentRow, ProposalRow, RequestRow } from '../core/model.js';

/** A request with what the pages show next to it. */
export interface RequestHistory {
  request: RequestRow;
  proposal: ProposalRow | null;
  builds: BuildRow[];
  comments: CommentRow[];
}

/** Builds of the requests that had a build end in a time window, with those requests. */
export interface WindowRows {
  /** Every build of those requests, so a pair of backends is complete even when one half ended outside the window. */
  builds: BuildRow[];
  requests: Map<number, RequestRow>;
  /** When the store's record begins (its first request), or null for an empty store: rates cover no time before it. */
  firstRecordedAt: string | null;
}

const FINAL_STATES = `('passed', 'failed', 'infra', 'cancelled', 'error')`;

export class History {
  constructor(private readonly store: Store) {}

  /** Requests still building, oldest first: the queue. */
  async active(): Promise<RequestHistory[]> {
    return this.withDetails(await this.store.db.all<RequestRow>(`SELECT * FROM requests WHERE state = 'active' ORDER BY id`));
  }

  /** The latest requests that are no longer building, newest first. */
  async recentlyEnded(limit: number): Promise<RequestHistory[]> {
    return this.withDetails(
      await this.store.db.all<RequestRow>(
        `SELECT * FROM requests WHERE state <> 'active' ORDER BY COALESCE(finished_at, created_at) DESC, id DESC LIMIT ?`,
        [limit],
      ),
    );
  }

  /** A proposal and every request made for it, newest revision first. */
  async proposal(id: number): Promise<{ proposal: ProposalRow; requests: RequestHistory[] } | undefined> {
    const proposal = await this.store.proposalById(id);
    if (!proposal) return undefined;
    const requests = await this.store.db.all<RequestRow>('SELECT * FROM requests WHERE proposal_id = ? ORDER BY id DESC', [id]);
    return { proposal, requests: await this.withDetails(requests) };
  }

  /** Requests with a build that ended in [since, until) (ISO times), and all their builds. */
  async window(since: string, until: string): Promise<WindowRows> {
    const requests = await this.store.db.all<RequestRow>(
      `SELECT * FROM requests WHERE id IN (
         SELECT request_id FROM builds WHERE state IN ${FINAL_STATES}
           AND COALESCE(finished_at, updated_at) >= ? AND COALESCE(finished_at, updated_at) < ?)
       ORDER BY id`,
      [since, until],
    );
    const builds = await this.store.buildsOfRequests(requests.map((r) => r.id));
    const first = await this.store.db.get<{ at: string | null }>('SELECT MIN(created_at) AS at FROM requests');
    return { builds: [...builds.values()].flat(), requests: new Map(requests.map((r) => [r.id, r])), firstRecordedAt: first?.at ?? null };
  }

  private async withDetails(requests: RequestRow[]): Promise<RequestHistory[]> {
    const ids = requests.map((r) => r.id);
    const builds = await this.store.buildsOfRequests(ids);
    const comments = await this.store.commentsOfRequests(ids);
    const proposalIds = [...new Set(requests.map((r) => r.proposal_id).filter((id): id is number => id !== null))];
    const proposals = proposalIds.length
      ? await this.store.db.all<ProposalRow>(`SELECT * FROM proposals WHERE id IN (${proposalIds.map(() => '?').join(',')})`, proposalIds)
      : [];
    const byId = new Map(proposals.map((p) => [p.id, p]));
    return requests.map((request) => ({
      request,
      proposal: request.proposal_id === null ? null : byId.get(request.proposal_id) ?? null,
      builds: builds.get(request.id) ?? [],
      comments: comments.filter((c) => c.request_id === request.id),
    }));
  }
}
