/**
 * One cycle of the bot: observe Launchpad → plan requests → act on builds →
 * plan and queue comments → flush the outbox. Every item is handled on its
 * own, so one failing proposal or build never stops the cycle for the others.
 */
import type { LaunchpadClient } from '../launchpad/client.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../log.js';
import type { BotConfig, DailyConfig } from '../config/config.js';
import type { CommentRow, ProposalRow, RequestRow } from '../core/model.js';
import { finishedUnreported, planBuilds, planComments, planComparisons, planRequests, shownBuilds, type PlanConfig } from '../core/plan.js';
import { planRolloutChanges } from '../core/rollout.js';
import { composeAck, composeResults } from '../core/report.js';
import { observeProposals } from './observe.js';
import { actOnCommentCommands } from './comment-commands.js';
import { cancelRequest, runDaily, scheduleBuild, type DailyOutcome, type ScheduleOptions } from './manual.js';
import { RequestMaker } from './requests.js';
import { BuildRunner, type BuildBackends } from './builds.js';
import { flushOutbox } from './outbox.js';
import { compareWithBaseline } from './compare.js';
import { recordTestAgreement } from './agreement.js';
import { parseManifest, type Manifest } from '../results/index.js';
import { readFileSync } from 'node:fs';
import { NO_EVENTS, type BotEvents } from './events.js';

export interface BotDeps {
  store: Store;
  config: BotConfig;
  launchpad: LaunchpadClient;
  backends: BuildBackends;
  logger: Logger;
  clock?: () => Date;
  /** Print comments instead of posting them (no Launchpad credentials). */
  dryRun: boolean;
  print?: (text: string) => void;
  afterCommentPosted?: (comment: CommentRow) => void;
  /** Observer of the bot's work (metrics). */
  events?: BotEvents;
}

export interface CycleReport {
  proposals: number;
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
  errors: number;
}

/** A submission left `submitting` by this process is looked for again only after this long (another process may be submitting it). */
const RECOVERY_GRACE_MS = 60_000;

export class Bot {
  private readonly clock: () => Date;
  private readonly runner: BuildRunner;
  private readonly events: BotEvents;
  private readonly requests: RequestMaker;
  private readonly startedAt: string;
  private config: BotConfig;

  constructor(private readonly deps: BotDeps) {
    this.clock = deps.clock ?? (() => new Date());
    this.config = deps.config;
    this.startedAt = this.now();
    this.events = deps.events ?? NO_EVENTS;
    this.runner = new BuildRunner(deps.store, deps.backends, () => this.config, deps.logger, this.clock, this.events);
    this.requests = new RequestMaker(deps.store, () => this.config, this.events, deps.logger, () => this.now());
  }

  private now(): string {
    return this.clock().toISOString();
  }

  /** The config in force; `reconfigure` replaces it between steps. */
  get currentConfig(): BotConfig {
    return this.config;
  }

  /**
   * Takes a re-read config (SIGHUP). Rollout, targets, dailies, trusted
   * people, statuses and retries apply from the next step on; nothing running
   * is dropped. What the clients and the store were built from needs a
   * restart: those values are kept, and returned so the caller can say so.
   */
  reconfigure(next: BotConfig): string[] {
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
    fixed.launchpad = { ...next.launchpad, serviceRoot: this.config.launchpad.serviceRoot, credentialsFile: this.config.launchpad.credentialsFile };
    if (next.launchpad.serviceRoot !== this.config.launchpad.serviceRoot || next.launchpad.credentialsFile !== this.config.launchpad.credentialsFile) {
      kept.push('launchpad.serviceRoot/credentialsFile');
    }
    this.config = fixed;
    this.manifests.clear();
    this.runner.forgetTemplates();
    return kept;
  }

  private planConfig(): PlanConfig {
    return { statuses: this.config.launchpad.statuses, targets: Object.keys(this.config.targets), rollout: this.config.rollout };
  }

  async runCycle(): Promise<CycleReport> {
    const { store, logger } = this.deps;
    const config = this.config;
    const report: CycleReport = {
      proposals: 0, commands: 0, changed: 0, requestsCreated: 0, superseded: 0, closed: 0, submitted: 0,
      polled: 0, cancelled: 0, compared: 0, commentsQueued: 0, commentsPosted: 0, errors: 0,
    };

    const observed = await observeProposals(this.deps.launchpad, store, config.launchpad.watch, config.launchpad.statuses, this.now(), logger);
    report.proposals = observed.listed;
    report.changed = observed.changed;
    report.errors += observed.errors;
    this.events.polled(observed.errors > 0 ? 'error' : 'ok');

    if (config.commands.trusted.length > 0) {
      const commands = await actOnCommentCommands({
        store, launchpad: this.deps.launchpad, config, requests: this.requests, logger, now: () => this.now(),
      });
      report.commands = commands.acted;
      report.errors += commands.errors;
    }
    await this.applyRequestPlan(report);
    await this.applyRollout();
    await this.actOnBuilds(report);
    await this.compareFinishedBuilds(report);
    report.errors += (await recordTestAgreement({ store, cbuild: this.deps.backends.cbuild, logger, now: () => this.now() })).errors;
    await this.queueDueComments(report);

    const flushed = await flushOutbox(
      this.deps.launchpad,
      store,
      {
        dryRun: this.deps.dryRun,
        print: this.deps.print ?? ((t) => process.stdout.write(t + '\n')),
        afterPost: this.deps.afterCommentPosted,
        onPosted: (c) => this.events.commentPosted(c),
      },
      () => this.now(),
      logger,
    );
    report.commentsPosted = flushed.posted;
    report.errors += flushed.failed;
    logger.info('cycle done', { ...report });
    return report;
  }

