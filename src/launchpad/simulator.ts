/**
 * A local, faithful stand-in for the Launchpad web service 1.0, for tests and
 * the sandbox: the bzr merge-proposal corner (projects, branches, proposals,
 * preview diffs, comments, people and teams) with lazr.restful's conventions
 * (launchpad.md §8): paged collections with opaque next links, ETags and
 * conditional GET, named operations and their error texts, PLAINTEXT OAuth.
 * It serves the production WADL, rewritten to its own root, so the real
 * Python launchpadlib can use it too.
 *
 * Tests seed it in-process (addPerson, addBranch, pushRevisions,
 * createMergeProposal, …), inject faults (failNext for a status; `faults` for
 * slow and lost answers and listings that shift: sim-faults.ts) and inspect
 * what clients did (requests, commentsOf).
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { silentLogger, type Logger } from '../log.js';
import { BodyTooLargeError, HttpProblem, readRequestBody } from '../http/server.js';
import { parseOAuthHeader } from './oauth.js';
import { SimOAuth, type ReviewPermission } from './sim-oauth.js';
import {
  CODE_REVIEW_VOTES,
  DEFAULT_PROPOSAL_STATUSES,
  MERGE_PROPOSAL_STATUSES,
  isCodeReviewVote,
  isMergeProposalStatus,
  type CodeReviewVote,
  type Entry,
  type MergeProposalStatus,
} from './wire.js';
import {
  FINAL_STATUSES,
  SimState,
  SimulatorSetupError,
  type PersonRecord,
  type ProposalRecord,
  type ProposalSpec,
  type SimComment,
  type TokenPermission,
} from './sim-state.js';
import {
  Links,
  type ApiVersion,
  renderBranch,
  renderGitRef,
  renderGitRepository,
  renderComment,
  renderPerson,
  renderPreviewDiff,
  renderProject,
  renderProposal,
  renderServiceRoot,
} from './sim-representation.js';
import { serveWebPage } from './sim-web.js';
import { LaunchpadFaults } from './sim-faults.js';
import { SimWebhooks, WebhookApiError, type HookTarget, type SimDelivery, type SimWebhookOptions } from './sim-webhooks.js';

export { SimulatorSetupError, type SimComment, type TokenPermission, type ProposalSpec } from './sim-state.js';
export type { ReviewPermission } from './sim-oauth.js';
export type { SlowRequest, PageRequest } from './sim-faults.js';

export interface LaunchpadSimulatorOptions {
  clock?: () => Date;
  /** Page size when a request gives no `ws.size` (Launchpad's default_batch_size: 50). */
  defaultBatchSize?: number;
  /** How webhook deliveries are timed (retries on Launchpad's schedule times `timeScale`). */
  webhooks?: SimWebhookOptions;
  /** Every request waits this long before it is answered (a distant Launchpad, for benchmarks). */
  latencyMs?: number;
  logger?: Logger;
}

/** One request as the simulator saw it. */
export interface SimulatedRequest {
  method: string;
  path: string;
  /** The query string's parameters (the last value of a repeated key). */
  query: Record<string, string>;
  /** `ws.op` from the query or the form body. */
  operation: string | null;
  /** 0 when the connection was closed without an answer (`faults.slow` with `answer: 'drop'`). */
  status: number;
  /** The person the OAuth token belongs to; null for anonymous requests and rejected credentials. */
  authorized: string | null;
}

/** Answer the next matching request(s) with `status` instead of serving them. */
export interface SimulatedFault {
  pathContains?: string;
  method?: string;
  status: number;
  /** Sent as `Retry-After` (seconds or an HTTP date). */
  retryAfter?: number | string;
  body?: string;
  /** How many requests to fail (default 1). */
  times?: number;
}

export interface TokenSpec {
  consumerKey: string;
  tokenKey: string;
  tokenSecret: string;
  person: string;
  permission: TokenPermission;
}

interface SimResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

interface Principal {
  person: string | null;
  permission: TokenPermission | null;
}

interface RequestContext {
  /** The links of the API version asked for. */
  links: Links;
  method: string;
  /** Path and query, for next links. */
  url: URL;
  /** Query parameters merged with the form body's, as Zope's `request.form`. */
  params: URLSearchParams;
  /** The raw body (a PATCH's JSON). */
  body: string;
  principal: Principal;
}

type Operation = (ctx: RequestContext) => SimResponse;

/** What a URL names: the generic GET/POST handling is the same for all of them. */
type Resource =
  | { kind: 'entry'; render: (ctx: RequestContext) => Entry; get?: Record<string, Operation>; post?: Record<string, Operation>; patch?: Operation; delete?: Operation }
  | { kind: 'collection'; items: (ctx: RequestContext) => Entry[]; typeLink: string; get?: Record<string, Operation> };

const MAX_BATCH_SIZE = 300;
/** Largest request body the simulator reads: far above any real one (a comment is at most a few hundred KB). */
const MAX_REQUEST_BODY_BYTES = 16 * 1024 * 1024;
const OAUTH_CHALLENGE = { 'WWW-Authenticate': 'OAuth realm="https://api.launchpad.net"' };
const WADL_MEDIA_TYPE = 'application/vnd.sun.wadl+xml';
const PRODUCTION_ROOT = 'https://api.launchpad.net/';
const WADL_FILES: Record<ApiVersion, string> = {
  '1.0': fileURLToPath(new URL('../../../src/launchpad/launchpad-1.0.wadl.gz', import.meta.url)),
  devel: fileURLToPath(new URL('../../../src/launchpad/launchpad-devel.wadl.gz', import.meta.url)),
};
/** Statuses `setStatus` handles; Launchpad's model asserts on the obsolete ones. */
const SETTABLE_STATUSES: ReadonlySet<MergeProposalStatus> = new Set([
  'Work in progress',
  'Needs review',
  'Approved',
  'Rejected',
  'Merged',
]);

