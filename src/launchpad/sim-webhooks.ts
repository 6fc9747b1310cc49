/**
 * The simulator's webhooks, as Launchpad has them (events-and-git.md §A): the
 * devel API (`newWebhook` on a branch or repository, its `webhooks`, a
 * webhook's GET/PATCH/DELETE and `ping`) with Launchpad's permission and
 * validation rules, and deliveries that behave like its WebhookDeliveryJob:
 * one per event and webhook, the payloads field by field, the headers, the
 * HMAC-SHA1 signature, retries of anything but a 2xx on Launchpad's schedule
 * (scaled down by `timeScale`), at least once and in no guaranteed order.
 *
 * It hears the simulator's world through SimState.onChange: every change
 * Launchpad fires a webhook for (a proposal created, a new diff, a status
 * change, a comment — the bot's own too —, a push) makes deliveries.
 */
import { rawRequest, type RawOutcome } from '../http/raw-request.js';
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { pythonJsonDumps, webhookSignature } from './webhooks.js';
import type { Links } from './sim-representation.js';
import { isoDate } from './sim-representation.js';
import type { Entry } from './wire.js';
import type { ProposalRecord, ProposalSnapshot, SimChange, SimState } from './sim-state.js';
import { snapshot } from './sim-state.js';

/** What a webhook hangs on: a bzr branch or a git repository (by unique name). */
export interface HookTarget {
  kind: 'branch' | 'repository';
  uniqueName: string;
}

export interface SimWebhook {
  id: number;
  target: HookTarget;
  registrant: string;
  deliveryUrl: string;
  eventTypes: string[];
  active: boolean;
  /** Never shown by the API. */
  secret: string | null;
  gitRefPattern: string | null;
  dateCreated: Date;
  dateLastModified: Date;
}

/** One delivery (a WebhookDeliveryJob): its attempts share its id. */
export interface SimDelivery {
  id: number;
  webhookId: number;
  eventType: string;
  payload: Record<string, unknown>;
  dateCreated: Date;
  /** Each attempt: the HTTP status, or the connection error. */
  attempts: { at: Date; status?: number; error?: string }[];
  pending: boolean;
  successful: boolean | null;
  errorMessage: string | null;
  /** Launchpad time since the first attempt, by the schedule (unscaled): what the retry rules judge. */
  sinceFirstMs: number;
}

export interface SimWebhookOptions {
  /** Launchpad's retry delays and windows (minutes to a day) times this; 1 is real time. */
  timeScale?: number;
  /** Each attempt waits up to this long first, so deliveries arrive in no guaranteed order. */
  jitterMs?: number;
  /** Launchpad waits 30 s for an answer. */
  timeoutMs?: number;
}

