/**
 * The bot's Launchpad web-service (1.0) client: list merge proposals, read
 * entries conditionally, read and post comments, check team membership.
 * Every call makes only the requests it needs (one per page, no preliminary
 * GET of the resource a named operation runs on), so a steady-state cycle
 * costs about "pages + what changed".
 *
 * Requests go through the project's HttpClient (retries of 502/503/504 and
 * network failures); its HttpError surfaces unchanged when they persist.
 * Any other unsuccessful answer becomes a LaunchpadError (LaunchpadAuthError
 * for 401), whose message never contains the OAuth token or secret.
 */
import { bodyExcerpt, bodyText, type HttpClient, type HttpResponse } from '../http/client.js';
import type { Logger } from '../log.js';
import { redact, registerSecret, safeUrl } from '../secrets.js';
import type { LaunchpadCredentials } from './credentials.js';
import { plaintextAuthorization, type OAuthSigner } from './oauth.js';
import type { Branch, CodeReviewComment, CodeReviewVote, CollectionPage, Entry, GitRef, GitRepository, MergeProposal, Webhook } from './wire.js';

export interface LaunchpadClientOptions {
  /** e.g. `https://api.launchpad.net/`; the client talks to `<serviceRoot>1.0/`. */
  serviceRoot: string;
  /** Without them the client reads anonymously and cannot write. */
  credentials?: LaunchpadCredentials;
  http: HttpClient;
  logger?: Logger;
  /** Entries per page of a listing (default and most: Launchpad's 300, so a quiet cycle costs few requests). */
  pageSize?: number;
}

/** How long a watched name's link (`lp:project` is whichever repository is the default) is trusted before it is looked up again. */
export const WATCHED_LINK_TTL_MS = 3600_000;

/**
 * Where to list proposals: a project (git and bzr), the proposals targeting
 * one bzr branch (`lp:` URL or `~owner/project/name`), or those targeting a
 * git repository (`lp:project`, `lp:~owner/project/+git/name`), optionally
 * one of its refs.
 */
export type ProposalTarget = { project: string } | { branch: string } | { repository: string; ref?: string };

/** A conditional GET's outcome: unchanged since `knownEtag`, or the entry and its current ETag. */
export type EntryResult<T> = { notModified: true } | { entry: T; etag: string };

export interface NewComment {
  subject: string;
  content: string;
  vote?: CodeReviewVote;
  /** Free text such as `code`; Launchpad records a vote only when both are given. */
  reviewType?: string;
}

/** Launchpad answered with an error (or with something unusable). */
export class LaunchpadError extends Error {
  constructor(
    message: string,
    /** The HTTP status of the answer; 404 when a lookup found nothing; 0 when no request was sent. */
    readonly status: number,
    readonly method: string,
    /** Redacted. */
    readonly url: string,
    /** The server's own words (redacted, shortened), empty if none. */
    readonly serverMessage: string,
  ) {
    super(redact(message));
    this.name = 'LaunchpadError';
  }
}

/** Launchpad answered 401: the token is unknown or expired, the signature wrong, or the token may not write. */
export class LaunchpadAuthError extends LaunchpadError {
  constructor(message: string, method: string, url: string, serverMessage: string) {
    super(message, 401, method, url, serverMessage);
    this.name = 'LaunchpadAuthError';
  }
}

/** Consumer key for anonymous requests, which Launchpad accepts unregistered. */
const ANONYMOUS_CONSUMER = 'cbuild-bot';

/** Launchpad's largest page (lazr.restful `max_batch_size`): the fewer pages, the cheaper a quiet cycle. */
export const MAX_PAGE_SIZE = 300;

