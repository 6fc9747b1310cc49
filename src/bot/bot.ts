/**
 * One cycle of the bot: observe Launchpad → plan requests → act on builds →
 * compare results → plan and queue comments → flush the outbox. Every step
 * guards each of its items (guard.ts), so one failing proposal, build or
 * comment never stops the others, and a step that fails as a whole never
 * stops the steps after it.
 */
import { readFileSync } from 'node:fs';
import type { LaunchpadClient } from '../launchpad/client.js';
import type { CBuildClient } from '../cbuild/client.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../log.js';
import { pollSchedule, type BotConfig, type DailyConfig } from '../config/config.js';
import { FINAL_BUILD_STATES, type CommentRow, type RequestRow, type VcsKind } from '../core/model.js';
import { finishedUnreported, planBuilds, planComments, planComparisons, planRequests, shownBuilds, type PlanConfig } from '../core/plan.js';
import { planRolloutChanges } from '../core/rollout.js';
import { composeAck, composeResults } from '../core/report.js';
import type { BuildBackends } from '../backends/backend.js';
import { parseManifest, type Manifest } from '../results/index.js';
import { sourceKey, vcsFor } from '../vcs/index.js';
import { observeNamedProposals, observeProposals } from './observe.js';
import { pushedSide, WatchMatcher, type Hint } from './hints.js';
import { proposalsWantingComments } from '../store/events.js';
import { actOnCommentCommands } from './comment-commands.js';
import { cancelRequest, runDaily, scheduleBuild, type DailyOutcome, type ScheduleOptions } from './manual.js';
import { RequestMaker } from './requests.js';
import { BuildRunner } from './builds.js';
import { flushOutbox } from './outbox.js';
import { compareWithBaseline } from './compare.js';
import { Guard } from './guard.js';
import type { CycleContext } from './context.js';
import { comparisonManifest, recordTestAgreement } from './agreement.js';
import { NO_EVENTS, type BotEvents } from './events.js';

export interface BotDeps {
  store: Store;
  config: BotConfig;
  launchpad: LaunchpadClient;
  backends: BuildBackends;
  /** The CBuild results host both backends publish to. */
  results: CBuildClient;
  logger: Logger;
  clock?: () => Date;
  /** Print comments instead of posting them. */
  dryRun: boolean;
  print?: (text: string) => void;
  afterCommentPosted?: (comment: CommentRow) => void;
  /** Observer of the bot's work (metrics, health). */
  events?: BotEvents;
}

export interface CycleReport {
  proposals: number;
  /** Conditional GETs Launchpad answered 304. */
  notModified: number;
  commands: number;
  changed: number;
  requestsCreated: number;
  superseded: number;
  closed: number;
  submitted: number;
  polled: number;
  cancelled: number;
  compared: number;
  commentsQueued: number;
  commentsPosted: number;
  commentsWithdrawn: number;
  errors: number;
}

export interface CycleOptions {
  /** List the watched proposals on Launchpad (default true). */
  observe?: boolean;
}

function emptyReport(): CycleReport {
  return {
    proposals: 0, notModified: 0, commands: 0, changed: 0, requestsCreated: 0, superseded: 0, closed: 0, submitted: 0,
    polled: 0, cancelled: 0, compared: 0, commentsQueued: 0, commentsPosted: 0, commentsWithdrawn: 0, errors: 0,
  };
}

export class Bot {
  private readonly clock: () => Date;
  private readonly runner: BuildRunner;
  private readonly events: BotEvents;
  private readonly requests: RequestMaker;
  private readonly guard: Guard;
  private readonly manifests = new Map<string, Manifest | undefined>();
  private config: BotConfig;
  private watch: WatchMatcher;
  /** When the last sweep read every tracked proposal's comments and git refs (webhooks on); none yet at start. */
  private lastSweepAt: number | undefined;

