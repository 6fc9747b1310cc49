/** `cbuild-bot status`: what the store says is tracked, as tables or JSON. */
import type { Store } from '../store/store.js';
import { textTable } from '../core/report.js';
import { vcsFor } from '../vcs/index.js';

export interface StatusView {
  proposals: { id: number; proposal: string; status: string; tracked: boolean }[];
  requests: { id: number; kind: string; origin: string; requested_by: string | null; source: string; proposal: string | null; revision: string; state: string; created: string }[];
  /** `shadow`: a LAVA build in shadow rollout, recorded here but never shown in comments. */
  builds: { request: number; target: string; backend: string; shadow: boolean; state: string; job: string | null; detail: string | null }[];
  comments: { request: number | null; kind: string; state: string; attempts: number; link: string | null }[];
  commands: { proposal: string | null; author: string; verb: string; state: string; outcome: string; request: number | null }[];
}

export async function gatherStatus(store: Store, recent = 50): Promise<StatusView> {
  const proposals = await store.allProposals();
  const byId = new Map(proposals.map((p) => [p.id, p]));
  const requests = await store.recentRequests(recent);
  const builds = await store.buildsOfRequests(requests.map((r) => r.id));
  const comments = await store.commentsOfRequests(requests.map((r) => r.id));
  return {
    proposals: proposals.map((p) => ({ id: p.id, proposal: p.web_link, status: p.queue_status, tracked: p.tracked })),
    requests: requests.map((r) => ({
      id: r.id,
      kind: r.kind,
      origin: r.origin,
      requested_by: r.requested_by,
      source: vcsFor(r.source.vcs).describeSource(r.source),
      proposal: r.proposal_id === null ? null : byId.get(r.proposal_id)?.web_link ?? null,
      revision: vcsFor(r.source.vcs).describeRevision(r.revision),
      state: r.state,
      created: r.created_at,
    })),
    builds: requests.flatMap((r) =>
      (builds.get(r.id) ?? []).map((b) => ({ request: r.id, target: b.target, backend: b.backend, shadow: b.shadow, state: b.state, job: b.job_url ?? b.external_id, detail: b.detail })),
    ),
    comments: comments.map((c) => ({ request: c.request_id, kind: c.kind, state: c.state, attempts: c.attempts, link: c.posted_link })),
    commands: (await store.commands()).slice(-recent).map((c) => ({
      proposal: byId.get(c.proposal_id)?.web_link ?? null,
      author: c.author,
      verb: c.verb,
      state: c.state,
      outcome: c.outcome,
      request: c.request_id,
    })),
  };
}

export function formatStatus(view: StatusView): string {
  const parts = [
    `Proposals (${view.proposals.length}):`,
    textTable(['id', 'status', 'tracked', 'proposal'], view.proposals.map((p) => [String(p.id), p.status, p.tracked ? 'yes' : 'no', p.proposal])),
    '',
    `Requests (latest ${view.requests.length}):`,
    textTable(
      ['id', 'kind', 'origin', 'revision', 'state', 'created', 'proposal / source'],
      view.requests.map((r) => [String(r.id), r.kind, r.origin + (r.requested_by ? ` (${r.requested_by})` : ''), r.revision, r.state, r.created, r.proposal ?? r.source]),
    ),
    '',
    'Builds:',
    textTable(['request', 'target', 'backend', 'state', 'job / detail'], view.builds.map((b) => [String(b.request), b.target, b.shadow ? `${b.backend} (shadow)` : b.backend, b.state, [b.job, b.detail].filter(Boolean).join('  ') || '-'])),
    '',
    'Comments:',
    textTable(['request', 'kind', 'state', 'attempts', 'link'], view.comments.map((c) => [c.request === null ? '-' : String(c.request), c.kind, c.state, String(c.attempts), c.link ?? '-'])),
    '',
    'Commands in comments:',
    textTable(['author', 'command', 'state', 'outcome', 'proposal'], view.commands.map((c) => [`~${c.author}`, c.verb, c.state, c.outcome, c.proposal ?? '-'])),
  ];
  return parts.join('\n') + '\n';
}
