/**
 * The readiness verdict per target from builds and test-by-test comparisons
 * recorded through the real Store: one target ready, one not, with every
 * reason worked out by hand.
 */
import assert from 'node:assert/strict';
import { defaultReadiness } from '../../src/config/config.js';
import type { BuildState } from '../../src/core/model.js';
import type { TestDifference } from '../../src/results/index.js';
import { summarizeDevicePool } from '../../src/report/devices.js';
import { formatReport } from '../../src/report/format.js';
import { buildReport, type StabilityReport } from '../../src/report/report.js';
import { windowEndingAt } from '../../src/report/window.js';
import { History } from '../../src/store/history.js';
import { Store } from '../../src/store/store.js';
import { TestComparisons } from '../../src/store/test-comparisons.js';

const NOW = new Date('2026-03-10T12:00:00.000Z');
const DAY = 86_400_000;

interface Half {
  state: BuildState;
  /** Seconds from the request's creation: submitted → started → finished. */
  wait: number;
  build: number;
  attempt?: number;
}

interface Pair {
  target: string;
  daysAgo: number;
  native: Half;
  lava: Half;
  /** Test-by-test comparison of a pair that passed on both: results compared, differences. */
  tests?: [number, number];
}

const difference = (i: number): TestDifference => ({ tool: 'gcc', name: `gcc.dg/t${i}.c execution test`, test: `gcc.dg/t${i}.c execution test`, category: 'now_fail', first: 'PASS', second: 'FAIL' });

const passed = (wait: number, build: number, attempt = 1): Half => ({ state: 'passed', wait, build, attempt });

/**
 * a9hf: five revisions, all passed on both, 1 differing result of 5000;
 * LAVA waits 5 min (native 1 min: 5× but within the 15 min grace) and builds
 * in 4000 s (native 3600 s: 1.11×); two panda-es boards.
 * x86_64: three revisions; two compared test by test (10 of 2000 results
 * differ), one broke on LAVA only; LAVA needed two retries once and waits an
 * hour (native 30 s); its only board is in maintenance.
 */
const PAIRS: Pair[] = [
  ...[6, 5, 4, 3, 2].map((d, i): Pair => ({ target: 'a9hf', daysAgo: d, native: passed(60, 3600), lava: passed(300, 4000), tests: [1000, i === 0 ? 1 : 0] })),
  { target: 'x86_64', daysAgo: 5, native: passed(30, 1800), lava: passed(3600, 2000, 3), tests: [1000, 5] },
  { target: 'x86_64', daysAgo: 4, native: passed(30, 1800), lava: passed(3600, 2000), tests: [1000, 5] },
  { target: 'x86_64', daysAgo: 3, native: passed(30, 1800), lava: { state: 'failed', wait: 3600, build: 2000 } },
];

async function seed(store: Store): Promise<void> {
  const comparisons = new TestComparisons(store);
  for (const [i, p] of PAIRS.entries()) {
    const created = new Date(NOW.getTime() - p.daysAgo * DAY);
    const at = (s: number) => new Date(created.getTime() + s * 1000).toISOString();
    const id = await store.createRequest(
      {
        kind: 'baseline', origin: 'daily', proposalId: null, baseRequestId: null,
        source: { vcs: 'bzr', path: '~linaro-toolchain/gcc-linaro/4.8', ref: null }, sourceUrl: 'lp:gcc-linaro/4.8', revision: { id: `rev-${i}`, revno: i + 1 },
      },
      [{ target: p.target, backend: 'cbuild' }, { target: p.target, backend: 'lava' }],
      (rid, b) => `key-${rid}-${b.backend}`,
      created.toISOString(),
    );
    const rows = (await store.buildsOfRequests([id])).get(id)!;
    for (const b of rows) {
      const half = b.backend === 'cbuild' ? p.native : p.lava;
      await store.setBuildState(b.id, half.state, at(half.wait + half.build), {
        submitted_at: at(0), started_at: at(half.wait), finished_at: at(half.wait + half.build), attempt: half.attempt ?? 1,
        test_summary: half.state === 'passed' ? { gcc: { PASS: 1000 } } : null,
      });
    }
    if (p.tests) {
      const [native, lava] = ['cbuild', 'lava'].map((backend) => rows.find((b) => b.backend === backend)!);
      const [first, second] = await Promise.all([store.build(native.id), store.build(lava.id)]);
      const [tests, differing] = p.tests;
      await comparisons.record(
        { kind: 'backends', first: first!, second: second!, targetBranch: '~linaro-toolchain/gcc-linaro/4.8', revisionId: `rev-${i}` },
        { status: 'compared', tests, differences: Array.from({ length: differing }, (_, k) => difference(k)), warnings: [] },
        NOW.toISOString(),
      );
    }
  }
}