  constructor(private readonly deps: BotDeps) {
    this.clock = deps.clock ?? (() => new Date());
    this.config = deps.config;
    this.events = deps.events ?? NO_EVENTS;
    this.guard = new Guard(deps.logger, this.events);
    this.events.configured({ dryRun: deps.dryRun, schedule: pollSchedule(this.config) });
    this.runner = new BuildRunner(() => this.context());
    this.requests = new RequestMaker(deps.store, deps.backends, () => this.config, this.events, deps.logger, () => this.now());
    this.watch = new WatchMatcher(deps.launchpad, () => this.config.launchpad.watch);
  }

  private now(): string {
    return this.clock().toISOString();
  }

  /** What each step is handed: the config in force now. */
  private context(): CycleContext {
    const { store, launchpad, backends, results, logger } = this.deps;
    return { store, launchpad, backends, results, config: this.config, logger, events: this.events, guard: this.guard, clock: this.clock, now: () => this.now() };
  }

  /** The config in force; `reconfigure` replaces it between steps. */
  get currentConfig(): BotConfig {
    return this.config;
  }

  /**
   * Takes a re-read config (SIGHUP). Rollout, targets, dailies, trusted
   * people, statuses and retries apply from the next step on; nothing running
   * is dropped, and builds held for a configuration error are tried again.
   * What the clients and the store were built from needs a restart: those
   * values are kept, and returned so the caller can say so.
   */
  async reconfigure(next: BotConfig): Promise<string[]> {
    const kept: string[] = [];
    const fixed = { ...next };
    const keep = <K extends keyof BotConfig>(key: K, label: string, same: (a: BotConfig[K], b: BotConfig[K]) => boolean) => {
      if (!same(this.config[key], next[key])) kept.push(label);
      fixed[key] = this.config[key];
    };
    const json = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    keep('database', 'database', (a, b) => a === b);
    keep('http', 'http', json);
    keep('cbuild', 'cbuild', json);
    keep('lava', 'lava', json);
    // The receivers were made at start with the secret and the routes.
    keep('webhooks', 'webhooks', json);
    fixed.launchpad = { ...next.launchpad, serviceRoot: this.config.launchpad.serviceRoot, credentialsFile: this.config.launchpad.credentialsFile };
    if (next.launchpad.serviceRoot !== this.config.launchpad.serviceRoot || next.launchpad.credentialsFile !== this.config.launchpad.credentialsFile) {
      kept.push('launchpad.serviceRoot/credentialsFile');
    }
    this.config = fixed;
    this.events.configured({ dryRun: this.deps.dryRun, schedule: pollSchedule(fixed) });
    this.manifests.clear();
    this.watch = new WatchMatcher(this.deps.launchpad, () => this.config.launchpad.watch);
    for (const backend of Object.values(this.deps.backends)) backend.configReread?.();
    await this.retryHeldBuilds();
    return kept;
  }

  /** Builds held for a configuration error are submitted again: the config was read anew (at start, on SIGHUP). */
  async retryHeldBuilds(): Promise<number> {
    const released = await this.deps.store.releaseHeldBuilds(this.now());
    if (released) this.deps.logger.info('builds held for a configuration error are tried again', { builds: released });
    return released;
  }

  private planConfig(): PlanConfig {
    return { statuses: this.config.launchpad.statuses, targets: Object.keys(this.config.targets), rollout: this.config.rollout, branchUrl: this.config.launchpad.branchUrl };
  }

  /**
   * One cycle. With webhooks on, only some cycles list the watched proposals
   * (`observe`: on webhooks.launchpad.pollSchedule, and at start); the others
   * follow builds, act on the comments deliveries asked for and post,
   * costing Launchpad nothing when nothing is to be posted.
   */
  async runCycle(options: CycleOptions = {}): Promise<CycleReport> {
    const ctx = this.context();
    this.guard.resetCount();
    const report = emptyReport();
    const observe = options.observe ?? true;
    // With webhooks on, what a delivery would have said is still read now and then (and at start), in case one was lost.
    const sweep = observe && this.sweepDue();
    if (observe) {
      await this.guard.item('observe Launchpad', {}, async () => {
        const observed = await observeProposals(ctx, { pollTips: !this.webhooksOn || sweep });
        report.proposals = observed.listed;
        report.changed = observed.changed;
        report.notModified = observed.notModified;
        this.events.polled(observed.complete ? 'ok' : 'error');
        if (sweep && observed.complete) this.lastSweepAt = this.clock().getTime();
      });
    }
    await this.actOnComments(ctx, report, this.webhooksOn && !sweep ? 'wanted' : 'all');
    await this.followThrough(ctx, report, 'all');
    report.errors = this.guard.errors;
    this.deps.logger.info('cycle done', { ...report });
    return report;
  }

