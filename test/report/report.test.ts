/** Capacity, stability and agreement figures from builds recorded through the real Store, worked out by hand. */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpClient } from '../../src/http/client.js';
import { LavaClient } from '../../src/lava/client.js';
import { askDevicePool } from '../../src/report/gather.js';
import { Store } from '../../src/store/store.js';
import { History } from '../../src/store/history.js';
import { computeCapacity, type CapacityRow } from '../../src/report/capacity.js';
import { computeAgreement, countDifferences } from '../../src/report/agreement.js';
import { summarizeDevicePool } from '../../src/report/devices.js';
import { buildReport } from '../../src/report/report.js';
import { formatReport, SUSPECTS_SHOWN, suspectsShown } from '../../src/report/format.js';
import { durationStats } from '../../src/report/stats.js';
import { parseDuration, windowEndingAt } from '../../src/report/window.js';
import { seedKnownBuilds } from './fixture.js';

const NOW = new Date('2026-03-10T12:00:00.000Z');
const S = 1000;

describe('report: capacity, stability and agreement', () => {
  let store: Store;
  let requestIds: number[];
  beforeEach(async () => {
    store = await Store.open(':memory:');
    ({ requestIds } = await seedKnownBuilds(store, NOW));
  });
  afterEach(() => store.close());

  async function report() {
    const window = windowEndingAt(NOW, '7d');
    return { window, rows: await new History(store).window(window.since.toISOString(), window.until.toISOString()) };
  }

  const row = (rows: CapacityRow[], backend: string, target: string) => {
    const found = rows.find((r) => r.backend === backend && r.target === target);
    assert.ok(found, `no row for ${backend} ${target}`);
    return found;
  };

  it('reads only requests with a build that ended in the window', async () => {
    const { rows } = await report();
    assert.deepEqual([...rows.requests.keys()], [requestIds[0], requestIds[1], requestIds[3]]);
    assert.equal(rows.builds.length, 10);
  });

  it('computes waits, build times, rates, retries and throughput per backend and target', async () => {
    const { window, rows } = await report();
    const capacity = computeCapacity(rows.builds, window);
    assert.equal(capacity.days, 7);
    assert.deepEqual(capacity.rows.map((r) => `${r.backend} ${r.target} ${r.builds}`), [
      'cbuild a9hf 3', 'cbuild x86_64 2', 'cbuild (all) 5', 'lava a9hf 3', 'lava x86_64 2', 'lava (all) 5',
    ]);

    const nativeA9 = row(capacity.rows, 'cbuild', 'a9hf');
    assert.deepEqual(nativeA9.outcomes, { passed: 1, failed: 1, infra: 0, cancelled: 1, error: 0 });
    assert.deepEqual(nativeA9.rates, { pass: 0.5, buildFailure: 0.5, infraFailure: 0 });
    assert.deepEqual(nativeA9.queueWait, { count: 3, median: 60 * S, p90: 120 * S, mean: (10 + 60 + 120) / 3 * S, max: 120 * S });
    assert.equal(nativeA9.buildTime.count, 2, 'the cancelled build has no build time');
    assert.equal(nativeA9.buildTime.median, 3240 * S);
    assert.equal(nativeA9.throughputPerDay, 2 / 7);

    const lavaA9 = row(capacity.rows, 'lava', 'a9hf');
    assert.deepEqual(lavaA9.rates, { pass: 0.5, buildFailure: 0, infraFailure: 0.5 });
    assert.equal(lavaA9.attempts, 5);
    assert.equal(lavaA9.retries, 2);
    assert.equal(lavaA9.infraPerAttempt, 3 / 5);
    assert.equal(lavaA9.queueWait.median, 600 * S);
    assert.equal(lavaA9.buildTime.median, 2250 * S);

    const lavaX86 = row(capacity.rows, 'lava', 'x86_64');
    assert.equal(lavaX86.rates.pass, 1);
    assert.equal(lavaX86.retries, 1);
    assert.equal(lavaX86.queueWait.median, 350 * S);
    assert.equal(lavaX86.buildTime.median, 1700 * S);
    assert.equal(lavaX86.shadow, 1, 'one shadow build');

    const nativeAll = row(capacity.rows, 'cbuild', '(all)');
    assert.equal(nativeAll.queueWait.median, 60 * S);
    assert.equal(nativeAll.buildTime.median, 2325 * S, 'median of 1440, 1770, 2880, 3600 s');
    assert.equal(nativeAll.throughputPerDay, 4 / 7);

    const lavaAll = row(capacity.rows, 'lava', '(all)');
    assert.deepEqual(lavaAll.outcomes, { passed: 3, failed: 0, infra: 1, cancelled: 1, error: 0 });
    assert.deepEqual(lavaAll.rates, { pass: 0.75, buildFailure: 0, infraFailure: 0.25 });
    assert.equal(lavaAll.infraPerAttempt, 4 / 8);
    assert.equal(lavaAll.queueWait.median, 450 * S);
    assert.equal(lavaAll.buildTime.median, 1700 * S);
    assert.equal(capacity.samples.length, 10);
  });

  it('pairs the backends per revision and target and says where they differ', async () => {
    const { rows } = await report();
    const agreement = computeAgreement(rows.builds, rows.requests);
    const verdicts = agreement.pairs.map((p) => `${p.source} ${p.revision} ${p.target}: ${p.verdict}${p.reason ? ` (${p.reason})` : ''}`).sort();
    assert.deepEqual(verdicts, [
      'lp:~alice/gcc-linaro/fix revision 1 (rev-~alice/gcc-linaro/fix-1) a9hf: agree',
      'lp:~alice/gcc-linaro/fix revision 1 (rev-~alice/gcc-linaro/fix-1) x86_64: tests-differ',
      'lp:~alice/gcc-linaro/fix revision 2 (rev-~alice/gcc-linaro/fix-2) a9hf: not-comparable (LAVA: infrastructure failure)',
      'lp:~alice/gcc-linaro/fix revision 2 (rev-~alice/gcc-linaro/fix-2) x86_64: outcome-differs',
      'lp:~carol/gcc-linaro/gone revision 3 (rev-~carol/gcc-linaro/gone-3) a9hf: not-comparable (CBuild: cancelled)',
    ]);
    const differ = agreement.pairs.find((p) => p.verdict === 'tests-differ')!;
    assert.deepEqual(differ.differences, [
      { tool: 'gcc', result: 'FAIL', cbuild: 1, lava: 3 },
      { tool: 'gcc', result: 'PASS', cbuild: 200, lava: 198 },
    ]);
    assert.deepEqual(agreement.byTarget, [
      { target: 'a9hf', pairs: 3, agree: 1, testsDiffer: 0, outcomeDiffers: 0, notComparable: 2 },
      { target: 'x86_64', pairs: 2, agree: 0, testsDiffer: 1, outcomeDiffers: 1, notComparable: 0 },
    ]);
  });

  it('counts a tool present on one backend only as all its results differing', () => {
    assert.deepEqual(countDifferences({ gcc: { PASS: 2 } }, { gcc: { PASS: 2 }, 'g++': { PASS: 1, FAIL: 1 } }), [
      { tool: 'g++', result: 'FAIL', cbuild: 0, lava: 1 },
      { tool: 'g++', result: 'PASS', cbuild: 0, lava: 1 },
      { tool: 'gcc', result: 'PASS', cbuild: 2, lava: 2 },
    ].filter((d) => d.cbuild !== d.lava));
  });

  it('formats the same figures as text, CSV and JSON', async () => {
    const { window, rows } = await report();
    const pool = summarizeDevicePool(
      [
        { hostname: 'panda-01', type: 'panda-es', health: 'Good', state: 'Running', current_job: 7, pipeline: true },
        { hostname: 'panda-02', type: 'panda-es', health: 'Maintenance', state: 'Idle', current_job: null, pipeline: true },
      ],
      { 'panda-es': 4, 'x86_64-build': 0 },
    );
    assert.deepEqual(pool.types, [
      { deviceType: 'panda-es', devices: 2, idle: 0, busy: 1, outOfService: 1, pendingJobs: 4 },
      { deviceType: 'x86_64-build', devices: 0, idle: 0, busy: 0, outOfService: 0, pendingJobs: 0 },
    ]);
    const full = buildReport(rows, window, { pool });
    const text = formatReport(full, 'text');
    assert.match(text, /^LAVA +a9hf +3 +50\.0% +0\.0% +50\.0% +1 +2 +60\.0% +10m 00s +15m 00s +37m 30s +1h 06m +0\.29\/day$/m);
    assert.match(text, /request \d+ lp:~alice\/gcc-linaro\/fix revision 1 \(rev-~alice\/gcc-linaro\/fix-1\) on x86_64: gcc FAIL 1 \(CBuild\) vs 3 \(LAVA\); gcc PASS 200 \(CBuild\) vs 198 \(LAVA\)/);
    assert.match(text, /^panda-es +2 +0 +1 +1 +4$/m);

    const csv = formatReport(full, 'csv').split('\r\n');
    assert.match(csv[0], /^since,until,backend,target,builds,passed,failed,infra,cancelled,error,pass_rate,/);
    assert.equal(csv[1], `${full.window.since},${full.window.until},cbuild,a9hf,3,1,1,0,1,0,0.5,0.5,0,3,0,0,0,60,120,3240,3600,${2 / 7},604800,,,,,,`, 'a CBuild row has no readiness columns');

    const json = JSON.parse(formatReport(full, 'json'));
    assert.equal(json.capacity.length, 6);
    assert.equal(json.agreement.pairs.length, 5);
    assert.equal(json.lavaDevices.pool.types[0].pendingJobs, 4);
  });

  it('shows at most SUSPECTS_SHOWN suspects of a target in text, and says how many more the JSON has', () => {
    const suspects = Array.from({ length: SUSPECTS_SHOWN + 2 }, (_, i) => ({ target: 'a9hf', tool: 'gcc', name: `t${i}`, pairs: 2, of: 2, how: {}, revisions: [] }));
    const shown = suspectsShown([...suspects, { ...suspects[0]!, target: 'x86_64' }]);
    assert.deepEqual([...shown].map(([t, s]) => [t, s.shown.length, s.more]), [['a9hf', SUSPECTS_SHOWN, 2], ['x86_64', 1, 0]]);
  });

  it('says when nothing ended in the window and when LAVA did not answer', () => {
    const text = formatReport(buildReport({ builds: [], requests: new Map() }, windowEndingAt(NOW, '1h'), { unavailable: 'connect ECONNREFUSED' }), 'text');
    assert.match(text, /\(no build ended in the window\)/);
    assert.match(text, /\(no revision was built on both backends in the window\)/);
    assert.match(text, /LAVA device pool: unavailable \(connect ECONNREFUSED\)/);
  });

  it('reads windows like 7d, 24h, 30m and 2w, and names the option on anything else', () => {
    assert.equal(parseDuration('7d', '--since'), 7 * 86_400_000);
    assert.equal(parseDuration('24h', '--since'), 86_400_000);
    assert.equal(parseDuration('30m', '--since'), 1_800_000);
    assert.equal(parseDuration('2w', '--since'), 14 * 86_400_000);
    for (const bad of ['7', 'd', '0d', '-1d', '7 days', '1.5h', '']) {
      assert.throws(
        () => parseDuration(bad, '--since'),
        (err: Error) => err instanceof RangeError && err.message === `--since: expected a length of time like 7d, 24h, 30m or 2w, not ${JSON.stringify(bad)}`,
      );
    }
  });

  it('takes the median of an even count as the mean of the middle two', () => {
    assert.deepEqual(durationStats([4, 1, 3, 2]), { count: 4, median: 2.5, p90: 4, mean: 2.5, max: 4 });
    assert.deepEqual(durationStats([]), { count: 0, median: null, p90: null, mean: null, max: null });
  });
});

describe('report: LAVA device pool', () => {
  it('says LAVA did not answer instead of waiting on a server that hangs', async () => {
    const hanging = http.createServer(() => {});
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    try {
      const port = (hanging.address() as AddressInfo).port;
      const lava = new LavaClient({ url: `http://127.0.0.1:${port}/RPC2`, http: new HttpClient({ retries: 0, timeoutMs: 30_000 }) });
      const started = Date.now();
      assert.deepEqual(await askDevicePool(lava, 200), { unavailable: 'LAVA did not answer within 0.2 s' });
      assert.ok(Date.now() - started < 5000);
    } finally {
      hanging.closeAllConnections();
      hanging.close();
    }
  });
});