describe('report: readiness verdict per target', () => {
  let store: Store;
  let report: StabilityReport;
  const deviceTypes = { a9hf: 'panda-es', x86_64: 'x86_64-build' };

  before(async () => {
    store = await Store.open(':memory:');
    await seed(store);
    const window = windowEndingAt(NOW, '7d');
    const rows = await new History(store).window(window.since.toISOString(), window.until.toISOString());
    const comparisons = await new TestComparisons(store).ofBuilds('backends', rows.builds.filter((b) => b.backend === 'lava').map((b) => b.id));
    const pool = summarizeDevicePool(
      [
        { hostname: 'panda-01', type: 'panda-es', health: 'Good', state: 'Idle', current_job: null, pipeline: true },
        { hostname: 'panda-02', type: 'panda-es', health: 'Good', state: 'Running', current_job: 9, pipeline: true },
        { hostname: 'x86-01', type: 'x86_64-build', health: 'Maintenance', state: 'Idle', current_job: null, pipeline: true },
      ],
      {},
    );
    report = buildReport({ ...rows, comparisons }, window, { pool }, { deviceTypes, readiness: defaultReadiness() });
  });
  after(() => store.close());

  const of = (target: string) => report.readiness.find((r) => r.target === target)!;

  it('says a target is ready when every criterion is met, and what each measured', () => {
    const a9 = of('a9hf');
    assert.equal(a9.verdict, 'ready');
    assert.equal(a9.ready, true);
    assert.deepEqual(
      a9.criteria.map((c) => [c.name, c.met, c.detail]),
      [
        ['agreement', true, '99.98% of 5000 test results agree over 5 revision(s) (at least 99.90% over 5 revision(s))'],
        ['outcomes', true, '0 of 5 revision(s) built on one backend and broke on the other (at most 0.0%)'],
        ['infra', true, '0.0% of 5 LAVA attempt(s) hit an infrastructure failure (at most 5.0%)'],
        ['queue-wait', true, "LAVA's median 5m 00s vs 1m 00s (5.0×), p90 5m 00s vs 1m 00s (5.0×) (at most 2× and 3× native's, or 15m 00s)"],
        ['build-time', true, "LAVA's median 1h 06m vs 1h 00m (1.1×), p90 1h 06m vs 1h 00m (1.1×) (at most 1.5× and 2× native's, or 10m 00s)"],
        // 5 builds over the 6 days the store has a record of (its first request), not the 7-day window.
        ['throughput', true, 'LAVA ran 5 build(s) to an end, native 5 (100.0%; at least 90.0%)'],
        // 5 × 4000 s of 2 boards × 7 days (1,209,600 s): 1.65% used.
        ['headroom', true, 'panda-es: 2 device(s) in service; LAVA builds used 5h 33m of 336h 00m (98.3% free; at least 20.0% free)'],
      ],
    );
    assert.equal(a9.criteria.find((c) => c.name === 'agreement')!.value, 1 - 1 / 5000);
    assert.equal(a9.criteria.find((c) => c.name === 'headroom')!.value, 1 - 20_000 / 1_209_600);
  });

  it('says "not yet" with every failing criterion for a target that is not ready', () => {
    const x86 = of('x86_64');
    assert.equal(x86.ready, false);
    assert.deepEqual(x86.criteria.filter((c) => !c.met).map((c) => c.name), ['agreement', 'outcomes', 'infra', 'queue-wait', 'headroom']);
    assert.equal(
      x86.verdict,
      'not yet: ' +
        [
          'agreement: 99.50% of 2000 test results agree over 2 revision(s) (at least 99.90% over 5 revision(s))',
          'outcomes: 1 of 3 revision(s) built on one backend and broke on the other (at most 0.0%)',
          // Attempts 3 + 1 + 1; the two retried ones were infrastructure failures.
          'infra: 40.0% of 5 LAVA attempt(s) hit an infrastructure failure (at most 5.0%)',
          "queue-wait: LAVA's median 1h 00m vs 30s (120.0×), p90 1h 00m vs 30s (120.0×) (at most 2× and 3× native's, or 15m 00s)",
          'headroom: no x86_64-build device is in service (at least 20.0% free)',
        ].join('; '),
    );
    assert.equal(x86.criteria.find((c) => c.name === 'build-time')!.met, true, '2000 s against 1800 s');
    assert.equal(x86.criteria.find((c) => c.name === 'throughput')!.met, true, 'LAVA ran its three builds to an end');
    assert.equal(x86.forecast?.unavailable, 'no x86_64-build device is in service: every build would wait');
  });

  it('shows the verdicts and forecasts in text, CSV and JSON', () => {
    const text = formatReport(report, 'text');
    assert.match(text, /^a9hf +ready +ok +ok +ok +ok +ok +ok +ok$/m);
    assert.match(text, /^x86_64 +not yet +NO +NO +NO +NO +ok +ok +NO$/m);
    assert.match(text, /^ {2}x86_64: not yet: agreement: 99\.50% of 2000 test results/m);
    assert.match(text, /^ {4}if every native build of a9hf ran on LAVA: 5 native build\(s\) \(0\.03\/h\) on 2 panda-es device\(s\): 1\.7% busy, wait median 0s, p90 0s, max 0s$/m);
    const csv = formatReport(report, 'csv').split('\r\n');
    const lavaA9 = csv.find((l) => l.includes(',lava,a9hf,'))!.split(',');
    assert.deepEqual(lavaA9.slice(-6), ['ready', '', String(1 - 1 / 5000), String(20_000 / 1_209_600), '0', '0']);
    const lavaX86 = csv.find((l) => l.includes(',lava,x86_64,'))!.split(',');
    assert.deepEqual(lavaX86.slice(-6), ['not yet', 'agreement outcomes infra queue-wait headroom', '0.995', '', '', '']);
    const json = JSON.parse(formatReport(report, 'json'));
    assert.deepEqual(json.readiness.map((r: { target: string; ready: boolean }) => [r.target, r.ready]), [['a9hf', true], ['x86_64', false]]);
    assert.equal(json.readinessThresholds.minAgreement, 0.999);
  });

  it('takes no evidence for readiness: a target without builds is not ready', () => {
    const empty = buildReport({ builds: [], requests: new Map() }, windowEndingAt(NOW, '7d'), null, { deviceTypes: { armv5: 'beagle' }, readiness: defaultReadiness() });
    assert.deepEqual(empty.readiness.map((r) => [r.target, r.ready, r.criteria.filter((c) => c.met).map((c) => c.name)]), [['armv5', false, []]]);
    assert.match(empty.readiness[0]!.verdict, /^not yet: agreement: no revision compared test by test on both backends/);
    assert.equal(empty.readiness[0]!.forecast?.unavailable, "LAVA's device pool is unknown");
  });
});