/** An API call Launchpad refuses: the status and its text. */
export class WebhookApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const MP = 'merge-proposal:0.1';
const MP_SUBSCOPES = ['create', 'push', 'review', 'edit', 'status-change', 'delete'].map((s) => `${MP}::${s}`);
/** `valid_webhook_event_types` of a branch and of a git repository (lp code/model/branch.py, gitrepository.py). */
const VALID_EVENT_TYPES: Record<HookTarget['kind'], string[]> = {
  branch: ['bzr:push:0.1', MP, ...MP_SUBSCOPES],
  repository: ['ci:build:0.1', 'git:push:0.1', MP, ...MP_SUBSCOPES],
};
const MAX_SECRET = 200;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Python's fnmatch (a webhook's git_ref_pattern): `*`, `?` and `[...]`, anchored. */
function fnmatch(pattern: string, text: string): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        const body = pattern.slice(i + 1, end);
        re += `[${body.startsWith('!') ? '^' + body.slice(1) : body}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's').test(text);
}

/**
 * Hosts Launchpad gives only five minutes of retries ("limited effort"):
 * `.lxd`, loopback, unspecified and other non-global addresses (lp
 * `WebhookClient`). The simulator does not resolve names: a name counts as global.
 */
function limitedEffort(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  if (host.endsWith('.lxd') || host === 'localhost') return true;
  if (isIP(host) === 4) return /^(127\.|0\.|169\.254\.|22[4-9]\.|23\d\.|255\.255\.255\.255$)/.test(host);
  if (isIP(host) === 6) return host === '::1' || host === '::' || /^fe80:/i.test(host) || /^ff/i.test(host);
  return false;
}

export class SimWebhooks {
  private readonly hooks = new Map<number, SimWebhook>();
  private readonly deliveryLog: SimDelivery[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly timeScale: number;
  private readonly jitterMs: number;
  private readonly timeoutMs: number;
  private nextHookId = 1;
  // WebhookJob ids come from the job table: large, increasing.
  private nextDeliveryId = 4_400_000;
  private lose = 0;
  private duplicate = 0;
  private closed = false;

  constructor(
    private readonly state: SimState,
    options: SimWebhookOptions = {},
  ) {
    this.timeScale = options.timeScale ?? 1;
    this.jitterMs = options.jitterMs ?? 0;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    state.onChange = (change) => this.hear(change);
  }

  // ---- the API (the simulator's HTTP layer decodes parameters and calls these) ----

  /** `newWebhook`: needs launchpad.Edit on the target (its owner or a member of the owning team) and a token that may write. */
  create(target: HookTarget, person: string | null, canWrite: boolean, params: { deliveryUrl: unknown; eventTypes: unknown; active: unknown; secret: unknown }): SimWebhook {
    this.requireEdit(target, person, canWrite, 'newWebhook');
    const deliveryUrl = this.checkUrl(params.deliveryUrl);
    const eventTypes = this.checkEventTypes(target, params.eventTypes);
    if (params.active !== undefined && typeof params.active !== 'boolean') throw new WebhookApiError(400, `active: got '${String(params.active)}', expected true or false.`);
    let secret: string | null = null;
    if (params.secret !== undefined && params.secret !== null) {
      if (typeof params.secret !== 'string') throw new WebhookApiError(400, 'secret: expected text.');
      if (params.secret.length > MAX_SECRET) throw new WebhookApiError(400, `secret: Value is too long (max ${MAX_SECRET})`);
      secret = params.secret;
    }
    const now = this.state.now();
    const hook: SimWebhook = {
      id: this.nextHookId++,
      target,
      registrant: person!,
      deliveryUrl,
      eventTypes,
      active: (params.active as boolean | undefined) ?? true,
      secret,
      gitRefPattern: null,
      dateCreated: now,
      dateLastModified: now,
    };
    this.hooks.set(hook.id, hook);
    return hook;
  }

  /** The target's webhooks (viewing them needs launchpad.Edit on it). */
  list(target: HookTarget, person: string | null): SimWebhook[] {
    this.requireEdit(target, person, true, 'webhooks', 'launchpad.Edit');
    return [...this.hooks.values()].filter((h) => sameTarget(h.target, target)).sort((a, b) => a.id - b.id);
  }

  find(target: HookTarget, id: number, person: string | null): SimWebhook | undefined {
    const hook = this.hooks.get(id);
    if (!hook || !sameTarget(hook.target, target)) return undefined;
    this.requireEdit(target, person, true, 'webhook', 'launchpad.Edit');
    return hook;
  }

  remove(hook: SimWebhook, person: string | null, canWrite: boolean): void {
    this.requireEdit(hook.target, person, canWrite, 'destroySelf');
    this.hooks.delete(hook.id);
  }

  /** A lazr PATCH of the writable fields. */
  patch(hook: SimWebhook, person: string | null, canWrite: boolean, fields: Record<string, unknown>): void {
    this.requireEdit(hook.target, person, canWrite, 'webhook');
    for (const key of Object.keys(fields)) {
      if (!['active', 'delivery_url', 'event_types', 'git_ref_pattern'].includes(key)) throw new WebhookApiError(400, `${key}: You tried to modify a read-only attribute.`);
    }
    if ('delivery_url' in fields) hook.deliveryUrl = this.checkUrl(fields.delivery_url);
    if ('event_types' in fields) hook.eventTypes = this.checkEventTypes(hook.target, fields.event_types);
    if ('active' in fields) {
      if (typeof fields.active !== 'boolean') throw new WebhookApiError(400, 'active: expected true or false.');
      hook.active = fields.active;
    }
    if ('git_ref_pattern' in fields) {
      if (hook.target.kind !== 'repository') throw new WebhookApiError(400, 'git_ref_pattern: only a git repository webhook has one.');
      if (fields.git_ref_pattern !== null && typeof fields.git_ref_pattern !== 'string') throw new WebhookApiError(400, 'git_ref_pattern: expected text.');
      hook.gitRefPattern = fields.git_ref_pattern as string | null;
    }
    hook.dateLastModified = this.state.now();
  }

  /** `ping`: a delivery of `{"ping": true}`, event type `ping`. */
  ping(hook: SimWebhook, person: string | null, canWrite: boolean): SimDelivery {
    this.requireEdit(hook.target, person, canWrite, 'ping');
    return this.deliver(hook, 'ping', { ping: true });
  }

  /** `webhook-full` (devel), every field of the WADL; the secret is never shown. */
  render(hook: SimWebhook, links: Links): Entry {
    const targetPath = hook.target.uniqueName;
    const self = `${links.api}${targetPath}/+webhook/${hook.id}`;
    const fields: Record<string, unknown> = {
      self_link: self,
      web_link: links.web(`${targetPath}/+webhook/${hook.id}`),
      resource_type_link: links.type('webhook'),
      active: hook.active,
      date_created: isoDate(hook.dateCreated),
      date_last_modified: isoDate(hook.dateLastModified),
      deliveries_collection_link: `${self}/deliveries`,
      delivery_url: hook.deliveryUrl,
      event_types: hook.eventTypes,
      git_ref_pattern: hook.gitRefPattern,
      registrant_link: links.person(hook.registrant),
      target_link: `${links.api}${targetPath}`,
    };
    const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');
    return { ...fields, http_etag: `"${sha1(JSON.stringify(fields))}-${sha1('webhook')}"` } as unknown as Entry;
  }

  // ---- faults and inspection, for tests ----

  /** The next `count` deliveries never reach the receiver, however often they are tried (a proxy that fails them all). */
  loseNext(count: number): void {
    this.lose += count;
  }

  /** The next `count` deliveries reach the receiver twice (its answer to the first was lost on the way back). */
  duplicateNext(count: number): void {
    this.duplicate += count;
  }

  /** Every delivery made, oldest first. */
  deliveries(): SimDelivery[] {
    return this.deliveryLog.map((d) => ({ ...d, attempts: [...d.attempts] }));
  }

  /** Settles when no delivery is on its way (retries scheduled count as on their way). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0 || this.timers.size > 0) {
      await Promise.race([...this.inFlight, new Promise((r) => setTimeout(r, 5))]);
    }
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.state.onChange) this.state.onChange = undefined;
  }

  // ---- events → deliveries ----

  private hear(change: SimChange): void {
    if (this.closed || this.hooks.size === 0) return;
    switch (change.kind) {
      case 'proposal-created':
        return this.proposalEvent(change.proposal, 'create', { action: 'created', new: this.attributes(change.proposal, snapshot(change.proposal)) });
      case 'proposal-modified': {
        const now = snapshot(change.proposal);
        const scope = change.before.status !== now.status ? 'status-change' : change.before.previewDiff !== now.previewDiff ? 'push' : 'edit';
        return this.proposalEvent(change.proposal, scope, {
          action: 'modified',
          old: this.attributes(change.proposal, change.before),
          new: this.attributes(change.proposal, now),
        });
      }
      case 'comment': {
        const attributes = this.attributes(change.proposal, snapshot(change.proposal));
        return this.proposalEvent(change.proposal, 'review', { action: 'reviewed', old: attributes, new: attributes });
      }
      case 'bzr-push': {
        const branch = change.branch;
        const payload = {
          bzr_branch: `/${branch.uniqueName}`,
          bzr_branch_path: this.state.bzrIdentity(branch).replace(/^lp:/, ''),
          old: { revision_id: change.oldRevisionId },
          new: { revision_id: branch.revisions.at(-1)!.revisionId },
        };
        return this.trigger({ kind: 'branch', uniqueName: branch.uniqueName }, 'bzr:push:0.1', 'bzr:push:0.1', payload, null);
      }
      case 'git-push': {
        const repository = change.repository;
        const payload = {
          git_repository: `/${repository.uniqueName}`,
          git_repository_path: this.state.shortenedPath(repository),
          ref_changes: {
            [change.ref]: { old: change.oldCommit === null ? null : { commit_sha1: change.oldCommit }, new: { commit_sha1: repository.refs.get(change.ref)!.at(-1) } },
          },
        };
        return this.trigger({ kind: 'repository', uniqueName: repository.uniqueName }, 'git:push:0.1', 'git:push:0.1', payload, [change.ref]);
      }
    }
  }

  /** MP events go to the webhooks of the proposal's target (`_trigger_webhook`), filtered by git_ref_pattern on the target path. */
  private proposalEvent(proposal: ProposalRecord, scope: string, body: Record<string, unknown>): void {
    const target: HookTarget = { kind: proposal.vcs === 'bzr' ? 'branch' : 'repository', uniqueName: proposal.target };
    const payload = { ...body, merge_proposal: `/${proposal.source}/+merge/${proposal.id}` };
    this.trigger(target, `${MP}::${scope}`, MP, payload, proposal.targetRef === null ? null : [proposal.targetRef]);
  }

  /** The 15 attributes of `_compose_merge_proposal_webhook_payload`, references as local paths, in order. */
  private attributes(proposal: ProposalRecord, at: ProposalSnapshot): Record<string, unknown> {
    const bzrSide = (name: string | null) => (proposal.vcs === 'bzr' && name !== null ? `/${name}` : null);
    const gitSide = (name: string | null) => (proposal.vcs === 'git' && name !== null ? `/${name}` : null);
    return {
      registrant: `/~${proposal.registrant}`,
      source_branch: bzrSide(proposal.source),
      source_git_repository: gitSide(proposal.source),
      source_git_path: proposal.sourceRef,
      target_branch: bzrSide(proposal.target),
      target_git_repository: gitSide(proposal.target),
      target_git_path: proposal.targetRef,
      prerequisite_branch: bzrSide(proposal.prerequisite),
      prerequisite_git_repository: null,
      prerequisite_git_path: null,
      queue_status: at.status,
      commit_message: at.commitMessage,
      whiteboard: null,
      description: at.description,
      preview_diff: at.previewDiff === null ? null : `/${proposal.source}/+merge/${proposal.id}/+preview-diff/${at.previewDiff}`,
    };
  }

  /**
   * `WebhookSet.trigger`: a delivery to every webhook of the target that asked
   * for the event (its parent type or this sub-scope); the header always
   * names the parent.
   */
  private trigger(target: HookTarget, scope: string, parent: string, payload: Record<string, unknown>, gitRefs: string[] | null): void {
    for (const hook of this.hooks.values()) {
      if (!sameTarget(hook.target, target)) continue;
      if (!hook.eventTypes.includes(parent) && !hook.eventTypes.includes(scope)) continue;
      if (hook.gitRefPattern !== null && gitRefs !== null && !gitRefs.some((ref) => fnmatch(hook.gitRefPattern!, ref))) continue;
      this.deliver(hook, parent, payload);
    }
  }

  private deliver(hook: SimWebhook, eventType: string, payload: Record<string, unknown>): SimDelivery {
    const delivery: SimDelivery = {
      id: this.nextDeliveryId++,
      webhookId: hook.id,
      eventType,
      payload,
      dateCreated: this.state.now(),
      attempts: [],
      pending: true,
      successful: null,
      errorMessage: null,
      sinceFirstMs: 0,
    };
    this.deliveryLog.push(delivery);
    const lost = this.lose > 0;
    if (lost) this.lose--;
    const twice = !lost && this.duplicate > 0;
    if (twice) this.duplicate--;
    this.attemptLater(hook, delivery, this.jitter(), lost, twice);
    return delivery;
  }

  private jitter(): number {
    return this.jitterMs > 0 ? Math.random() * this.jitterMs : 0;
  }

  private attemptLater(hook: SimWebhook, delivery: SimDelivery, delayMs: number, lost: boolean, twice: boolean): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.closed) return;
      const run = this.attempt(hook, delivery, lost, twice).finally(() => this.inFlight.delete(run));
      this.inFlight.add(run);
    }, delayMs);
    this.timers.add(timer);
  }

  /** One attempt, and what Launchpad does next: done on a 2xx, else a retry on its schedule or giving up. */
  private async attempt(hook: SimWebhook, delivery: SimDelivery, lost: boolean, twice: boolean): Promise<void> {
    const at = this.state.now();
    let outcome: { status?: number; error?: string };
    if (!this.hooks.has(hook.id)) outcome = { error: 'Webhook deleted' };
    else if (!hook.active) outcome = { error: 'Webhook deactivated' };
    else if (lost) outcome = { error: 'Connection error: the proxy could not reach the receiver (simulated)' };
    else {
      outcome = await this.post(hook, delivery);
      if (twice && outcome.status !== undefined) outcome = await this.post(hook, delivery);
    }
    delivery.attempts.push({ at, ...outcome });
    if (outcome.status !== undefined && outcome.status >= 200 && outcome.status <= 299) {
      delivery.pending = false;
      delivery.successful = true;
      delivery.errorMessage = null;
      return;
    }
    delivery.errorMessage = outcome.error ?? `Bad HTTP response: ${outcome.status}`;
    // `retry_automatically`: within the window since the first attempt (by the schedule, so that scaling down never changes how often).
    const elapsed = delivery.sinceFirstMs;
    const window = limitedEffort(hook.deliveryUrl) ? 5 * MINUTE : outcome.status !== undefined && outcome.status < 500 ? HOUR : 24 * HOUR;
    if (this.closed || outcome.error === 'Webhook deleted' || elapsed >= window) {
      delivery.pending = false;
      delivery.successful = false;
      return;
    }
    // `retry_delay`: every minute for ten minutes, every five for an hour, then hourly.
    const next = elapsed < 10 * MINUTE ? MINUTE : elapsed < HOUR ? 5 * MINUTE : HOUR;
    delivery.sinceFirstMs += next;
    this.attemptLater(hook, delivery, next * this.timeScale + this.jitter(), lost, false);
  }

  /** `WebhookClient.deliver`: the JSON body as Python writes it, these headers and no others, 30 s to answer. */
  private async post(hook: SimWebhook, delivery: SimDelivery): Promise<RawOutcome> {
    const body = pythonJsonDumps(delivery.payload);
    const headers: Record<string, string> = {
      'User-Agent': 'launchpad.test-Webhooks/rsimulator',
      'Content-Type': 'application/json',
      'X-Launchpad-Event-Type': delivery.eventType,
      'X-Launchpad-Delivery': String(delivery.id),
    };
    if (hook.secret !== null) headers['X-Hub-Signature'] = webhookSignature(hook.secret, body);
    const outcome = await rawRequest(hook.deliveryUrl, { method: 'POST', headers, body, timeoutMs: this.timeoutMs, timeoutMessage: 'timed out' });
    return outcome.error === undefined ? outcome : { error: `Connection error: ${outcome.error}` };
  }

  // ---- rules ----

  /** launchpad.Edit on a branch or repository: its owner, or someone in the team that owns it, with a token that may write. */
  private requireEdit(target: HookTarget, person: string | null, canWrite: boolean, operation: string, permission = 'launchpad.Edit'): void {
    const owner = target.uniqueName.slice(1).split('/')[0];
    const ownerRecord = this.state.people.get(owner);
    const inTeam = person !== null && (person === owner || (ownerRecord?.isTeam === true && this.state.participants(ownerRecord).some((p) => p.name === person)));
    if (!inTeam || !canWrite) {
      const model = target.kind === 'branch' ? 'lp.code.model.branch.Branch' : 'lp.code.model.gitrepository.GitRepository';
      throw new WebhookApiError(401, `(<${model} object at 0x7f3a${target.uniqueName.length.toString(16)}>, '${operation}', '${permission}')`);
    }
  }

  private checkUrl(value: unknown): string {
    if (typeof value !== 'string') throw new WebhookApiError(400, 'delivery_url: Required input is missing.');
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new WebhookApiError(400, `delivery_url: "${value}" is not a valid URI`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new WebhookApiError(400, `delivery_url: The URI scheme "${url.protocol.slice(0, -1)}" is not allowed.  Only URIs with the following schemes may be used: http, https`);
    }
    return value;
  }

  private checkEventTypes(target: HookTarget, value: unknown): string[] {
    if (!Array.isArray(value)) throw new WebhookApiError(400, 'event_types: Required input is missing.');
    for (const type of value) {
      if (typeof type !== 'string' || !VALID_EVENT_TYPES[target.kind].includes(type)) throw new WebhookApiError(400, `event_types: '${String(type)}' isn't a valid token`);
    }
    if (value.includes(MP) && value.some((t) => MP_SUBSCOPES.includes(t))) {
      throw new WebhookApiError(400, `Please, select either the parent event type (${MP}) or its subscopes - not both.`);
    }
    return [...new Set(value as string[])];
  }
}

function sameTarget(a: HookTarget, b: HookTarget): boolean {
  return a.kind === b.kind && a.uniqueName === b.uniqueName;
}
