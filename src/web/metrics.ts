/**
 * Prometheus metrics of the bot's work, fed by its events (BotEvents) and
 * served at /metrics, and the readiness verdict of LAVA per target (set from
 * the report by the status server). Each instance has its own registry, so
 * tests (or two bots in one process) never share counters.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BotEvents, ServiceName } from '../bot/events.js';
import type { BuildRow, CommentRow, RequestRow } from '../core/model.js';
import { requestOutcome } from '../core/report.js';
import type { TargetReadiness } from '../report/readiness.js';
import { buildTimeMs, queueWaitMs } from '../report/rows.js';

/** Minutes to most of a day: native GCC builds with tests took hours on the 2012 boards. */
const BUILD_SECONDS = [60, 300, 600, 1200, 1800, 3600, 7200, 14_400, 28_800, 57_600, 86_400];
/** Seconds to half a day: a free builder answers in seconds, a busy pool in hours. */
const WAIT_SECONDS = [5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14_400, 43_200];

/** How often the event-loop lag is sampled (see the constructor). */
export const EVENT_LOOP_SAMPLE_MS = 1000;

export class Metrics implements BotEvents {
  readonly registry = new Registry();
  private readonly dryRun = new Gauge({ name: 'cbuild_bot_dry_run', help: '1 when the bot runs dry (--dry-run: nothing is submitted or posted, comments are printed).', registers: [this.registry] });
  private readonly serviceErrors = new Counter({ name: 'cbuild_bot_service_errors_total', help: 'Calls to Launchpad, CBuild or LAVA that failed, by service.', labelNames: ['service'], registers: [this.registry] });
  private readonly polls = new Counter({ name: 'cbuild_bot_polls_total', help: 'Listings of the watched merge proposals on Launchpad, by outcome.', labelNames: ['outcome'], registers: [this.registry] });
  private readonly requestsCreated = new Counter({ name: 'cbuild_bot_requests_created_total', help: 'Build requests recorded, by kind.', labelNames: ['kind'], registers: [this.registry] });
  private readonly requestsReported = new Counter({ name: 'cbuild_bot_requests_reported_total', help: 'Requests whose results comment was queued, by outcome (failed, regressed, infra, cancelled, passed).', labelNames: ['outcome'], registers: [this.registry] });
  private readonly buildsFinished = new Counter({ name: 'cbuild_bot_builds_finished_total', help: 'Builds that reached a final state.', labelNames: ['backend', 'target', 'state'], registers: [this.registry] });
  private readonly buildRetries = new Counter({ name: 'cbuild_bot_build_retries_total', help: 'Builds submitted again after an infrastructure failure.', labelNames: ['backend', 'target'], registers: [this.registry] });
  private readonly commentsPosted = new Counter({ name: 'cbuild_bot_comments_posted_total', help: 'Comments that reached Launchpad (or were printed in a dry run), by kind.', labelNames: ['kind'], registers: [this.registry] });
  private readonly configurationErrors = new Counter({ name: 'cbuild_bot_configuration_errors_total', help: 'Builds held because the bot\'s own configuration is wrong (template, token, queue), by backend and target.', labelNames: ['backend', 'target'], registers: [this.registry] });
  private readonly commentsFailed = new Counter({ name: 'cbuild_bot_comments_failed_total', help: 'Comments Launchpad refused too many times (given up), by kind.', labelNames: ['kind'], registers: [this.registry] });
  private readonly buildSeconds = new Histogram({ name: 'cbuild_bot_build_duration_seconds', help: 'Build time (started to finished) of final builds.', labelNames: ['backend', 'target'], buckets: BUILD_SECONDS, registers: [this.registry] });
  private readonly waitSeconds = new Histogram({ name: 'cbuild_bot_build_queue_wait_seconds', help: 'Queue wait (submitted to started) of final builds and of retried attempts.', labelNames: ['backend', 'target'], buckets: WAIT_SECONDS, registers: [this.registry] });