const wadlCache = new Map<string, Promise<string>>();

function loadWadl(path: string): Promise<string> {
  let text = wadlCache.get(path);
  if (!text) {
    text = readFile(path).then((data) => gunzipSync(data).toString('utf8'));
    wadlCache.set(path, text);
  }
  return text;
}

export class LaunchpadSimulator {
  /** Every request served, oldest first. */
  readonly requests: SimulatedRequest[] = [];
  /** Slow, late and dropped answers, listings that shift between pages (sim-faults.ts). */
  readonly faults = new LaunchpadFaults();
  private readonly state: SimState;
  /** +request-token, +authorize-token, +access-token and people/+me. */
  private readonly oauth: SimOAuth;
  private readonly defaultBatchSize: number;
  private readonly logger: Logger;
  private readonly failures: (SimulatedFault & { remaining: number })[] = [];
  private server: Server | null = null;
  private links: Links | null = null;
  private readonly versions = new Map<ApiVersion, { links: Links; wadl: string }>();
  /** Webhooks and their deliveries (sim-webhooks.ts). */
  private readonly hooks: SimWebhooks;
  private readonly latencyMs: number;

  constructor(options: LaunchpadSimulatorOptions = {}) {
    this.state = new SimState(options.clock ?? (() => new Date()));
    this.oauth = new SimOAuth(this.state);
    this.hooks = new SimWebhooks(this.state, options.webhooks);
    this.latencyMs = options.latencyMs ?? 0;
    this.defaultBatchSize = options.defaultBatchSize ?? 50;
    this.logger = options.logger ?? silentLogger;
  }