  /**
   * Acts on events (bot/hints.ts) at once: reads the proposals they name (and
   * those from a pushed branch or ref) from Launchpad again, refreshes the
   * tips of pushed targets, looks at the builds whose jobs called back, and
   * runs the rest of a cycle's steps. Returns the builds that called back but
   * are not final yet (LAVA 2023.01 calls back before it saves the job).
   */
  async actOnHints(hints: readonly Hint[]): Promise<{ report: CycleReport; unfinished: number[] }> {
    const ctx = this.context();
    this.guard.resetCount();
    const report = emptyReport();
    const links = new Set<string>();
    const targets = new Map<string, VcsKind>();
    const builds = new Set<number>();
    const pushes = hints.filter((h): h is Extract<Hint, { kind: 'pushed' }> => h.kind === 'pushed');
    for (const h of hints) {
      if (h.kind === 'proposal') links.add(h.link);
      if (h.kind === 'build') builds.add(h.buildId);
    }
    if (pushes.length) {
      for (const p of await ctx.store.trackedProposals()) {
        for (const push of pushes) {
          const side = pushedSide(p, push);
          if (side === 'source') links.add(p.self_link);
          if (side === 'target') targets.set(p.target.link, p.target.vcs);
        }
      }
    }
    if (links.size) {
      await this.guard.item('observe proposals named by events', {}, async () => {
        const observed = await observeNamedProposals(ctx, [...links], (mp) => this.watch.watches(mp));
        report.proposals = observed.listed;
        report.changed = observed.changed;
        report.notModified = observed.notModified;
      });
    }
    for (const [link, vcs] of targets) {
      await this.guard.item('read a pushed target', { source: link }, async () => {
        const { tip, notModified } = await vcsFor(vcs).readTip(ctx.launchpad, link, await ctx.store.sourceTip(link), ctx.now());
        if (!notModified) await ctx.store.upsertSourceTips([tip]);
      }, 'launchpad');
    }
    await this.actOnComments(ctx, report, 'wanted');
    await this.followThrough(ctx, report, builds.size ? await this.waitedWith(ctx, builds) : builds);
    report.errors = this.guard.errors;
    const unfinished: number[] = [];
    for (const id of builds) {
      const build = await ctx.store.build(id);
      if (build && !FINAL_BUILD_STATES.has(build.state)) unfinished.push(id);
    }
    this.deps.logger.info('events acted on', { hints: hints.length, named: links.size, builds: builds.size, ...report });
    return { report, unfinished };
  }

  /**
   * The unfinished builds a results comment waits for together with these:
   * those of the same requests, of their baselines, and of the requests
   * whose baseline they are. A CBuild build cannot call back, so when a LAVA
   * job's callback comes, the CBuild build beside it is looked at too (it
   * may have ended unseen since the last poll).
   */
  private async waitedWith(ctx: CycleContext, builds: ReadonlySet<number>): Promise<Set<number>> {
    const unfinished = await ctx.store.unfinishedBuilds();
    const requests = await ctx.store.requestsById([...new Set(unfinished.map((b) => b.request_id))]);
    const hinted = new Set(unfinished.filter((b) => builds.has(b.id)).map((b) => b.request_id));
    const related = new Set(hinted);
    for (const r of requests.values()) {
      if (hinted.has(r.id) && r.base_request_id !== null) related.add(r.base_request_id);
      if (r.base_request_id !== null && hinted.has(r.base_request_id)) related.add(r.id);
    }
    return new Set([...builds, ...unfinished.filter((b) => related.has(b.request_id)).map((b) => b.id)]);
  }

  private get webhooksOn(): boolean {
    return this.config.webhooks.launchpad !== undefined;
  }