export class LaunchpadClient {
  /** The API base, `<serviceRoot>1.0/`. */
  readonly apiRoot: string;
  /**
   * `<serviceRoot>devel/`, for the calls that exist only there (git
   * repository and ref lookups, getMergeProposals on a repository or ref,
   * webhooks). Every link it returns is rewritten to its 1.0 form, so an
   * object has one identity whichever version named it.
   */
  readonly develRoot: string;
  /** Whether the client has credentials; Launchpad still decides whether the token may write. */
  readonly canWrite: boolean;
  private readonly pageSize: number;
  /** Watched git repositories and refs by `lp:` name → their `devel` link, so a quiet cycle does not look them up again. */
  private readonly listingTargets = new Map<string, { link: string; until: number }>();
  private readonly signer: OAuthSigner;
  private readonly http: HttpClient;
  private readonly logger?: Logger;

  constructor(options: LaunchpadClientOptions) {
    const root = options.serviceRoot.endsWith('/') ? options.serviceRoot : options.serviceRoot + '/';
    this.apiRoot = root.endsWith('/1.0/') ? root : root + '1.0/';
    this.develRoot = this.apiRoot.replace(/1\.0\/$/, 'devel/');
    this.http = options.http;
    this.logger = options.logger;
    this.pageSize = options.pageSize ?? MAX_PAGE_SIZE;
    this.canWrite = options.credentials !== undefined;
    if (options.credentials) {
      registerSecret(options.credentials.accessToken);
      registerSecret(options.credentials.accessSecret);
      registerSecret(options.credentials.consumerSecret);
    }
    this.signer = options.credentials ?? {
      consumerKey: ANONYMOUS_CONSUMER,
      consumerSecret: '',
      accessToken: '',
      accessSecret: '',
    };
  }

  /** `branches.getByUrl`: `lp:project` (development focus), `lp:project/series` or `lp:~owner/project/name`. */
  async resolveBranch(lpUrl: string): Promise<Branch> {
    const url = `${this.apiRoot}branches?${new URLSearchParams({ 'ws.op': 'getByUrl', url: JSON.stringify(lpUrl) })}`;
    const branch = await this.getJson<Branch | null>(url);
    if (branch === null) throw new LaunchpadError(`Launchpad has no branch at ${lpUrl}`, 404, 'GET', safeUrl(url), '');
    return branch;
  }

  /**
   * A git repository by `lp:` path (`lp:project` is the project's default
   * repository; `lp:~owner/project/+git/name`). `git_repositories.getByPath`
   * exists only in `devel`: in 1.0 the collection offers no lookup.
   */
  async resolveRepository(lpPath: string): Promise<GitRepository> {
    const path = lpPath.replace(/^lp:/, '');
    const url = `${this.develRoot}git_repositories?${new URLSearchParams({ 'ws.op': 'getByPath', path: JSON.stringify(path) })}`;
    const repository = await this.getJson<GitRepository | null>(url);
    if (repository === null) throw new LaunchpadError(`Launchpad has no git repository at ${lpPath}`, 404, 'GET', safeUrl(url), '');
    return this.toApi10(repository);
  }

  /** A ref of a repository (`refs/heads/master`, or `master`); `getRefByPath` is `devel` only. */
  async refByPath(repository: GitRepository, path: string): Promise<GitRef> {
    const url = `${this.toDevel(repository.self_link)}?${new URLSearchParams({ 'ws.op': 'getRefByPath', path: JSON.stringify(path) })}`;
    const ref = await this.getJson<GitRef | null>(url);
    if (ref === null) throw new LaunchpadError(`${repository.git_identity} has no ref ${path}`, 404, 'GET', safeUrl(url), '');
    return this.toApi10(ref);
  }