  /** Listens on 127.0.0.1; returns the service root, `http://127.0.0.1:PORT/`. */
  async start(port = 0): Promise<string> {
    if (this.server) throw new SimulatorSetupError('already started');
    const wadls = await Promise.all((['1.0', 'devel'] as const).map(async (v) => [v, await loadWadl(WADL_FILES[v])] as const));
    const server = createServer((req, res) => void this.serve(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    const root = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    this.links = new Links(root);
    for (const [version, wadl] of wadls) {
      this.versions.set(version, { links: new Links(root, version), wadl: wadl.split(`${PRODUCTION_ROOT}${version}/`).join(`${root}${version}/`) });
    }
    return root;
  }

  async close(): Promise<void> {
    this.hooks.close();
    const server = this.server;
    if (!server) return;
    this.server = null;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /** The service root, once started. */
  get root(): string {
    return this.started().root;
  }

  // ---- seeding -------------------------------------------------------------

  addPerson(name: string, displayName: string): void {
    this.state.addPerson(name, displayName);
  }

  /** `members` may name people or other teams (whose members then participate too). */
  addTeam(name: string, displayName: string, members: string[]): void {
    this.state.addTeam(name, displayName, members);
  }

  addProject(name: string, displayName: string): void {
    this.state.addProject(name, displayName);
  }

  /**
   * A hosted bzr branch; returns its unique name `~owner/project/name`. With
   * `series` its bzr_identity is `lp:project/series`; with `developmentFocus`
   * (its series being the project's focus) it is `lp:project`.
   */
  addBranch(spec: { owner: string; project: string; name: string; series?: string; developmentFocus?: boolean }): string {
    return this.state.addBranch(spec).uniqueName;
  }

  /**
   * Pushes `count` revisions (unique name, with or without `~`, or `lp:` URL);
   * returns the new tip. `revisionIds` mirrors the ids of a real bzr branch
   * (tests that build it for real); the rest are generated. Proposals from
   * this branch get a new preview diff, so their `preview_diff_link` and
   * `http_etag` change.
   */
  pushRevisions(branch: string, count = 1, revisionIds: readonly string[] = []): { revisionId: string; revno: number } {
    return { ...this.state.pushRevisions(branch, count, revisionIds) };
  }

  /**
   * A git repository; returns its unique name `~owner/project/+git/name`.
   * With `targetDefault` it is the project's default repository (`lp:project`);
   * `httpsUrl` replaces its `git_https_url`: a test that serves a real one, or
   * null for a private repository, which Launchpad gives no anonymous URL.
   */
  addGitRepository(spec: { owner: string; project: string; name: string; targetDefault?: boolean; httpsUrl?: string | null }): string {
    return this.state.addGitRepository(spec).uniqueName;
  }

  hasGitRepository(uniqueName: string): boolean {
    return this.state.findGitRepository(uniqueName) !== undefined;
  }

  /**
   * Pushes `count` commits to a ref of a repository (unique name or `lp:`
   * path), creating the ref; returns the new commit. `commits` mirrors a real
   * repository's object names. Proposals from that ref get a new preview
   * diff, and the ref entry a new ETag.
   */
  pushCommits(repository: string, ref: string, count = 1, commits: readonly string[] = []): string {
    return this.state.pushCommits(repository, ref, count, commits);
  }

  /** Returns the proposal's self_link; needs start() first, as links carry the port. */
  createMergeProposal(spec: ProposalSpec): string {
    const links = this.started();
    return links.proposal(this.state.createProposal(spec));
  }

  /** Any of the 8 statuses (the web service's setStatus accepts fewer). */
  setStatus(mpLink: string, status: MergeProposalStatus): void {
    this.state.setStatus(this.proposalByLink(mpLink), status, null);
  }

  /** Returns the comment's self_link. */
  addComment(mpLink: string, authorName: string, content: string, vote?: CodeReviewVote): string {
    const proposal = this.proposalByLink(mpLink);
    const comment = this.state.addComment({
      proposal,
      author: authorName,
      subject: '',
      content,
      vote: vote ?? null,
      reviewType: null,
    });
    return `${this.started().proposal(proposal)}/comments/${comment.id}`;
  }

  registerToken(token: TokenSpec): void {
    this.state.registerToken(token);
  }

  /**
   * A person's answer on `+authorize-token` to a pending request token (the
   * `oauth_token` of the page's URL): a permission, or `UNAUTHORIZED` to
   * decline; `context` limits the token to a project, as `lp.context` does.
   */
  authorizeRequestToken(token: string, person: string, permission: ReviewPermission, context?: string): void {
    this.oauth.authorize(token, person, permission, context);
  }

  /** Fails the next `times` requests whose path (with query) contains `pathContains` and whose method matches. */
  failNext(fault: SimulatedFault): void {
    this.failures.push({ ...fault, remaining: fault.times ?? 1 });
  }

  clearRequests(): void {
    this.requests.length = 0;
  }

  /** Every webhook delivery made, oldest first (payloads, attempts, outcome). */
  webhookDeliveries(): SimDelivery[] {
    return this.hooks.deliveries();
  }

  /** Settles when no webhook delivery is on its way (retries included). */
  webhooksSettled(): Promise<void> {
    return this.hooks.settled();
  }

  /** The next `count` webhook deliveries never reach their receiver (lost). */
  loseNextDeliveries(count: number): void {
    this.hooks.loseNext(count);
  }

  /** The next `count` webhook deliveries reach their receiver twice (at least once). */
  duplicateNextDeliveries(count: number): void {
    this.hooks.duplicateNext(count);
  }

  /** A proposal's comments in creation order, as stored (subject included). */
  commentsOf(mpLink: string): SimComment[] {
    return this.state.proposalComments(this.proposalByLink(mpLink)).map((c) => ({ ...c }));
  }

  // ---- HTTP ------------------------------------------------------------------

  private started(): Links {
    if (!this.links) throw new SimulatorSetupError('start() it first: links include the port it listens on');
    return this.links;
  }

  /** A proposal from any URL naming it (self_link, web_link, or a path ending in `+merge/<id>`). */
  private proposalByLink(link: string): ProposalRecord {
    const id = /\+merge\/(\d+)/.exec(link)?.[1];
    const proposal = id === undefined ? undefined : this.state.proposals.get(Number(id));
    if (!proposal) throw new SimulatorSetupError(`no merge proposal at ${link}`);
    return proposal;
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', this.started().root);
    const record: SimulatedRequest = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      operation: null,
      status: 0,
      authorized: null,
    };
    let response: SimResponse;
    try {
      const body = await readBody(req);
      if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
      const params = new URLSearchParams(url.searchParams);
      // Zope reads a POST body without Content-Type as a form too (launchpadlib's token requests send none).
      if (method === 'POST' && (req.headers['content-type'] ?? 'application/x-www-form-urlencoded').startsWith('application/x-www-form-urlencoded')) {
        for (const [key, value] of new URLSearchParams(body)) params.append(key, value);
      }
      record.operation = params.get('ws.op');
      const served = await this.faults.apply({ method, url, operation: record.operation }, () => this.injectedFault(method, url) ?? this.respond(req, method, url, params, record, body));
      if (served === 'drop') {
        this.requests.push(record);
        req.socket.destroy();
        return;
      }
      response = served;
    } catch (err) {
      this.logger.error('launchpad simulator failed', { method, path: url.pathname, error: err });
      response = text(500, `Internal simulator error: ${(err as Error).message}`);
    }
    record.status = response.status;
    this.requests.push(record);
    res.writeHead(response.status, { ...response.headers, 'Content-Length': Buffer.byteLength(response.body) });
    res.end(response.body);
  }

  private injectedFault(method: string, url: URL): SimResponse | undefined {
    const target = url.pathname + url.search;
    const fault = this.failures.find(
      (f) =>
        f.remaining > 0 &&
        (f.method === undefined || f.method.toUpperCase() === method) &&
        (f.pathContains === undefined || target.includes(f.pathContains)),
    );
    if (!fault) return undefined;
    if (--fault.remaining === 0) this.failures.splice(this.failures.indexOf(fault), 1);
    const headers: Record<string, string> = fault.retryAfter === undefined ? {} : { 'Retry-After': String(fault.retryAfter) };
    return text(fault.status, fault.body ?? `Simulated HTTP ${fault.status}`, headers);
  }

  private respond(
    req: IncomingMessage,
    method: string,
    url: URL,
    params: URLSearchParams,
    record: SimulatedRequest,
    body: string,
  ): SimResponse {
    try {
      const tokenPage = this.oauth.serve(method, url.pathname, params, req.headers);
      if (tokenPage) return tokenPage;
      // The web pages (a proposal's, a comment's) live at the root, as on code.launchpad.net, and need no login.
      const web = serveWebPage(this.state, this.started(), method, url);
      if (web) return web;
      const principal = this.authenticate(req, params);
      record.authorized = principal.person;
      const segments = url.pathname.split('/').slice(1).map(decodeSegment);
      const version = this.versions.get(segments[0] as ApiVersion);
      if (!version) throw notFound(url.pathname);
      const rest = segments.slice(1);
      if (rest.length > 0 && rest[rest.length - 1] === '') rest.pop();
      if (rest.join('/') === 'people/+me') return this.oauth.peopleMe(principal.person, version.links);
      if (rest.length === 0) return this.conditional(req, method, this.serviceRoot(version, method, req.headers.accept ?? ''));
      const ctx: RequestContext = { links: version.links, method, url, params, principal, body };
      const response = this.handle(this.resolve(rest, url.pathname, ctx.links), ctx);
      return this.conditional(req, method, response);
    } catch (err) {
      if (err instanceof HttpProblem) return text(err.status, err.message, err.headers);
      if (err instanceof WebhookApiError) return text(err.status, err.message, err.status === 401 ? OAUTH_CHALLENGE : {});
      throw err;
    }
  }

  /** A GET whose `If-None-Match` names the current ETag gets 304 and no body. */
  private conditional(req: IncomingMessage, method: string, response: SimResponse): SimResponse {
    const etag = response.headers.ETag;
    const ifNoneMatch = req.headers['if-none-match'];
    if (method === 'GET' && response.status === 200 && etag && ifNoneMatch && etagMatches(ifNoneMatch, etag)) {
      return { status: 304, headers: { ETag: etag }, body: '' };
    }
    return response;
  }

  /** lazr.restful's GET/POST dispatch: representation, page, or named operation. */
  private handle(resource: Resource, ctx: RequestContext): SimResponse {
    const operation = ctx.params.get('ws.op');
    if (ctx.method === 'GET') {
      if (operation !== null) {
        const op = resource.get?.[operation];
        if (!op) throw new HttpProblem(400, `No such operation: ${operation}`);
        return op(ctx);
      }
      if (resource.kind === 'entry') {
        const entry = resource.render(ctx);
        const response = json(200, entry);
        return { ...response, headers: { ...response.headers, ETag: entry.http_etag } };
      }
      return this.page(ctx, resource.items(ctx), resource.typeLink);
    }
    if (ctx.method === 'PATCH' && resource.kind === 'entry' && resource.patch) return resource.patch(ctx);
    if (ctx.method === 'DELETE' && resource.kind === 'entry' && resource.delete) return resource.delete(ctx);
    if (ctx.method === 'POST') {
      if (operation === null) throw new HttpProblem(400, 'No operation name given.');
      const op = resource.kind === 'entry' ? resource.post?.[operation] : undefined;
      if (!op) throw new HttpProblem(400, `No such operation: ${operation}`);
      return op(ctx);
    }
    throw new HttpProblem(405, `Method not allowed: ${ctx.method}`, { Allow: 'GET, POST' });
  }

  private serviceRoot(version: { links: Links; wadl: string }, method: string, accept: string): SimResponse {
    if (method !== 'GET') throw new HttpProblem(405, `Method not allowed: ${method}`, { Allow: 'GET' });
    const vary = { Vary: 'Accept' };
    if (accept.includes(WADL_MEDIA_TYPE)) {
      return { status: 200, headers: { 'Content-Type': WADL_MEDIA_TYPE, ETag: quotedSha1(version.wadl), ...vary }, body: version.wadl };
    }
    const root = json(200, renderServiceRoot(version.links));
    return { ...root, headers: { ...root.headers, ETag: quotedSha1(root.body), ...vary } };
  }

  /** Maps the path below `/<version>/` to a resource, or 404. */
  private resolve(segments: string[], path: string, links: Links): Resource {
    const state = this.state;
    const devel = links.version === 'devel';
    const [first, ...rest] = segments;
    if (rest.length === 0) {
      if (first === 'branches') {
        return {
          kind: 'collection',
          items: () => [...state.branches.values()].map((b) => renderBranch(state, links, b)),
          typeLink: links.type('branches'),
          get: { getByUrl: (ctx) => this.getByUrl(ctx) },
        };
      }
      if (first === 'git_repositories' || first === '+git') {
        // In 1.0 the collection is empty by design and has no lookups; devel has getByPath.
        return {
          kind: 'collection',
          items: () => [],
          typeLink: links.type('git_repositories'),
          get: devel ? { getByPath: (ctx) => this.getGitRepositoryByPath(ctx) } : {},
        };
      }
      if (first === 'projects') {
        return { kind: 'collection', items: () => [...state.projects.values()].map((p) => renderProject(links, p)), typeLink: links.type('projects') };
      }
      if (first === 'people') {
        return { kind: 'collection', items: () => [...state.people.values()].map((p) => renderPerson(links, p)), typeLink: links.type('people') };
      }
      if (first.startsWith('~')) {
        const person = state.people.get(first.slice(1));
        if (!person) throw notFound(path);
        return {
          kind: 'entry',
          render: () => renderPerson(links, person),
          get: { getMergeProposals: (ctx) => this.proposalsPage(ctx, (p) => ownerOf(p.source) === person.name) },
        };
      }
      const project = state.projects.get(first);
      if (!project) throw notFound(path);
      return {
        kind: 'entry',
        render: () => renderProject(links, project),
        // git and bzr proposals alike (launchpad.md §1a).
        get: { getMergeProposals: (ctx) => this.proposalsPage(ctx, (p) => state.projectOf(p) === project.name) },
      };
    }
    if (!first.startsWith('~')) throw notFound(path);
    if (rest.length === 1) {
      const team = state.people.get(first.slice(1));
      if (!team || (rest[0] !== 'members' && rest[0] !== 'participants')) throw notFound(path);
      const people = () => {
        const found = rest[0] === 'members' ? team.members.map((name) => state.person(name)) : state.participants(team);
        return sortPeople(found).map((p) => renderPerson(links, p));
      };
      return { kind: 'collection', items: people, typeLink: links.type('person-page-resource') };
    }
    if (segments[2] === '+git') return this.resolveGit(segments, path, links);
    const branch = state.branches.get(segments.slice(0, 3).join('/'));
    if (!branch) throw notFound(path);
    const [, , , child, id, grandchild, grandchildId, ...tooDeep] = segments;
    const active = (p: ProposalRecord) => !FINAL_STATUSES.has(p.status);
    const bzr = (p: ProposalRecord) => p.vcs === 'bzr';
    switch (child) {
      case undefined:
        return {
          kind: 'entry',
          render: () => renderBranch(state, links, branch),
          get: { getMergeProposals: (ctx) => this.proposalsPage(ctx, (p) => bzr(p) && p.target === branch.uniqueName) },
          post: devel ? { newWebhook: (ctx) => this.newWebhook(ctx, { kind: 'branch', uniqueName: branch.uniqueName }) } : {},
        };
      case 'webhooks':
      case '+webhook': {
        const resource = this.webhookResource(links, { kind: 'branch', uniqueName: branch.uniqueName }, child, id, segments.slice(5));
        if (resource) return resource;
        break;
      }
      case 'landing_candidates':
        if (id === undefined) return this.mpCollection(links, (p) => bzr(p) && p.target === branch.uniqueName && active(p));
        break;
      case 'landing_targets':
        if (id === undefined) return this.mpCollection(links, (p) => bzr(p) && p.source === branch.uniqueName && active(p));
        break;
      case 'dependent_branches':
        if (id === undefined) return this.mpCollection(links, (p) => bzr(p) && p.prerequisite === branch.uniqueName && active(p));
        break;
      case '+merge': {
        const proposal = /^\d+$/.test(id ?? '') ? state.proposals.get(Number(id)) : undefined;
        if (!proposal || !bzr(proposal) || proposal.source !== branch.uniqueName || tooDeep.length > 0) break;
        const resource = this.proposalResource(links, proposal, grandchild, grandchildId);
        if (resource) return resource;
        break;
      }
    }
    throw notFound(path);
  }

  /** `~owner/project/+git/name[/+ref/<name…>|/+merge/<id>[/…]]`; the repository's and ref's named operations are devel only. */
  private resolveGit(segments: string[], path: string, links: Links): Resource {
    const state = this.state;
    const devel = links.version === 'devel';
    const repository = state.repositories.get(segments.slice(0, 4).join('/'));
    if (!repository) throw notFound(path);
    const [child, ...below] = segments.slice(4);
    const git = (p: ProposalRecord) => p.vcs === 'git';
    const active = (p: ProposalRecord) => !FINAL_STATUSES.has(p.status);
    if (child === undefined) {
      return {
        kind: 'entry',
        render: () => renderGitRepository(state, links, repository),
        get: devel
          ? {
              getRefByPath: (ctx) => {
                const ref = state.refByPath(repository, decodeText(requiredParam(ctx, 'path')));
                return json(200, ref ? renderGitRef(links, repository, ref.path) : null);
              },
              getMergeProposals: (ctx) => this.proposalsPage(ctx, (p) => git(p) && p.target === repository.uniqueName),
            }
          : {},
        post: devel ? { newWebhook: (ctx) => this.newWebhook(ctx, { kind: 'repository', uniqueName: repository.uniqueName }) } : {},
      };
    }
    if (child === 'webhooks' || child === '+webhook') {
      const resource = this.webhookResource(links, { kind: 'repository', uniqueName: repository.uniqueName }, child, below[0], below.slice(1));
      if (resource) return resource;
    }
    if (child === 'landing_candidates' && below.length === 0) return this.mpCollection(links, (p) => git(p) && p.target === repository.uniqueName && active(p));
    if (child === 'landing_targets' && below.length === 0) return this.mpCollection(links, (p) => git(p) && p.source === repository.uniqueName && active(p));
    if (child === '+ref') {
      // Launchpad's traversal takes the shortest leading segments that name a ref, and traverses
      // the ref with the rest (GitRepositoryNavigation.traverse_ref): `+ref/<name>/landing_targets`.
      for (let n = 1; n <= below.length; n++) {
        const ref = state.refByPath(repository, below.slice(0, n).join('/'));
        if (!ref) continue;
        const [refChild, ...tooDeep] = below.slice(n);
        if (tooDeep.length > 0) break;
        const from = (p: ProposalRecord) => git(p) && p.source === repository.uniqueName && p.sourceRef === ref.path;
        const into = (p: ProposalRecord) => git(p) && p.target === repository.uniqueName && p.targetRef === ref.path;
        if (refChild === undefined) {
          return {
            kind: 'entry',
            render: () => renderGitRef(links, repository, ref.path),
            get: devel ? { getMergeProposals: (ctx) => this.proposalsPage(ctx, into) } : {},
          };
        }
        // GitRef.landing_targets has every status; landing_candidates only active ones.
        if (refChild === 'landing_targets') return this.mpCollection(links, from);
        if (refChild === 'landing_candidates') return this.mpCollection(links, (p) => into(p) && active(p));
        break;
      }
    }
    if (child === '+merge') {
      const [id, grandchild, grandchildId, ...tooDeep] = below;
      const proposal = /^\d+$/.test(id ?? '') ? state.proposals.get(Number(id)) : undefined;
      if (proposal && git(proposal) && proposal.source === repository.uniqueName && tooDeep.length === 0) {
        const resource = this.proposalResource(links, proposal, grandchild, grandchildId);
        if (resource) return resource;
      }
    }
    throw notFound(path);
  }

  /** `newWebhook` (devel): 201 with the new webhook's Location and no body. */
  private newWebhook(ctx: RequestContext, target: HookTarget): SimResponse {
    const value = (name: string) => {
      const raw = ctx.params.get(name);
      return raw === null ? undefined : decodeParam(raw);
    };
    const hook = this.hooks.create(target, ctx.principal.person, ctx.principal.permission === 'WRITE_PUBLIC', {
      deliveryUrl: value('delivery_url'),
      eventTypes: value('event_types'),
      active: value('active'),
      secret: value('secret'),
    });
    return { status: 201, headers: { Location: `${ctx.links.api}${target.uniqueName}/+webhook/${hook.id}` }, body: '' };
  }

  /** A target's `webhooks` collection and `+webhook/<id>` entries (GET, PATCH, DELETE; `ping` in devel). */
  private webhookResource(links: Links, target: HookTarget, child: string, id: string | undefined, rest: string[]): Resource | undefined {
    if (rest.length > 0) return undefined;
    if (child === 'webhooks' && id === undefined) {
      return { kind: 'collection', items: (ctx) => this.hooks.list(target, ctx.principal.person).map((h) => this.hooks.render(h, links)), typeLink: links.type('webhook-page-resource') };
    }
    if (child !== '+webhook' || id === undefined || !/^\d+$/.test(id)) return undefined;
    const hook = (ctx: RequestContext) => {
      const found = this.hooks.find(target, Number(id), ctx.principal.person);
      if (!found) throw notFound(`/${target.uniqueName}/+webhook/${id}`);
      return found;
    };
    const canWrite = (ctx: RequestContext) => ctx.principal.permission === 'WRITE_PUBLIC';
    return {
      kind: 'entry',
      render: (ctx) => this.hooks.render(hook(ctx), links),
      post:
        links.version === 'devel'
          ? {
              ping: (ctx) => {
                const delivery = this.hooks.ping(hook(ctx), ctx.principal.person, canWrite(ctx));
                return { status: 201, headers: { Location: `${ctx.links.api}${target.uniqueName}/+webhook/${id}/+delivery/${delivery.id}` }, body: '' };
              },
            }
          : {},
      patch: (ctx) => {
        let fields: unknown;
        try {
          fields = JSON.parse(ctx.body);
        } catch {
          throw new HttpProblem(400, 'Expected a JSON object in the PATCH body.');
        }
        if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) throw new HttpProblem(400, 'Expected a JSON object in the PATCH body.');
        const found = hook(ctx);
        this.hooks.patch(found, ctx.principal.person, canWrite(ctx), fields as Record<string, unknown>);
        // lazr.restful answers a PATCH with 209 Content Returned and the new representation.
        const entry = this.hooks.render(found, links);
        return { status: 209, headers: { 'Content-Type': 'application/json', ETag: entry.http_etag }, body: JSON.stringify(entry) };
      },
      delete: (ctx) => {
        this.hooks.remove(hook(ctx), ctx.principal.person, canWrite(ctx));
        return { status: 200, headers: {}, body: '' };
      },
    };
  }

  private mpCollection(links: Links, select: (p: ProposalRecord) => boolean): Resource {
    return {
      kind: 'collection',
      items: () => this.proposalsWhere(select).map((p) => renderProposal(links, p)),
      typeLink: links.type('branch_merge_proposal-page-resource'),
    };
  }

  /** devel `git_repositories.getByPath`: `project` (its default repository) or `~owner/project/+git/name`. */
  private getGitRepositoryByPath(ctx: RequestContext): SimResponse {
    const repository = this.state.findGitRepository(decodeText(requiredParam(ctx, 'path')));
    return json(200, repository ? renderGitRepository(this.state, ctx.links, repository) : null);
  }

  private proposalResource(links: Links, proposal: ProposalRecord, child: string | undefined, childId: string | undefined): Resource | undefined {
    const state = this.state;
    if (child === undefined) {
      return {
        kind: 'entry',
        render: () => renderProposal(links, proposal),
        get: { getComment: (ctx) => this.getComment(ctx, proposal) },
        post: {
          createComment: (ctx) => this.createComment(ctx, proposal),
          setStatus: (ctx) => this.setStatusOperation(ctx, proposal),
        },
      };
    }
    if (child === 'all_comments' && childId === undefined) {
      return {
        kind: 'collection',
        items: () => unordered(state.proposalComments(proposal)).map((c) => renderComment(state, links, c)),
        typeLink: links.type('code_review_comment-page-resource'),
      };
    }
    if (child === 'comments' && childId !== undefined) {
      const comment = state.comments.get(Number(childId));
      if (!/^\d+$/.test(childId) || !comment || comment.proposalId !== proposal.id) return undefined;
      return { kind: 'entry', render: () => renderComment(state, links, comment) };
    }
    if (child === 'preview_diffs' && childId === undefined) {
      return {
        kind: 'collection',
        items: () =>
          proposal.previewDiffs.map((id) => renderPreviewDiff(state, links, state.previewDiffs.get(id)!)),
        typeLink: links.type('preview_diff-page-resource'),
      };
    }
    if (child === '+preview-diff' && childId !== undefined) {
      const diff = state.previewDiffs.get(Number(childId));
      if (!/^\d+$/.test(childId) || !diff || diff.proposalId !== proposal.id) return undefined;
      return { kind: 'entry', render: () => renderPreviewDiff(state, links, diff) };
    }
    return undefined;
  }

  // ---- named operations ------------------------------------------------------

  private proposalsWhere(select: (p: ProposalRecord) => boolean): ProposalRecord[] {
    return [...this.state.proposals.values()].filter(select).sort((a, b) => a.id - b.id);
  }

  /** `getMergeProposals`: `status` filter (default WIP, Needs review, Approved), no resource_type_link. */
  private proposalsPage(ctx: RequestContext, select: (p: ProposalRecord) => boolean): SimResponse {
    const statuses = parseStatuses(ctx.params.getAll('status'));
    const proposals = this.proposalsWhere((p) => select(p) && statuses.has(p.status));
    return this.page(ctx, proposals.map((p) => renderProposal(ctx.links, p)));
  }

  private getByUrl(ctx: RequestContext): SimResponse {
    const url = decodeText(requiredParam(ctx, 'url'));
    const path = /^lp:(.*)$/.exec(url)?.[1] ?? /^(?:https?|bzr\+ssh):\/\/(?:bazaar|code)\.launchpad\.net\/(~[^/]+\/[^/]+\/[^/]+)\/?$/.exec(url)?.[1];
    const branch = path === undefined ? undefined : this.state.branchByLpPath(path);
    return json(200, branch ? renderBranch(this.state, ctx.links, branch) : null);
  }

  private getComment(ctx: RequestContext, proposal: ProposalRecord): SimResponse {
    const raw = requiredParam(ctx, 'id');
    const id = decodeParam(raw);
    if (typeof id !== 'number' || !Number.isInteger(id)) throw new HttpProblem(400, `id: got '${raw}', expected an integer.`);
    const comment = this.state.comments.get(id);
    if (!comment) throw new HttpProblem(404, `Object: ${proposal.id}, name: 'getComment'`);
    if (comment.proposalId !== proposal.id) throw new HttpProblem(400, 'The specified comment belongs to another merge proposal.');
    return json(200, renderComment(this.state, ctx.links, comment));
  }

  /** `createComment`: form values JSON-parsed-else-raw; 201 + Location + empty body. */
  private createComment(ctx: RequestContext, proposal: ProposalRecord): SimResponse {
    const author = this.requireWrite(ctx, proposal, 'createComment');
    const voteParam = ctx.params.get('vote');
    let vote: CodeReviewVote | null = null;
    if (voteParam !== null) {
      const title = decodeText(voteParam);
      if (!isCodeReviewVote(title)) throw new HttpProblem(400, invalidChoice('vote', title, CODE_REVIEW_VOTES));
      vote = title;
    }
    const subject = optionalText(ctx, 'subject');
    const reviewType = optionalText(ctx, 'review_type');
    const comment = this.state.addComment({
      proposal,
      author,
      subject: subject || `Re: [Merge] ${this.state.displayName(proposal, 'source')} into ${this.state.displayName(proposal, 'target')}`,
      content: optionalText(ctx, 'content') ?? '',
      vote,
      reviewType: reviewType === undefined ? null : reviewType.toLowerCase(),
    });
    return { status: 201, headers: { Location: `${ctx.links.proposal(proposal)}/comments/${comment.id}` }, body: '' };
  }

  private setStatusOperation(ctx: RequestContext, proposal: ProposalRecord): SimResponse {
    const reviewer = this.requireWrite(ctx, proposal, 'setStatus');
    const title = decodeText(requiredParam(ctx, 'status'));
    if (!isMergeProposalStatus(title)) throw new HttpProblem(400, invalidChoice('status', title, MERGE_PROPOSAL_STATUSES));
    if (!SETTABLE_STATUSES.has(title)) throw new HttpProblem(500, `AssertionError: Unexpected queue status: ${title}`);
    this.state.setStatus(proposal, title, reviewer, optionalText(ctx, 'revid'));
    return json(200, null);
  }

  /** Writes need a token with WRITE_PUBLIC; otherwise Zope's Unauthorized (401). */
  private requireWrite(ctx: RequestContext, proposal: ProposalRecord, operation: string): string {
    const { person, permission } = ctx.principal;
    if (person === null || permission !== 'WRITE_PUBLIC') {
      throw new HttpProblem(
        401,
        `(<lp.code.model.branchmergeproposal.BranchMergeProposal object at 0x7f3a${proposal.id.toString(16)}>, '${operation}', 'launchpad.AnyPerson')`,
        OAUTH_CHALLENGE,
      );
    }
    return person;
  }

  // ---- paging ----------------------------------------------------------------

  /** One batch: `ws.start`/`ws.size`, inline total_size (1.0), next/prev links with a memo. */
  private page(ctx: RequestContext, items: Entry[], typeLink?: string): SimResponse {
    const size = positiveInt(ctx.url.searchParams.get('ws.size')) ?? this.defaultBatchSize;
    if (size > MAX_BATCH_SIZE) throw new HttpProblem(400, `Maximum for "ws.size" parameter is ${MAX_BATCH_SIZE}.`);
    const start = positiveInt(ctx.url.searchParams.get('ws.start')) ?? 0;
    const link = (from: number) => {
      const query = new URLSearchParams();
      for (const [key, value] of ctx.url.searchParams) {
        if (!['ws.start', 'ws.size', 'memo'].includes(key) && !key.startsWith('oauth_')) query.append(key, value);
      }
      query.set('memo', String(from));
      query.set('ws.size', String(size));
      query.set('ws.start', String(from));
      return `${ctx.links.root}${ctx.url.pathname.slice(1)}?${query}`;
    };
    const body: Record<string, unknown> = {};
    if (typeLink) body.resource_type_link = typeLink;
    body.total_size = items.length;
    body.start = start;
    if (start + size < items.length) body.next_collection_link = link(start + size);
    if (start > 0) body.prev_collection_link = link(Math.max(0, start - size));
    body.entries = items.slice(start, start + size);
    return json(200, body);
  }

  // ---- OAuth -----------------------------------------------------------------

  /** launchpad.md §4a: PLAINTEXT only, empty token = anonymous, TokenException texts. */
  private authenticate(req: IncomingMessage, params: URLSearchParams): Principal {
    const anonymous: Principal = { person: null, permission: null };
    let oauth = parseOAuthHeader(req.headers.authorization);
    if (!oauth) {
      oauth = new Map([...params].filter(([key]) => key.startsWith('oauth_')));
      if (!oauth.has('oauth_consumer_key')) {
        // Unsigned: an anonymous client named by its User-Agent.
        if (!req.headers['user-agent']) throw new HttpProblem(401, 'Anonymous requests must provide a User-Agent.', OAUTH_CHALLENGE);
        return anonymous;
      }
    }
    const consumerKey = oauth.get('oauth_consumer_key') ?? '';
    const tokenKey = oauth.get('oauth_token');
    const consumerKnown = this.oauth.knowsConsumer(consumerKey) || [...this.state.tokens.values()].some((t) => t.consumerKey === consumerKey);
    if (tokenKey === '') {
      if (consumerKey === '') throw new HttpProblem(401, 'No consumer key specified.', OAUTH_CHALLENGE);
      return anonymous;
    }
    if (!consumerKnown) throw new HttpProblem(401, `Unknown consumer (${consumerKey}).`, OAUTH_CHALLENGE);
    const token = tokenKey === undefined ? undefined : this.state.tokens.get(tokenKey);
    if (!token || token.consumerKey !== consumerKey) {
      throw new HttpProblem(401, `Unknown access token (${tokenKey ?? 'None'}).`, OAUTH_CHALLENGE);
    }
    const method = oauth.get('oauth_signature_method');
    if (method !== 'PLAINTEXT') {
      throw new HttpProblem(400, `Unsupported OAuth signature method: ${method ?? 'none'}. Launchpad accepts only PLAINTEXT.`);
    }
    if (oauth.get('oauth_signature') !== `&${token.tokenSecret}`) throw new HttpProblem(401, 'Invalid signature.', OAUTH_CHALLENGE);
    return { person: token.person, permission: token.permission };
  }
}

// ---- helpers -------------------------------------------------------------------

/** A request body as text; a larger one than MAX_REQUEST_BODY_BYTES is refused with 413. */
async function readBody(req: IncomingMessage): Promise<string> {
  try {
    return (await readRequestBody(req, MAX_REQUEST_BODY_BYTES, { drain: true })).toString('utf8');
  } catch (err) {
    if (err instanceof BodyTooLargeError) throw new HttpProblem(413, 'Request Entity Too Large');
    throw err;
  }
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpProblem(400, `Malformed URL segment: ${segment}`);
  }
}