  private sweepDue(): boolean {
    const every = this.config.webhooks.launchpad?.sweepSeconds;
    return every === undefined || this.lastSweepAt === undefined || this.clock().getTime() - this.lastSweepAt >= every * 1000;
  }

  /** Commands in comments: every tracked proposal's, or (with webhooks on) those a delivery said were commented on. */
  private async actOnComments(ctx: CycleContext, report: CycleReport, which: 'all' | 'wanted'): Promise<void> {
    if (this.config.commands.trusted.length === 0) return;
    await this.guard.item('act on commands in comments', {}, async () => {
      const only = which === 'wanted' ? await proposalsWantingComments(ctx.store) : undefined;
      if (only?.size === 0) return;
      report.commands += (await actOnCommentCommands(ctx, this.requests, only)).acted;
    });
  }

  /** The steps after observing: plan, act on builds (polling every unfinished one, or only `poll`), compare, comment. */
  private async followThrough(ctx: CycleContext, report: CycleReport, poll: 'all' | ReadonlySet<number>): Promise<void> {
    const step = (name: string, fn: () => Promise<void>) => this.guard.item(name, {}, fn);
    await step('plan requests', () => this.applyRequestPlan(ctx, report));
    await step('apply the rollout', () => this.applyRollout(ctx));
    await step('act on builds', () => this.actOnBuilds(ctx, report, poll));
    await step('compare with baselines', () => this.compareFinishedBuilds(ctx, report));
    await step('compare tests across backends and rebuilds', async () => {
      report.compared += await recordTestAgreement(ctx);
    });
    await step('queue comments', () => this.queueDueComments(ctx, report));
    await step('flush the outbox', async () => {
      const flushed = await flushOutbox(ctx, {
        dryRun: this.deps.dryRun,
        print: this.deps.print ?? ((t) => process.stdout.write(t + '\n')),
        afterPost: this.deps.afterCommentPosted,
      });
      report.commentsPosted = flushed.posted;
      report.commentsWithdrawn = flushed.withdrawn;
    });
  }

  private async applyRequestPlan(ctx: CycleContext, report: CycleReport): Promise<void> {
    const { store, logger, guard } = ctx;
    const proposals = await store.allProposals();
    const requests = await store.requestsOfProposals(proposals.map((p) => p.id));
    const plan = planRequests(proposals, await store.sourceTips(), requests, this.planConfig());
    for (const r of plan.create) {
      await guard.item('create build request', { proposal: r.proposalId }, async () => {
        const baseRequestId = r.base ? await this.requests.baseline(r.base, r.baseBuilds) : null;
        const { id } = await this.requests.create(
          { kind: 'proposal', origin: 'revision', proposalId: r.proposalId, baseRequestId, source: r.source, sourceUrl: r.sourceUrl, revision: r.revision },
          r.builds,
        );
        report.requestsCreated++;
        logger.info('new build request', { request: id, proposal: r.proposalId, revision: r.revision.id ?? undefined, baseline: baseRequestId ?? undefined });
        for (const old of plan.supersede.filter((s) => s.proposalId === r.proposalId)) {
          await store.endRequest(old.requestId, 'superseded', ctx.now(), id);
          report.superseded++;
          logger.info('request superseded by a newer revision', { request: old.requestId, by: id });
        }
      });
    }
    // The source moved to a revision that is not built again (seen before, or every backend is off).
    const created = new Set(plan.create.map((r) => r.proposalId));
    for (const old of plan.supersede.filter((s) => !created.has(s.proposalId))) {
      await guard.item('supersede request', { request: old.requestId }, async () => {
        await store.endRequest(old.requestId, 'superseded', ctx.now());
        report.superseded++;
        logger.info('request superseded: the source is at another revision', { request: old.requestId });
      });
    }
    for (const c of plan.close) {
      await guard.item('close request', { request: c.requestId }, async () => {
        await store.endRequest(c.requestId, 'closed', ctx.now());
        report.closed++;
        logger.info('request closed', { request: c.requestId, reason: c.reason });
      });
    }
  }

  /** The unfinished builds and their requests, read once for a step. */
  private async buildsWithContext(ctx: CycleContext) {
    const builds = await ctx.store.unfinishedBuilds();
    const requests = await ctx.store.requestsById([...new Set(builds.map((b) => b.request_id))]);
    return { builds, requests };
  }