  /**
   * Every proposal in one of `statuses` (titles; empty = Launchpad's default,
   * Work in progress + Needs review + Approved), across all pages of
   * Launchpad's largest size. A branch or repository lists the proposals
   * targeting it. `lp:` names cost one request to resolve (pass a bzr
   * branch's unique name to avoid it).
   */
  async getMergeProposals(target: ProposalTarget, statuses: readonly string[]): Promise<MergeProposal[]> {
    let resource: string;
    if ('project' in target) {
      resource = this.apiRoot + encodePath(target.project);
    } else if ('branch' in target) {
      const uniqueName = /^lp:(~[^/]+\/[^/]+\/[^/]+)$/.exec(target.branch)?.[1] ?? target.branch;
      resource = uniqueName.startsWith('lp:')
        ? (await this.resolveBranch(uniqueName)).self_link
        : this.apiRoot + encodePath(uniqueName.startsWith('~') ? uniqueName : '~' + uniqueName);
    } else {
      resource = await this.gitListingTarget(target.repository, target.ref);
    }
    // JSON-encoded, as launchpadlib sends parameters without WADL options.
    const query = new URLSearchParams({ 'ws.op': 'getMergeProposals', status: JSON.stringify(statuses), 'ws.size': String(this.pageSize) });
    try {
      return (await this.getAllPages<MergeProposal>(`${resource}?${query}`)).map((mp) => this.toApi10(mp));
    } catch (err) {
      // A repository renamed or deleted since it was looked up: look it up again next time.
      if ('repository' in target && err instanceof LaunchpadError && err.status === 404) this.listingTargets.delete(`${target.repository} ${target.ref ?? ''}`);
      throw err;
    }
  }

  /**
   * The `devel` link of a watched git repository or ref (getMergeProposals
   * on them is `devel` only), looked up once an hour: `lp:project` names
   * whichever repository is the project's default, which can change.
   */
  private async gitListingTarget(repositoryPath: string, ref: string | undefined): Promise<string> {
    const key = `${repositoryPath} ${ref ?? ''}`;
    const known = this.listingTargets.get(key);
    if (known && known.until > Date.now()) return known.link;
    const repository = await this.resolveRepository(repositoryPath);
    const link = this.toDevel(ref ? (await this.refByPath(repository, ref)).self_link : repository.self_link);
    this.listingTargets.set(key, { link, until: Date.now() + WATCHED_LINK_TTL_MS });
    return link;
  }

  /** GET one entry; with `knownEtag`, a conditional GET that may answer "not modified". */
  async getEntry<T extends Entry = Entry>(url: string, knownEtag?: string): Promise<EntryResult<T>> {
    const headers: Record<string, string> = knownEtag ? { 'If-None-Match': knownEtag } : {};
    const res = await this.send('GET', url, headers);
    if (res.statusCode === 304 && knownEtag) return { notModified: true };
    const entry = this.parseJson<T>('GET', url, res);
    if (entry === null || typeof entry !== 'object' || typeof entry.self_link !== 'string') {
      throw this.unusable('GET', url, res, 'is not an entry');
    }
    return { entry, etag: firstHeader(res.headers.etag) ?? entry.http_etag };
  }

  /**
   * All comments on a proposal, oldest first. Launchpad returns `all_comments`
   * in no particular order, so they are sorted by creation date, then id.
   */
  async getComments(mpLink: string): Promise<CodeReviewComment[]> {
    const comments = await this.getAllPages<CodeReviewComment>(`${mpLink.replace(/\/+$/, '')}/all_comments?ws.size=${this.pageSize}`);
    return comments.sort((a, b) => Date.parse(a.date_created) - Date.parse(b.date_created) || a.id - b.id);
  }

  /** Posts a comment (`createComment`); returns the new comment's URL from `Location`. */
  async createComment(mpLink: string, comment: NewComment): Promise<string> {
    // Free text is JSON-encoded as launchpadlib does, so text that happens to
    // parse as JSON (`null`, `"x"`, `[1]`) reaches Launchpad unchanged; the
    // vote has WADL options and goes as is.
    const form = new URLSearchParams({
      'ws.op': 'createComment',
      subject: JSON.stringify(comment.subject),
      content: JSON.stringify(comment.content),
    });
    if (comment.vote) form.set('vote', comment.vote);
    if (comment.reviewType !== undefined) form.set('review_type', JSON.stringify(comment.reviewType));
    const res = await this.send('POST', mpLink, { 'Content-Type': 'application/x-www-form-urlencoded' }, form.toString());
    const location = firstHeader(res.headers.location);
    if (res.statusCode !== 201 || !location) throw this.unusable('POST', mpLink, res, 'did not answer 201 with a Location');
    return new URL(location, mpLink).toString();
  }

