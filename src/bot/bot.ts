/**
 * One cycle of the bot: observe Launchpad → plan requests → act on builds →
 * plan and queue comments → flush the outbox. Every item is handled on its
 * own, so one failing proposal or build never stops the cycle for the others.
 */
import type { LaunchpadClient } from '../launchpad/client.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../log.js';
import type { BotConfig } from '../config/config.js';
import { BACKENDS, type CommentRow, type RequestRow } from '../core/model.js';
import { finishedBaselines, planBuilds, planComments, planComparisons, planRequests, type PlanConfig } from '../core/plan.js';
import { composeAck, composeResults } from '../core/report.js';
import { cbuildJobName, lavaJobName } from '../core/names.js';
import { observeProposals } from './observe.js';
import { BuildRunner, type BuildBackends } from './builds.js';
import { flushOutbox } from './outbox.js';
import { compareWithBaseline } from './compare.js';
import { parseManifest, type Manifest } from '../results/index.js';
import { readFileSync } from 'node:fs';
import type { Backend } from '../core/model.js';
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

export class Bot {
  private readonly clock: () => Date;
  private readonly runner: BuildRunner;
  private readonly events: BotEvents;

  constructor(private readonly deps: BotDeps) {
    this.clock = deps.clock ?? (() => new Date());
    this.events = deps.events ?? NO_EVENTS;
    this.runner = new BuildRunner(deps.store, deps.backends, deps.config, deps.logger, this.clock, this.events);
  }

  private now(): string {
    return this.clock().toISOString();
  }

  private planConfig(): PlanConfig {
    return { statuses: this.deps.config.launchpad.statuses, targets: Object.keys(this.deps.config.targets), backends: BACKENDS };
  }

  async runCycle(): Promise<CycleReport> {
    const { store, config, logger } = this.deps;
    const report: CycleReport = {
      proposals: 0, changed: 0, requestsCreated: 0, superseded: 0, closed: 0, submitted: 0,
      polled: 0, cancelled: 0, compared: 0, commentsQueued: 0, commentsPosted: 0, errors: 0,
    };

    const observed = await observeProposals(this.deps.launchpad, store, config.launchpad.watch, config.launchpad.statuses, this.now(), logger);
    report.proposals = observed.listed;
    report.changed = observed.changed;
    report.errors += observed.errors;
    this.events.polled(observed.errors > 0 ? 'error' : 'ok');

    await this.applyRequestPlan(report);
    await this.actOnBuilds(report);
    await this.compareFinishedBuilds(report);
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
        const baseRequestId = r.base ? await this.baselineRequest(r.base, r.builds) : null;
        const id = await store.createRequest(
          { kind: 'proposal', proposalId: r.proposalId, baseRequestId, branch: r.branch, revisionId: r.revisionId, revno: r.revno },
          r.builds,
          (requestId, b) => this.submitKey(requestId, r.branch, r.revno, b),
          this.now(),
        );
        report.requestsCreated++;
        await this.announceRequest(id);
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
    for (const c of plan.close) {
      await store.endRequest(c.requestId, 'closed', this.now());
      report.closed++;
      logger.info('request closed', { request: c.requestId, reason: c.reason });
    }
  }

  /** The idempotency key of a build: CBuild queue/job name, or the LAVA job name. */
  private submitKey(requestId: number, branch: string, revno: number, b: { target: string; backend: Backend }): string {
    const { config } = this.deps;
    const job = cbuildJobName(config.cbuild.product, branch, revno, requestId);
    return b.backend === 'native' ? `${config.targets[b.target].cbuild.queue}/${job}` : lavaJobName(requestId, b.target, job);
  }

  /** The baseline request for a branch point: found (shared with other proposals) or created. */
  private async baselineRequest(base: { branch: string; revisionId: string; revno: number }, builds: { target: string; backend: Backend }[]): Promise<number> {
    const { store, logger } = this.deps;
    const existing = await store.baselineFor(base.branch, base.revisionId);
    if (existing) return existing.id;
    const id = await store.createRequest(
      { kind: 'baseline', proposalId: null, baseRequestId: null, branch: base.branch, revisionId: base.revisionId, revno: base.revno },
      builds,
      (requestId, b) => this.submitKey(requestId, base.branch, base.revno, b),
      this.now(),
    );
    logger.info('new baseline request', { request: id, branch: base.branch, revno: base.revno });
    await this.announceRequest(id);
    return id;
  }

  private async announceRequest(id: number): Promise<void> {
    const row = await this.deps.store.request(id);
    if (row) this.events.requestCreated(row);
  }

  private readonly manifests = new Map<string, Manifest | undefined>();

  /** The target branch's known-flaky manifest, read once. */
  private manifestFor(branch: string): Manifest | undefined {
    if (!this.manifests.has(branch)) {
      const file = this.deps.config.flakyManifests[branch];
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
    for (const id of finishedBaselines(requests, builds)) await store.markRequestDone(id, this.now());
  }

  private async actOnBuilds(report: CycleReport): Promise<void> {
    const { store, logger } = this.deps;
    const builds = await store.unfinishedBuilds();
    const requests = new Map<number, RequestRow>();
    for (const id of new Set(builds.map((b) => b.request_id))) {
      const r = await store.request(id);
      if (r) requests.set(id, r);
    }
    const plan = planBuilds(builds, requests, this.now());
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
    const { store, config } = this.deps;
    const active = await store.requestsInState('active');
    const ids = active.map((r) => r.id);
    const builds = await store.buildsOfRequests(ids);
    const due = planComments(active, builds, await store.commentsOfRequests(ids));
    const order = Object.keys(config.targets);
    for (const d of due) {
      const request = active.find((r) => r.id === d.requestId)!;
      const proposal = await store.proposalById(d.proposalId);
      if (!proposal) continue;
      const own = builds.get(d.requestId) ?? [];
      const composed =
        d.kind === 'ack' ? composeAck(proposal, request, own, order) : composeResults(proposal, request, own, order, { vote: config.vote });
      await store.queueComment({ requestId: d.requestId, proposalId: d.proposalId, ...composed }, this.now());
      report.commentsQueued++;
      if (d.kind === 'results') this.events.requestReported(request, own);
    }
  }
}