  /**
   * Brings recorded builds in line with the rollout settings: after a
   * rollback, builds not yet submitted are withdrawn and running ones become
   * shadow builds, followed to the end but no longer shown or waited for;
   * a backend shown again (LAVA on, or `main` set back) has its shadow
   * builds of proposals still waiting for results shown again.
   */
  private async applyRollout(ctx: CycleContext): Promise<void> {
    const { store, logger, guard } = ctx;
    const unfinished = await this.buildsWithContext(ctx);
    const active = await store.requestsInState('active');
    const activeBuilds = [...(await store.buildsOfRequests(active.map((r) => r.id))).values()].flat();
    const builds = [...new Map([...unfinished.builds, ...activeBuilds].map((b) => [b.id, b])).values()];
    if (builds.length === 0) return;
    const requests = new Map([...unfinished.requests, ...active.map((r) => [r.id, r] as const)]);
    const proposals = await store.proposalsById([...new Set([...requests.values()].map((r) => r.proposal_id).filter((id): id is number => id !== null))]);
    const changes = planRolloutChanges(this.config.rollout, builds, requests, proposals);
    for (const b of changes.withdraw) {
      await guard.item('withdraw build', { build: b.submit_key }, async () => {
        await store.setBuildState(b.id, 'cancelled', ctx.now(), {
          shadow: true,
          detail: `not submitted: ${ctx.backends[b.backend].label} was turned off for ${b.target} (rollout)`,
          finished_at: ctx.now(),
        });
        logger.info('build withdrawn by the rollout settings', { build: b.submit_key });
      });
    }
    for (const b of changes.toShadow) {
      await guard.item('make build shadow', { build: b.submit_key }, async () => {
        await store.updateBuild(b.id, { shadow: true }, ctx.now());
        logger.info('build continues in shadow (rollout)', { build: b.submit_key, state: b.state });
      });
    }
    for (const b of changes.toShown) {
      await guard.item('show build', { build: b.submit_key }, async () => {
        await store.updateBuild(b.id, { shadow: false }, ctx.now());
        logger.info('build shown again (rollout)', { build: b.submit_key, state: b.state });
      });
    }
  }

  /** A daily build of a tip (see manual.ts); its builds are submitted by the next cycle. */
  runDaily(daily: DailyConfig): Promise<DailyOutcome> {
    return runDaily(this.context(), this.requests, daily);
  }

  /** A build scheduled by hand: recorded, then submitted at once so the caller can print the links. */
  async schedule(options: ScheduleOptions): Promise<RequestRow> {
    const request = await scheduleBuild(this.context(), this.requests, options);
    await this.submitNow(request);
    return request;
  }

  /** Cancels a request by hand, and its unfinished jobs at once. */
  async cancel(requestId: number): Promise<RequestRow> {
    const ctx = this.context();
    const request = await cancelRequest(ctx, requestId);
    const builds = (await ctx.store.buildsOfRequests([requestId])).get(requestId) ?? [];
    for (const b of planBuilds(builds, new Map([[request.id, request]]), ctx.now()).cancel) {
      await ctx.guard.item('cancel build', { build: b.submit_key }, () => this.runner.cancel(b), b.backend);
    }
    return request;
  }

  private async submitNow(request: RequestRow): Promise<void> {
    const ctx = this.context();
    const builds = (await ctx.store.buildsOfRequests([request.id])).get(request.id) ?? [];
    for (const b of builds) await ctx.guard.item('submit build', { build: b.submit_key }, () => this.runner.submit(b, request), b.backend);
  }

  /** The known-flaky manifest of a target, read once (until the config is re-read). */
  private manifestFor(request: RequestRow): Manifest | undefined {
    const key = sourceKey(request.source);
    if (!this.manifests.has(key)) {
      const file = this.config.flakyManifests[key];
      this.manifests.set(key, file ? parseManifest(readFileSync(file, 'utf8'), { source: file }) : undefined);
    }
    return this.manifests.get(key);
  }