  /**
   * Whether the person (an entry link, e.g. a proposal's `registrant_link`)
   * is the team or one of its direct or indirect members. The 1.0 web service
   * does not export `inTeam`, so this pages through the team's `participants`
   * until the person turns up.
   */
  async inTeam(personLink: string, teamName: string): Promise<boolean> {
    const person = /\/~([^/?#]+)\/?$/.exec(personLink)?.[1];
    if (!person) throw new LaunchpadError(`${personLink} is not a person's link`, 0, 'GET', safeUrl(personLink), '');
    if (decodeURIComponent(person) === teamName) return true;
    let url: string | undefined = `${this.apiRoot}~${encodeURIComponent(teamName)}/participants`;
    const seen = new Set<string>();
    while (url) {
      const page: CollectionPage<{ name: string }> = await this.getPage<{ name: string }>(url, seen);
      if (page.entries.some((member) => member.name === decodeURIComponent(person))) return true;
      url = page.next_collection_link;
    }
    return false;
  }

  /**
   * The webhooks on a bzr branch or git repository (its entry link). Only
   * `devel` has them; seeing them needs edit rights on the target.
   */
  async webhooks(targetLink: string): Promise<Webhook[]> {
    return (await this.getAllPages<Webhook>(`${this.toDevel(targetLink).replace(/\/+$/, '')}/webhooks?ws.size=${this.pageSize}`)).map((w) => this.toApi10(w));
  }

  /**
   * `newWebhook` (devel only): a webhook on a bzr branch or git repository
   * delivering `eventTypes` to `deliveryUrl`, signed with `secret`. Returns
   * the new webhook's link. Needs edit rights on the target (launchpad.Edit).
   */
  async newWebhook(targetLink: string, hook: { deliveryUrl: string; eventTypes: readonly string[]; secret: string; active?: boolean }): Promise<string> {
    const url = this.toDevel(targetLink);
    const form = new URLSearchParams({
      'ws.op': 'newWebhook',
      delivery_url: JSON.stringify(hook.deliveryUrl),
      event_types: JSON.stringify(hook.eventTypes),
      active: JSON.stringify(hook.active ?? true),
      secret: JSON.stringify(hook.secret),
    });
    const res = await this.send('POST', url, { 'Content-Type': 'application/x-www-form-urlencoded' }, form.toString());
    const location = firstHeader(res.headers.location);
    if (res.statusCode !== 201 || !location) throw this.unusable('POST', url, res, 'did not answer 201 with a Location');
    return this.toApi10({ self_link: new URL(location, url).toString() }).self_link;
  }

  /** Changes a webhook's writable fields (a lazr PATCH, devel). */
  async patchWebhook(webhookLink: string, fields: Partial<Pick<Webhook, 'active' | 'event_types' | 'git_ref_pattern' | 'delivery_url'>>): Promise<void> {
    await this.send('PATCH', this.toDevel(webhookLink), { 'Content-Type': 'application/json' }, JSON.stringify(fields));
  }

  async deleteWebhook(webhookLink: string): Promise<void> {
    await this.send('DELETE', this.toDevel(webhookLink));
  }

  /** An entry's links in their 1.0 form (an entry read through `devel` names devel links). */
  private toApi10<T>(entry: T): T {
    const out = { ...entry } as Record<string, unknown>;
    for (const [key, value] of Object.entries(out)) {
      if ((key === 'self_link' || key.endsWith('_link')) && typeof value === 'string' && value.startsWith(this.develRoot)) {
        out[key] = this.apiRoot + value.slice(this.develRoot.length);
      }
    }
    return out as T;
  }

  private toDevel(link: string): string {
    return link.startsWith(this.apiRoot) ? this.develRoot + link.slice(this.apiRoot.length) : link;
  }

  private async getAllPages<T>(firstUrl: string): Promise<T[]> {
    const all: T[] = [];
    const seen = new Set<string>();
    let url: string | undefined = firstUrl;
    while (url) {
      const page: CollectionPage<T> = await this.getPage<T>(url, seen);
      all.push(...page.entries);
      url = page.next_collection_link;
    }
    return all;
  }

  /** One collection page; `seen` stops a server that links a page to itself. */
  private async getPage<T>(url: string, seen: Set<string>): Promise<CollectionPage<T>> {
    if (seen.has(url)) throw new LaunchpadError(`Launchpad's collection pages loop back to ${url}`, 0, 'GET', safeUrl(url), '');
    seen.add(url);
    const res = await this.send('GET', url);
    const page = this.parseJson<CollectionPage<T>>('GET', url, res);
    if (page === null || typeof page !== 'object' || !Array.isArray(page.entries)) {
      throw this.unusable('GET', url, res, 'is not a collection page');
    }
    return page;
  }

  private async getJson<T>(url: string): Promise<T> {
    return this.parseJson<T>('GET', url, await this.send('GET', url));
  }

  /** Sends one signed request; returns 2xx and 304 answers, throws for the rest. */
  private async send(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, headers: Record<string, string> = {}, body?: string): Promise<HttpResponse> {
    if (!sameOrigin(url, this.apiRoot)) {
      // The Authorization header must never travel to a host a response pointed at.
      throw new LaunchpadError(`refusing to send Launchpad credentials to ${url}, outside ${this.apiRoot}`, 0, method, safeUrl(url), '');
    }
    const res = await this.http.request({
      method,
      url,
      body,
      headers: { Accept: 'application/json', Authorization: plaintextAuthorization(this.signer), ...headers },
    });
    this.logger?.debug('launchpad request', { method, url: safeUrl(url), status: res.statusCode });
    if ((res.statusCode >= 200 && res.statusCode < 300) || res.statusCode === 304) return res;
    const serverMessage = bodyExcerpt(res);
    if (res.statusCode === 401) {
      // Zope's Unauthorized names the permission that was missing: the credentials were fine, the access level not.
      const notPermitted = /'launchpad\.\w+'\)$/.test(serverMessage);
      const why = this.canWrite ? 'the token lacks permission (writing needs WRITE_PUBLIC)' : 'no credentials were given, and anonymous access is read-only';
      throw new LaunchpadAuthError(
        notPermitted
          ? `Launchpad refused ${method} ${safeUrl(url)}: ${why}: ${serverMessage}`
          : `Launchpad rejected the OAuth credentials: ${serverMessage || 'HTTP 401'} (${method} ${safeUrl(url)})`,
        method,
        safeUrl(url),
        serverMessage,
      );
    }
    throw new LaunchpadError(
      `Launchpad ${method} ${safeUrl(url)} answered HTTP ${res.statusCode}${serverMessage ? `: ${serverMessage}` : ''}`,
      res.statusCode,
      method,
      safeUrl(url),
      serverMessage,
    );
  }

  private parseJson<T>(method: string, url: string, res: HttpResponse): T {
    try {
      return JSON.parse(bodyText(res)) as T;
    } catch {
      throw this.unusable(method, url, res, 'sent malformed JSON');
    }
  }

  private unusable(method: string, url: string, res: HttpResponse, what: string): LaunchpadError {
    const excerpt = bodyExcerpt(res, 120);
    return new LaunchpadError(
      `Launchpad ${method} ${safeUrl(url)} ${what} (HTTP ${res.statusCode}${excerpt ? `, body: ${excerpt}` : ', empty body'})`,
      res.statusCode,
      method,
      safeUrl(url),
      excerpt,
    );
  }
}

/** Percent-encodes each path segment, keeping `/`, `~` and `+` as Launchpad writes them. */
function encodePath(path: string): string {
  return path
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/%2B/g, '+'))
    .join('/');
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function sameOrigin(url: string, base: string): boolean {
  try {
    return new URL(url).origin === new URL(base).origin;
  } catch {
    return false;
  }
}
