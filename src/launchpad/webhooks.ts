/**
 * Launchpad's webhook deliveries, as its code sends them (events-and-git.md
 * §A.3-A.5; lp `services/webhooks/client.py`, `code/subscribers/
 * branchmergeproposal.py`, `codehosting/scanner/events.py`,
 * `code/model/gitjob.py`): the signature over the raw body, the headers, and
 * what each payload says happened. Pure: the receiver (web/hooks.ts) and the
 * simulator (sim-webhooks.ts) share it, so both sides sign and read alike.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The headers of a delivery (lower-case, as node gives them). */
export const DELIVERY_HEADERS = {
  eventType: 'x-launchpad-event-type',
  delivery: 'x-launchpad-delivery',
  signature: 'x-hub-signature',
} as const;

/** The event types the bot asks for on a target: merge proposals (the parent scope: every sub-scope) and pushes. */
export const BRANCH_EVENT_TYPES = ['merge-proposal:0.1', 'bzr:push:0.1'] as const;
export const REPOSITORY_EVENT_TYPES = ['merge-proposal:0.1', 'git:push:0.1'] as const;

/** `sha1=` and the lower-case hex HMAC-SHA1 of the body's bytes, keyed with the secret's UTF-8 (`create_request`). */
export function webhookSignature(secret: string, body: Buffer | string): string {
  return `sha1=${createHmac('sha1', Buffer.from(secret, 'utf8')).update(typeof body === 'string' ? Buffer.from(body, 'utf8') : body).digest('hex')}`;
}

/**
 * Whether `header` is the signature of exactly these bytes. Only `sha1=` is
 * taken (the header never chooses the algorithm), and the comparison takes
 * the same time however much of it matches.
 */
export function signatureMatches(secret: string, body: Buffer, header: string | undefined): boolean {
  if (header === undefined || !/^sha1=[0-9a-f]{40}$/.test(header)) return false;
  return timingSafeEqual(Buffer.from(webhookSignature(secret, body), 'ascii'), Buffer.from(header, 'ascii'));
}

/**
 * Python's `json.dumps(payload)` with its defaults, as Launchpad serialises a
 * payload: `", "` and `": "` separators, every non-ASCII character as \uXXXX.
 */
export function pythonJsonDumps(value: unknown): string {
  const ascii = (text: string) => JSON.stringify(text).replace(/[\u0080-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return ascii(value);
  if (typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  return `{${Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `${ascii(k)}: ${pythonJsonDumps(v)}`)
    .join(', ')}}`;
}

/** What a merge-proposal delivery says happened, worked out from `action`, `old` and `new` (§A.3). */
export type ProposalChange = 'created' | 'push' | 'status-change' | 'edit' | 'reviewed' | 'deleted';

/** What a delivery asks the bot to look at again. */
export type DeliveryHint =
  | { kind: 'proposal'; change: ProposalChange; /** `/~owner/project/name/+merge/123`. */ path: string }
  | { kind: 'bzr-push'; /** `~owner/project/name`. */ branch: string }
  | { kind: 'git-push'; /** `~owner/project/+git/name`. */ repository: string; refs: string[] }
  | { kind: 'ping' }
  | { kind: 'ignored'; eventType: string };

/** A body that is not what Launchpad sends for its event type; the receiver answers 400. */
export class PayloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadError';
  }
}

/** The 15 attributes of an MP payload's `old`/`new` (`_compose_merge_proposal_webhook_payload`), in order. */
export const PROPOSAL_PAYLOAD_KEYS = [
  'registrant', 'source_branch', 'source_git_repository', 'source_git_path', 'target_branch', 'target_git_repository',
  'target_git_path', 'prerequisite_branch', 'prerequisite_git_repository', 'prerequisite_git_path', 'queue_status',
  'commit_message', 'whiteboard', 'description', 'preview_diff',
] as const;

/** `/~owner/project/name/+merge/1` or `/~owner/project/+git/name/+merge/1`: the path Launchpad gives (`force_local_path`). */
const PROPOSAL_PATH = /^\/~[a-z0-9][a-z0-9+.-]*\/[a-z0-9][a-z0-9+.-]*\/(?:\+git\/)?[A-Za-z0-9][A-Za-z0-9+._@-]*\/\+merge\/[1-9][0-9]*$/;
const BRANCH_PATH = /^\/(~[a-z0-9][a-z0-9+.-]*\/[a-z0-9][a-z0-9+.-]*\/[A-Za-z0-9][A-Za-z0-9+._@-]*)$/;
const REPOSITORY_PATH = /^\/(~[a-z0-9][a-z0-9+.-]*\/[a-z0-9][a-z0-9+.-]*\/\+git\/[A-Za-z0-9][A-Za-z0-9+._@-]*)$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function attributes(value: unknown, where: string): Record<string, unknown> {
  if (!isObject(value)) throw new PayloadError(`${where} is not an object of proposal attributes`);
  return value;
}

/** Reads what a delivery says happened; throws PayloadError when the body is not that event's payload. */
export function classifyDelivery(eventType: string, payload: unknown): DeliveryHint {
  if (!isObject(payload)) throw new PayloadError('the body is not a JSON object');
  switch (eventType) {
    case 'ping':
      if (payload.ping !== true) throw new PayloadError('a ping delivery is {"ping": true}');
      return { kind: 'ping' };
    case 'merge-proposal:0.1': {
      const path = payload.merge_proposal;
      if (typeof path !== 'string' || !PROPOSAL_PATH.test(path)) throw new PayloadError('merge_proposal is not the path of a merge proposal');
      return { kind: 'proposal', path, change: proposalChange(payload) };
    }
    case 'bzr:push:0.1': {
      const branch = typeof payload.bzr_branch === 'string' ? BRANCH_PATH.exec(payload.bzr_branch)?.[1] : undefined;
      if (!branch) throw new PayloadError('bzr_branch is not the path of a branch');
      return { kind: 'bzr-push', branch };
    }
    case 'git:push:0.1': {
      const repository = typeof payload.git_repository === 'string' ? REPOSITORY_PATH.exec(payload.git_repository)?.[1] : undefined;
      if (!repository) throw new PayloadError('git_repository is not the path of a git repository');
      if (!isObject(payload.ref_changes)) throw new PayloadError('ref_changes is not an object');
      const refs = Object.keys(payload.ref_changes);
      if (refs.some((ref) => !ref.startsWith('refs/'))) throw new PayloadError('ref_changes names something that is not a ref');
      return { kind: 'git-push', repository, refs };
    }
    default:
      return { kind: 'ignored', eventType };
  }
}

/** `created`/`deleted`/`reviewed` say it; `modified` is a status change before a new diff before an edit (`merge_proposal_modified`). */
function proposalChange(payload: Record<string, unknown>): ProposalChange {
  switch (payload.action) {
    case 'created':
      attributes(payload.new, 'new');
      return 'created';
    case 'deleted':
      attributes(payload.old, 'old');
      return 'deleted';
    case 'reviewed':
      return 'reviewed';
    case 'modified': {
      const before = attributes(payload.old, 'old');
      const after = attributes(payload.new, 'new');
      if (before.queue_status !== after.queue_status) return 'status-change';
      if (before.preview_diff !== after.preview_diff) return 'push';
      return 'edit';
    }
    default:
      throw new PayloadError(`action ${JSON.stringify(payload.action)} is none of created, modified, reviewed, deleted`);
  }
}