  private async applyRequestPlan(report: CycleReport): Promise<void> {
    const { store, logger } = this.deps;
    const proposals = await store.allProposals();
    const requests = await store.requestsOfProposals(proposals.map((p) => p.id));
    const plan = planRequests(proposals, await store.branches(), requests, this.planConfig());
    for (const r of plan.create) {
      try {
        const baseRequestId = r.base ? await this.requests.baseline(r.base, r.baseBuilds) : null;
        const { id } = await this.requests.create(
          { kind: 'proposal', origin: 'revision', proposalId: r.proposalId, baseRequestId, branch: r.branch, revisionId: r.revisionId, revno: r.revno },
          r.builds,
        );
        report.requestsCreated++;
        logger.info('new build request', { request: id, branch: r.branch, revno: r.revno, baseline: baseRequestId ?? undefined });
        for (const old of plan.supersede.filter((s) => s.proposalId === r.proposalId)) {
          await store.endRequest(old.requestId, 'superseded', this.now(), id);
          report.superseded++;
          logger.info('request superseded by a newer revision', { request: old.requestId, by: id });
        }
      } catch (err) {
        report.errors++;
        logger.error('cannot create build request', { branch: r.branch, error: err });
      }
    }
    // The branch moved to a revision that is not built again (seen before, or every backend is off).
    const created = new Set(plan.create.map((r) => r.proposalId));
    for (const old of plan.supersede.filter((s) => !created.has(s.proposalId))) {
      await store.endRequest(old.requestId, 'superseded', this.now());
      report.superseded++;
      logger.info('request superseded: the branch is at another revision', { request: old.requestId });
    }
    for (const c of plan.close) {
      await store.endRequest(c.requestId, 'closed', this.now());
      report.closed++;
      logger.info('request closed', { request: c.requestId, reason: c.reason });
    }
  }

  /**
   * Brings recorded builds in line with the rollout settings: after a
   * rollback, builds not yet submitted are withdrawn and running ones become
   * shadow builds, followed to the end but no longer shown or waited for.
   */
  private async applyRollout(): Promise<void> {
    const { store, logger } = this.deps;
    const builds = await store.unfinishedBuilds();
    if (builds.length === 0) return;
    const requests = new Map<number, RequestRow>();
    const proposals = new Map<number, ProposalRow>();
    for (const id of new Set(builds.map((b) => b.request_id))) {
      const r = await store.request(id);
      if (!r) continue;
      requests.set(id, r);
      if (r.proposal_id !== null && !proposals.has(r.proposal_id)) {
        const p = await store.proposalById(r.proposal_id);
        if (p) proposals.set(p.id, p);
      }
    }
    const changes = planRolloutChanges(this.config.rollout, builds, requests, proposals);
    for (const b of changes.withdraw) {
      await store.setBuildState(b.id, 'cancelled', this.now(), {
        shadow: 1,
        detail: `not submitted: ${b.backend === 'lava' ? 'LAVA' : 'the native build'} was turned off for ${b.target} (rollout)`,
        finished_at: this.now(),
      });
      logger.info('build withdrawn by the rollout settings', { build: b.submit_key });
    }
    for (const b of changes.toShadow) {
      await store.updateBuild(b.id, { shadow: 1 }, this.now());
      logger.info('build continues in shadow (rollout)', { build: b.submit_key, state: b.state });
    }
  }

  /** A daily build of a branch tip (see manual.ts); its builds are submitted by the next cycle. */
  runDaily(daily: DailyConfig): Promise<DailyOutcome> {
    return runDaily(this.manualContext(), daily);
  }

  /** A build scheduled by hand: recorded, then submitted at once so the caller can print the links. */
  async schedule(options: ScheduleOptions): Promise<RequestRow> {
    const request = await scheduleBuild(this.manualContext(), options);
    await this.submitNow(request);
    return request;
  }

  /** Cancels a request by hand, and its unfinished jobs at once. */
  async cancel(requestId: number): Promise<RequestRow> {
    const request = await cancelRequest(this.deps.store, requestId, this.now());
    const builds = (await this.deps.store.buildsOfRequests([requestId])).get(requestId) ?? [];
    for (const b of planBuilds(builds, new Map([[request.id, request]]), this.now(), this.now()).cancel) await this.runner.cancel(b);
    return request;
  }