  private readonly ready = new Gauge({ name: 'cbuild_bot_lava_ready', help: 'Readiness of LAVA as the main build platform of a target over the report window: 1 ready, 0 not yet.', labelNames: ['target'], registers: [this.registry] });
  private readonly criterionMet = new Gauge({ name: 'cbuild_bot_lava_readiness_met', help: 'Whether a target meets a readiness criterion over the report window: 1 met, 0 not.', labelNames: ['target', 'criterion'], registers: [this.registry] });
  private readonly criterionValue = new Gauge({ name: 'cbuild_bot_lava_readiness_value', help: 'The figure a readiness criterion is judged on (a share, or LAVA/native for queue-wait, build-time and throughput); absent when it could not be measured.', labelNames: ['target', 'criterion'], registers: [this.registry] });
  private readonly forecastUtilisation = new Gauge({ name: 'cbuild_bot_lava_forecast_utilisation', help: "Forecast: the share of the target's LAVA device time every native build would take, replayed over the report window.", labelNames: ['target'], registers: [this.registry] });
  private readonly forecastWait = new Gauge({ name: 'cbuild_bot_lava_forecast_queue_wait_seconds', help: "Forecast: the queue wait the target's native builds would have had on LAVA, replayed over the report window.", labelNames: ['target', 'quantile'], registers: [this.registry] });

  /**
   * `processMetrics`: also Node's standard process_* and nodejs_* metrics
   * (default true). They are read when /metrics is scraped, except the event
   * loop lag, which samples on a timer: prom-client's default 10 ms timer
   * cost the idle bot ~8 ms of CPU per second (more than its cycles), so it
   * samples every second (the lag of a blocked loop still shows).
   */
  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  }

  /** The exposition text and its content type, for GET /metrics. */
  async exposition(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }

  configured(mode: { dryRun: boolean }): void {
    this.dryRun.set(mode.dryRun ? 1 : 0);
  }

  serviceError(service: ServiceName): void {
    this.serviceErrors.inc({ service });
  }

  polled(outcome: 'ok' | 'error'): void {
    this.polls.inc({ outcome });
  }

  requestCreated(request: RequestRow): void {
    this.requestsCreated.inc({ kind: request.kind });
  }

  buildFinished(build: BuildRow): void {
    this.buildsFinished.inc({ backend: build.backend, target: build.target, state: build.state });
    this.observeTimes(build);
  }

  buildRetried(build: BuildRow): void {
    this.buildRetries.inc({ backend: build.backend, target: build.target });
    const wait = queueWaitMs(build);
    if (wait !== null) this.waitSeconds.observe({ backend: build.backend, target: build.target }, wait / 1000);
  }

  requestReported(_request: RequestRow, builds: readonly BuildRow[]): void {
    this.requestsReported.inc({ outcome: requestOutcome(builds) });
  }

  commentPosted(comment: CommentRow): void {
    this.commentsPosted.inc({ kind: comment.kind });
  }

  configurationError(build: BuildRow): void {
    this.configurationErrors.inc({ backend: build.backend, target: build.target });
  }

  commentFailed(comment: CommentRow): void {
    this.commentsFailed.inc({ kind: comment.kind });
  }

  /** Replaces the readiness gauges with these verdicts (targets no longer there disappear). */
  recordReadiness(readiness: readonly TargetReadiness[]): void {
    for (const g of [this.ready, this.criterionMet, this.criterionValue, this.forecastUtilisation, this.forecastWait]) g.reset();
    for (const r of readiness) {
      this.ready.set({ target: r.target }, r.ready ? 1 : 0);
      for (const c of r.criteria) {
        this.criterionMet.set({ target: r.target, criterion: c.name }, c.met ? 1 : 0);
        if (c.value !== null && Number.isFinite(c.value)) this.criterionValue.set({ target: r.target, criterion: c.name }, c.value);
      }
      const f = r.forecast;
      if (!f || f.unavailable !== null) continue;
      if (f.utilisation !== null) this.forecastUtilisation.set({ target: r.target }, f.utilisation);
      if (f.wait.median !== null) this.forecastWait.set({ target: r.target, quantile: '0.5' }, f.wait.median / 1000);
      if (f.wait.p90 !== null) this.forecastWait.set({ target: r.target, quantile: '0.9' }, f.wait.p90 / 1000);
    }
  }

  private observeTimes(build: BuildRow): void {
    const labels = { backend: build.backend, target: build.target };
    const wait = queueWaitMs(build);
    if (wait !== null) this.waitSeconds.observe(labels, wait / 1000);
    const took = buildTimeMs(build);
    if (took !== null && build.state !== 'cancelled') this.buildSeconds.observe(labels, took / 1000);
  }
}