  /** Compares passed builds with their baselines once those are final; closes finished baselines. */
  private async compareFinishedBuilds(ctx: CycleContext, report: CycleReport): Promise<void> {
    const { store, logger, guard } = ctx;
    const active = await store.requestsInState('active');
    const bases = await store.requestsById([...new Set(active.map((r) => r.base_request_id).filter((id): id is number => id !== null))]);
    const requests = [...active, ...[...bases.values()].filter((r) => r.state !== 'active')];
    const builds = await store.buildsOfRequests(requests.map((r) => r.id));
    for (const { build, baseline, baseRequest } of planComparisons(requests, builds)) {
      await guard.item('compare with baseline', { build: build.submit_key }, async () => {
        const manifest = baseRequest
          ? await comparisonManifest(store, this.config, { targetBranch: sourceKey(baseRequest.source), target: build.target, backend: build.backend }, this.manifestFor(baseRequest))
          : undefined;
        const comparison = await compareWithBaseline(ctx.results, build, baseline, baseRequest, this.config.results, manifest, (err) =>
          guard.failed('publish the full diff', { build: build.submit_key }, err, 'cbuild'),
        );
        await store.updateBuild(build.id, { comparison }, ctx.now());
        report.compared++;
        logger.info('compared with baseline', { build: build.submit_key, status: comparison.status, regressions: comparison.status === 'compared' ? comparison.counts.regressions : undefined });
      }, 'cbuild');
    }
    for (const id of finishedUnreported(requests, builds)) await store.markRequestDone(id, ctx.now());
  }

  private async actOnBuilds(ctx: CycleContext, report: CycleReport, poll: 'all' | ReadonlySet<number> = 'all'): Promise<void> {
    const { builds, requests } = await this.buildsWithContext(ctx);
    const plan = planBuilds(builds, requests, ctx.now());
    for (const b of plan.cancel) {
      await ctx.guard.item('cancel build', { build: b.submit_key }, () => this.runner.cancel(b), b.backend);
      report.cancelled++;
    }
    for (const b of plan.recover) {
      await ctx.guard.item('recover build', { build: b.submit_key }, () => this.runner.recover(b, requests.get(b.request_id)!), b.backend);
      report.submitted++;
    }
    for (const b of plan.submit) {
      await ctx.guard.item('submit build', { build: b.submit_key }, () => this.runner.submit(b, requests.get(b.request_id)!), b.backend);
      report.submitted++;
    }
    for (const b of plan.poll) {
      if (poll !== 'all' && !poll.has(b.id)) continue;
      await ctx.guard.item('poll build', { build: b.submit_key }, () => this.runner.poll(b, requests.get(b.request_id)!), b.backend);
      report.polled++;
    }
  }

  private async queueDueComments(ctx: CycleContext, report: CycleReport): Promise<void> {
    const { store, guard } = ctx;
    const active = await store.requestsInState('active');
    const ids = active.map((r) => r.id);
    const builds = await store.buildsOfRequests(ids);
    const due = planComments(active, builds, await store.commentsOfRequests(ids));
    const proposals = await store.proposalsById([...new Set(due.map((d) => d.proposalId))]);
    const order = Object.keys(this.config.targets);
    const superseded = await store.requestsSupersededBy(due.filter((d) => d.kind === 'ack').map((d) => d.requestId));
    for (const d of due) {
      await guard.item('queue comment', { request: d.requestId, kind: d.kind }, async () => {
        const request = active.find((r) => r.id === d.requestId)!;
        const proposal = proposals.get(d.proposalId);
        if (!proposal) throw new Error(`proposal ${d.proposalId} is not in the store`);
        const all = builds.get(d.requestId) ?? [];
        const own = shownBuilds(all);
        const composed =
          d.kind === 'ack'
            ? composeAck(proposal, request, own, order, { superseded: superseded.filter((r) => r.superseded_by === request.id) })
            : composeResults(proposal, request, all, order, { vote: this.config.vote });
        await store.queueComment({ requestId: d.requestId, proposalId: d.proposalId, ...composed }, ctx.now());
        report.commentsQueued++;
        if (d.kind === 'results') this.events.requestReported(request, own);
      });
    }
  }
}
