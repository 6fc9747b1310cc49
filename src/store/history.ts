/**
 * Read-only views behind the status page and the capacity report: requests
 * with the proposal, builds and comments shown next to them.
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

export class History {
  constructor(private readonly store: Store) {}

  /** Requests still building, oldest first: the queue. */
  async active(): Promise<RequestHistory[]> {
    return this.withDetails(await this.store.activeRequests());
  }

  /** The latest requests that are no longer building, newest first. */
  async recentlyEnded(limit: number): Promise<RequestHistory[]> {
    return this.withDetails(await this.store.recentlyEndedRequests(limit));
  }

  /** A proposal and every request made for it, newest revision first. */
  async proposal(id: number): Promise<{ proposal: ProposalRow; requests: RequestHistory[] } | undefined> {
    const proposal = await this.store.proposalById(id);
    if (!proposal) return undefined;
    return { proposal, requests: await this.withDetails(await this.store.requestsOfProposal(id)) };
  }

  /** Requests with a build that ended in [since, until) (ISO times), and all their builds. */
  async window(since: string, until: string): Promise<WindowRows> {
    const requests = await this.store.requestsWithBuildsEndedBetween(since, until);
    const builds = await this.store.buildsOfRequests(requests.map((r) => r.id));
    const first = await this.store.db.get<{ at: string | null }>('SELECT MIN(created_at) AS at FROM requests');
    return { builds: [...builds.values()].flat(), requests: new Map(requests.map((r) => [r.id, r])), firstRecordedAt: first?.at ?? null };
  }

  private async withDetails(requests: RequestRow[]): Promise<RequestHistory[]> {
    const ids = requests.map((r) => r.id);
    const builds = await this.store.buildsOfRequests(ids);
    const comments = await this.store.commentsOfRequests(ids);
    const proposals = await this.store.proposalsById([...new Set(requests.map((r) => r.proposal_id).filter((id): id is number => id !== null))]);
    return requests.map((request) => ({
      request,
      proposal: request.proposal_id === null ? null : proposals.get(request.proposal_id) ?? null,
      builds: builds.get(request.id) ?? [],
      comments: comments.filter((c) => c.request_id === request.id),
    }));
  }
}