  private async submitNow(request: RequestRow): Promise<void> {
    const builds = (await this.deps.store.buildsOfRequests([request.id])).get(request.id) ?? [];
    for (const b of builds) {
      try {
        await this.runner.submit(b, request, false);
      } catch (err) {
        this.deps.logger.error('cannot submit build', { build: b.submit_key, error: err });
      }
    }
  }

  private manualContext() {
    return { store: this.deps.store, launchpad: this.deps.launchpad, config: this.config, requests: this.requests, logger: this.deps.logger };
  }

  private readonly manifests = new Map<string, Manifest | undefined>();

  /** The target branch's known-flaky manifest, read once. */
  private manifestFor(branch: string): Manifest | undefined {
    if (!this.manifests.has(branch)) {
      const file = this.config.flakyManifests[branch];
      this.manifests.set(branch, file ? parseManifest(readFileSync(file, 'utf8'), { source: file }) : undefined);
    }
    return this.manifests.get(branch);
  }

  /** Compares passed builds with their baselines once those are final; closes finished baselines. */
  private async compareFinishedBuilds(report: CycleReport): Promise<void> {
    const { store, logger } = this.deps;
    const active = await store.requestsInState('active');
    const bases = await Promise.all(
      [...new Set(active.map((r) => r.base_request_id).filter((id): id is number => id !== null))].map((id) => store.request(id)),
    );
    const requests = [...active, ...bases.filter((r): r is RequestRow => !!r && r.state !== 'active')];
    const builds = await store.buildsOfRequests(requests.map((r) => r.id));
    for (const { build, baseline, baseRequest } of planComparisons(requests, builds)) {
      try {
        const comparison = await compareWithBaseline(this.deps.backends.cbuild, build, baseline, baseRequest, baseRequest ? this.manifestFor(baseRequest.branch) : undefined);
        await store.updateBuild(build.id, { comparison: JSON.stringify(comparison) }, this.now());
        report.compared++;
        logger.info('compared with baseline', { build: build.submit_key, status: comparison.status, regressions: comparison.status === 'compared' ? comparison.counts.regressions : undefined });
      } catch (err) {
        report.errors++;
        logger.error('cannot compare with baseline', { build: build.submit_key, error: err });
      }
    }
    for (const id of finishedUnreported(requests, builds)) await store.markRequestDone(id, this.now());
  }

  private async actOnBuilds(report: CycleReport): Promise<void> {
    const { store, logger } = this.deps;
    const builds = await store.unfinishedBuilds();
    const requests = new Map<number, RequestRow>();
    for (const id of new Set(builds.map((b) => b.request_id))) {
      const r = await store.request(id);
      if (r) requests.set(id, r);
    }
    // Left `submitting` by a previous process: look for the job now; by this one: after a grace period.
    const recoverBefore = new Date(Math.max(Date.parse(this.startedAt), this.clock().getTime() - RECOVERY_GRACE_MS)).toISOString();
    const plan = planBuilds(builds, requests, this.now(), recoverBefore);
    const guard = async (what: string, key: string, fn: () => Promise<void>) => {
      try {
        await fn();
      } catch (err) {
        report.errors++;
        logger.error(`cannot ${what} build`, { build: key, error: err });
      }
    };
    for (const b of plan.cancel) {
      await guard('cancel', b.submit_key, () => this.runner.cancel(b));
      report.cancelled++;
    }
    for (const b of [...plan.recover, ...plan.submit]) {
      await guard('submit', b.submit_key, () => this.runner.submit(b, requests.get(b.request_id)!, b.state === 'submitting'));
      report.submitted++;
    }
    for (const b of plan.poll) {
      await guard('poll', b.submit_key, () => this.runner.poll(b));
      report.polled++;
    }
  }

  private async queueDueComments(report: CycleReport): Promise<void> {
    const { store } = this.deps;
    const config = this.config;
    const active = await store.requestsInState('active');
    const ids = active.map((r) => r.id);
    const builds = await store.buildsOfRequests(ids);
    const due = planComments(active, builds, await store.commentsOfRequests(ids));
    const order = Object.keys(config.targets);
    for (const d of due) {
      const request = active.find((r) => r.id === d.requestId)!;
      const proposal = await store.proposalById(d.proposalId);
      if (!proposal) continue;
      const own = shownBuilds(builds.get(d.requestId) ?? []);
      const composed =
        d.kind === 'ack' ? composeAck(proposal, request, own, order) : composeResults(proposal, request, own, order, { vote: config.vote });
      await store.queueComment({ requestId: d.requestId, proposalId: d.proposalId, ...composed }, this.now());
      report.commentsQueued++;
      if (d.kind === 'results') this.events.requestReported(request, own);
    }
  }
}
