/** `cbuild-bot status`: what the store says is tracked, as tables or JSON. */
import type { Store } from '../store/store.js';
import { textTable } from '../core/report.js';

export interface StatusView {
  proposals: { id: number; proposal: string; status: string; tracked: boolean }[];
  requests: { id: number; proposal: string | null; revno: number; revision: string; state: string; created: string }[];
  builds: { request: number; target: string; backend: string; state: string; job: string | null; detail: string | null }[];
  comments: { request: number; kind: string; state: string; attempts: number; link: string | null }[];
}

export async function gatherStatus(store: Store, recent = 50): Promise<StatusView> {
  const proposals = await store.allProposals();
  const byId = new Map(proposals.map((p) => [p.id, p]));
  const requests = await store.recentRequests(recent);
  const builds = await store.buildsOfRequests(requests.map((r) => r.id));
  const comments = await store.commentsOfRequests(requests.map((r) => r.id));
  return {
    proposals: proposals.map((p) => ({ id: p.id, proposal: p.web_link, status: p.queue_status, tracked: p.tracked === 1 })),
    requests: requests.map((r) => ({
      id: r.id,
      proposal: r.proposal_id === null ? null : byId.get(r.proposal_id)?.web_link ?? null,
      revno: r.revno,
      revision: r.revision_id,
      state: r.state,
      created: r.created_at,
    })),
    builds: requests.flatMap((r) =>
      (builds.get(r.id) ?? []).map((b) => ({ request: r.id, target: b.target, backend: b.backend, state: b.state, job: b.job_url ?? b.external_id, detail: b.detail })),
    ),
    comments: comments.map((c) => ({ request: c.request_id, kind: c.kind, state: c.state, attempts: c.attempts, link: c.posted_link })),
  };
}

export function formatStatus(view: StatusView): string {
  const parts = [
    `Proposals (${view.proposals.length}):`,
    textTable(['id', 'status', 'tracked', 'proposal'], view.proposals.map((p) => [String(p.id), p.status, p.tracked ? 'yes' : 'no', p.proposal])),
    '',
    `Requests (latest ${view.requests.length}):`,
    textTable(['id', 'revno', 'state', 'created', 'proposal'], view.requests.map((r) => [String(r.id), String(r.revno), r.state, r.created, r.proposal ?? '-'])),
    '',
    'Builds:',
    textTable(['request', 'target', 'backend', 'state', 'job / detail'], view.builds.map((b) => [String(b.request), b.target, b.backend, b.state, [b.job, b.detail].filter(Boolean).join('  ') || '-'])),
    '',
    'Comments:',
    textTable(['request', 'kind', 'state', 'attempts', 'link'], view.comments.map((c) => [String(c.request), c.kind, c.state, String(c.attempts), c.link ?? '-'])),
  ];
  return parts.join('\n') + '\n';
}
