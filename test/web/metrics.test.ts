/** Prometheus metrics fed by the bot's events with real stored rows, scraped over HTTP from the status server. */
import assert from 'node:assert/strict';
import { Store } from '../../src/store/store.js';
import { silentLogger } from '../../src/log.js';
import { Metrics } from '../../src/web/metrics.js';
import { requestOutcome } from '../../src/core/report.js';
import { startStatusServer } from '../../src/web/server.js';
import type { BuildRow, CommentRow } from '../../src/core/model.js';
import type { BotEvents } from '../../src/bot/events.js';
import { seedKnownBuilds } from '../report/fixture.js';
import { defaultReadiness } from '../../src/config/config.js';

describe('web: metrics', () => {
  let store: Store;
  let builds: BuildRow[];
  beforeEach(async () => {
    store = await Store.open(':memory:');
    await seedKnownBuilds(store, new Date('2026-03-10T12:00:00.000Z'));
    builds = await store.db.all<BuildRow>('SELECT * FROM builds ORDER BY id');
  });
  afterEach(() => store.close());

  /** Feeds what the bot would report for the stored rows. */
  async function feed(metrics: Metrics) {
    metrics.polled('ok');
    metrics.polled('ok');
    metrics.polled('error');
    for (const r of await store.db.all<Parameters<Metrics['requestCreated']>[0]>('SELECT * FROM requests')) metrics.requestCreated(r);
    for (const b of builds.filter((b) => ['passed', 'failed', 'infra', 'cancelled'].includes(b.state))) metrics.buildFinished(b);
    const retried = builds.find((b) => b.backend === 'lava' && b.state === 'infra')!;
    const events: BotEvents = metrics;
    events.buildRetried({ ...retried, attempt: 1 }, 'Incomplete');
    events.buildRetried({ ...retried, attempt: 2 }, 'Incomplete');
    const byRequest = (id: number) => builds.filter((b) => b.request_id === id);
    const requests = [...new Set(builds.map((b) => b.request_id))];
    metrics.requestReported({} as never, byRequest(requests[0]));
    metrics.requestReported({} as never, byRequest(requests[1]));
    metrics.commentPosted({ kind: 'results' } as CommentRow);
  }

  it('counts polls, requests by outcome, builds, retries and comments, and times builds and waits per backend and target', async () => {
    const metrics = new Metrics();
    await feed(metrics);
    const server = await startStatusServer({ store, listen: '127.0.0.1:0', metrics, logger: silentLogger });
    try {
      const res = await fetch(`${server.url}metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      const has = (line: string) => assert.ok(text.split('\n').includes(line), `missing: ${line}`);
      has('cbuild_bot_polls_total{outcome="ok"} 2');
      has('cbuild_bot_polls_total{outcome="error"} 1');
      has('cbuild_bot_requests_created_total{kind="proposal"} 5');
      has('cbuild_bot_builds_finished_total{backend="lava",target="a9hf",state="infra"} 1');
      has('cbuild_bot_builds_finished_total{backend="cbuild",target="a9hf",state="passed"} 2');
      has('cbuild_bot_build_retries_total{backend="lava",target="a9hf"} 2');
      has('cbuild_bot_requests_reported_total{outcome="passed"} 1');
      has('cbuild_bot_requests_reported_total{outcome="failed"} 1');
      has('cbuild_bot_comments_posted_total{kind="results"} 1');
      // cbuild x86_64: built for 1770 s and 1440 s.
      has('cbuild_bot_build_duration_seconds_count{backend="cbuild",target="x86_64"} 2');
      has('cbuild_bot_build_duration_seconds_sum{backend="cbuild",target="x86_64"} 3210');
      has('cbuild_bot_build_duration_seconds_bucket{le="1800",backend="cbuild",target="x86_64"} 2');
      has('cbuild_bot_build_duration_seconds_bucket{le="1200",backend="cbuild",target="x86_64"} 0');
      // lava a9hf waits: 300 s, 900 s, 10 s (old request); plus the two retried attempts' 900 s each.
      has('cbuild_bot_build_queue_wait_seconds_count{backend="lava",target="a9hf"} 5');
      has('cbuild_bot_build_queue_wait_seconds_sum{backend="lava",target="a9hf"} 3010');
      assert.match(text, /^process_cpu_user_seconds_total /m, 'the standard process metrics');
    } finally {
      await server.close();
    }
  });

  it('serves the readiness verdict per target and criterion as gauges, judged with the config in force', async () => {
    const metrics = new Metrics({ processMetrics: false });
    const config = { targets: { a9hf: { cbuild: { queue: 'a9hf-ubuntu' }, lava: { deviceType: 'panda-es', template: 't' } } }, readiness: { ...defaultReadiness(), maxInfraPerAttempt: 0.6 } };
    let now = new Date('2026-03-10T12:00:00.000Z');
    const server = await startStatusServer({ store, listen: '127.0.0.1:0', metrics, logger: silentLogger, clock: () => now, config: () => config });
    const scrape = async () => (await fetch(`${server.url}metrics`)).text();
    try {
      const text = await scrape();
      const has = (line: string) => assert.ok(text.split('\n').includes(line), `missing: ${line}`);
      has('cbuild_bot_lava_ready{target="a9hf"} 0');
      has('cbuild_bot_lava_ready{target="x86_64"} 0');
      // LAVA a9hf: 3 infrastructure failures in 5 attempts, at most 0.6 asked here.
      has('cbuild_bot_lava_readiness_met{target="a9hf",criterion="infra"} 1');
      has('cbuild_bot_lava_readiness_value{target="a9hf",criterion="infra"} 0.6');
      has('cbuild_bot_lava_readiness_met{target="a9hf",criterion="agreement"} 0');
      assert.doesNotMatch(text, /cbuild_bot_lava_readiness_value\{target="a9hf",criterion="agreement"\}/, 'nothing compared test by test: no value');

      // A stricter config (SIGHUP): within a minute the gauges stay; after it, a scrape starts a refresh and the next one sees it.
      config.readiness = { ...config.readiness, maxInfraPerAttempt: 0.5 };
      const met = 'cbuild_bot_lava_readiness_met{target="a9hf",criterion="infra"}';
      assert.ok((await scrape()).includes(`${met} 1`));
      now = new Date(now.getTime() + 61_000);
      await scrape();
      let after = '';
      for (let i = 0; i < 50 && !after.includes(`${met} 0`); i++) after = await scrape();
      assert.ok(after.includes(`${met} 0`), 'refreshed after a minute');
    } finally {
      await server.close();
    }
  });

  it('sets the forecast gauges from a readiness verdict that has one', async () => {
    const metrics = new Metrics({ processMetrics: false });
    metrics.recordReadiness([
      {
        target: 'a9hf', ready: true, verdict: 'ready', criteria: [{ name: 'agreement', met: true, value: 0.9998, detail: '' }],
        forecast: { target: 'a9hf', deviceType: 'panda-es', sharedBy: ['a9hf'], devices: 2, arrivals: 5, arrivalsPerHour: 0.5, meanBuildMs: 6_480_000, utilisation: 0.45, wait: { count: 5, median: 0, p90: 3_600_000, mean: 1_440_000, max: 3_600_000 }, unavailable: null },
      },
    ]);
    const text = (await metrics.exposition()).text.split('\n');
    for (const line of [
      'cbuild_bot_lava_ready{target="a9hf"} 1',
      'cbuild_bot_lava_readiness_value{target="a9hf",criterion="agreement"} 0.9998',
      'cbuild_bot_lava_forecast_utilisation{target="a9hf"} 0.45',
      'cbuild_bot_lava_forecast_queue_wait_seconds{target="a9hf",quantile="0.5"} 0',
      'cbuild_bot_lava_forecast_queue_wait_seconds{target="a9hf",quantile="0.9"} 3600',
    ]) assert.ok(text.includes(line), `missing: ${line}`);
    metrics.recordReadiness([]);
    assert.ok(!(await metrics.exposition()).text.includes('target="a9hf"'), 'a target no longer judged disappears');
  });

  it('keeps each instance to its own registry', async () => {
    const a = new Metrics({ processMetrics: false });
    const b = new Metrics({ processMetrics: false });
    a.polled('ok');
    assert.match((await a.exposition()).text, /cbuild_bot_polls_total\{outcome="ok"\} 1/);
    assert.doesNotMatch((await b.exposition()).text, /cbuild_bot_polls_total\{/);
  });

  it('names a request by its worst outcome', () => {
    const build = (state: BuildRow['state'], regressions?: number) =>
      ({ state, comparison: regressions === undefined ? null : { status: 'compared', counts: { regressions } } }) as BuildRow;
    assert.equal(requestOutcome([build('passed', 0), build('passed', 0)]), 'passed');
    assert.equal(requestOutcome([build('passed', 1), build('infra')]), 'regressed');
    assert.equal(requestOutcome([build('passed', 1), build('failed')]), 'failed');
    assert.equal(requestOutcome([build('passed'), build('infra')]), 'infra');
    assert.equal(requestOutcome([build('passed'), build('cancelled')]), 'cancelled');
  });
});