/** lazr.restful answers JSON like Python's json.dumps: non-ASCII as \uXXXX escapes. */
function json(status: number, value: unknown): SimResponse {
  const body = JSON.stringify(value).replace(/[\u0080-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
  return { status, headers: { 'Content-Type': 'application/json' }, body };
}

function text(status: number, message: string, headers: Record<string, string> = {}): SimResponse {
  return { status, headers: { 'Content-Type': 'text/plain;charset=utf-8', ...headers }, body: message };
}

function notFound(path: string): HttpProblem {
  const name = path.split('/').filter(Boolean).pop() ?? '';
  return new HttpProblem(404, `Object: ${path}, name: '${name}'`);
}

function quotedSha1(text: string): string {
  return `"${createHash('sha1').update(text).digest('hex')}"`;
}

/** If-None-Match against an ETag, forgiving the `-gzip` suffixes mod_compress adds (as Launchpad is configured to). */
function etagMatches(header: string, etag: string): boolean {
  const normalise = (tag: string) => tag.trim().replace(/^W\//, '').replace(/-gzip"$/, '"').replace(/"-gzip$/, '"');
  return header.split(',').some((tag) => tag.trim() === '*' || normalise(tag) === normalise(etag));
}

/** Form and query values are JSON-parsed, falling back to the raw string (lazr.restful marshallers). */
function decodeParam(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

/** A text field: JSON string or raw text; CRLF becomes LF. */
function decodeText(raw: string): string {
  const value = decodeParam(raw);
  return (typeof value === 'string' ? value : raw).replace(/\r\n/g, '\n');
}

function optionalText(ctx: RequestContext, name: string): string | undefined {
  const raw = ctx.params.get(name);
  if (raw === null || decodeParam(raw) === null) return undefined;
  return decodeText(raw);
}

function requiredParam(ctx: RequestContext, name: string): string {
  const raw = ctx.params.get(name);
  if (raw === null) throw new HttpProblem(400, `${name}: Required input is missing.`);
  return raw;
}

function invalidChoice(name: string, value: string, titles: readonly string[]): string {
  return `${name}: Invalid value "${value}". Acceptable values are: ${titles.join(', ')}`;
}

/** `status`: a JSON list, a JSON string or a bare title, possibly repeated; empty means the default. */
function parseStatuses(values: string[]): Set<MergeProposalStatus> {
  const titles: string[] = [];
  for (const raw of values) {
    const value = decodeParam(raw);
    if (Array.isArray(value)) titles.push(...value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))));
    else titles.push(typeof value === 'string' ? value : raw);
  }
  for (const title of titles) {
    if (!isMergeProposalStatus(title)) throw new HttpProblem(400, invalidChoice('status', title, MERGE_PROPOSAL_STATUSES));
  }
  return new Set(titles.length > 0 ? (titles as MergeProposalStatus[]) : DEFAULT_PROPOSAL_STATUSES);
}

function positiveInt(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  return n > 0 ? n : undefined;
}

/** The owner in a unique name `~owner/…`. */
function ownerOf(uniqueName: string): string {
  return uniqueName.slice(1).split('/')[0];
}

function sortPeople(people: PersonRecord[]): PersonRecord[] {
  return [...people].sort((a, b) => a.displayName.localeCompare(b.displayName) || a.name.localeCompare(b.name));
}

/**
 * Launchpad's `all_comments` query has no ORDER BY: hand comments out in a
 * deterministic order that is never creation order (for two or more), so a
 * client that forgets to sort is caught.
 */
function unordered(comments: SimComment[]): SimComment[] {
  const key = (c: SimComment) => createHash('sha1').update(`comment-${c.id}`).digest('hex');
  const shuffled = [...comments].sort((a, b) => key(a).localeCompare(key(b)));
  if (shuffled.length > 1 && shuffled.every((c, i) => c === comments[i])) shuffled.push(shuffled.shift()!);
  return shuffled;
}
