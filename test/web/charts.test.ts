/**
 * Capacity charts that show something on any window: over real HTTP on a
 * real store that has only 25 seconds of record, the time axis spans the
 * data, throughput is a count ("4 in the last 25 s") rather than a per-day
 * figure extrapolated from seconds; and no outcome shares a backend's colour.
 */
import assert from 'node:assert/strict';
import { silentLogger } from '../../src/log.js';
import { Store } from '../../src/store/store.js';
import { BACKEND_COLORS, OUTCOME_COLORS, timeDomain, timeLabel } from '../../src/web/charts.js';
import { startStatusServer, type StatusServer } from '../../src/web/server.js';

const NOW = new Date('2026-03-10T12:00:00.000Z');
const ago = (s: number) => new Date(NOW.getTime() - s * 1000).toISOString();

describe('web: capacity charts on a young store', () => {
  let store: Store;
  let server: StatusServer;

  beforeEach(async () => {
    store = await Store.open(':memory:');
    // One request 25 s ago; its four builds ended 20, 15, 10 and 5 s ago.
    const request = { kind: 'adhoc' as const, origin: 'schedule' as const, requestedBy: 'ops', proposalId: null, baseRequestId: null, source: { vcs: 'bzr' as const, path: '~ops/gcc-linaro/try', ref: null }, sourceUrl: 'lp:~ops/gcc-linaro/try', revision: { id: 'r-1', revno: 1 } };
    const builds = [
      { target: 'a9hf', backend: 'cbuild' as const },
      { target: 'a9hf', backend: 'lava' as const },
      { target: 'x86_64', backend: 'cbuild' as const },
      { target: 'x86_64', backend: 'lava' as const },
    ];
    const id = await store.createRequest(request, builds, (rid, b) => `k-${rid}-${b.target}-${b.backend}`, ago(25));
    const rows = (await store.buildsOfRequests([id])).get(id)!;
    for (const [i, row] of rows.entries()) {
      const ended = 20 - 5 * i;
      await store.setBuildState(row.id, i === 1 ? 'failed' : 'passed', ago(ended), { submitted_at: ago(24), started_at: ago(23), finished_at: ago(ended) });
    }
    server = await startStatusServer({ store, listen: '127.0.0.1:0', logger: silentLogger, clock: () => NOW });
  });
  afterEach(async () => {
    await server.close();
    await store.close();
  });

  it('counts builds over the record it has instead of extrapolating per day', async () => {
    const page = await (await fetch(`${server.url}capacity?since=7d`)).text();
    assert.match(page, /<tr data-backend="cbuild" data-target="\(all\)">.*<td class="num throughput">2 in the last 25 s<\/td><\/tr>/);
    assert.match(page, /<tr data-backend="lava" data-target="\(all\)">.*<td class="num throughput">2 in the last 25 s<\/td><\/tr>/);
    assert.match(page, /the store's record begins 2026-03-10T11:59:35\.000Z/);
    const report = (await (await fetch(`${server.url}api/capacity?since=7d`)).json()) as { window: { observedMs: number }; capacity: { throughputPerDay: number | null; ranToAnEnd: number }[] };
    assert.equal(report.window.observedMs, 25_000);
    assert.ok(report.capacity.every((r) => r.throughputPerDay === null && r.ranToAnEnd > 0));
  });

  it('spans the time axis over the data, labelled in seconds, not over the whole week', async () => {
    const page = await (await fetch(`${server.url}capacity?since=7d`)).text();
    const chart = /<svg [^>]*aria-label="Build time \(started → finished\)"[\s\S]*?<\/svg>/.exec(page)![0];
    const xs = [...chart.matchAll(/<circle cx="([\d.]+)"/g)].map((m) => Number(m[1]));
    assert.equal(xs.length, 4, 'one dot per build');
    const [left, right] = [Math.min(...xs), Math.max(...xs)];
    assert.ok(left < 100 && right > 560, `the dots spread over the plot (64–624): ${xs.join(', ')}`);
    const ticks = [...chart.matchAll(/<text class="tick"[^>]*>([^<]+)<\/text>/g)].map((m) => m[1]);
    assert.equal(ticks.length, 5);
    assert.equal(new Set(ticks).size, 5, `distinct tick labels: ${ticks.join(', ')}`);
    assert.ok(ticks.every((t) => /^11:59:\d\d$/.test(t)), ticks.join(', '));
  });

  it('draws each backend and each outcome in a colour of its own', async () => {
    const colors = [...Object.values(BACKEND_COLORS), ...Object.values(OUTCOME_COLORS)].map((c) => c.toLowerCase());
    assert.equal(new Set(colors).size, colors.length, colors.join(' '));
    assert.notEqual(OUTCOME_COLORS.failed, BACKEND_COLORS.lava);
    const page = await (await fetch(`${server.url}capacity?since=7d`)).text();
    assert.match(page, new RegExp(`<rect [^>]*fill="${OUTCOME_COLORS.failed}"><title>LAVA a9hf: 1 failed</title>`));
    assert.match(page, new RegExp(`<g class="series" data-series="LAVA"><polyline fill="none" stroke="${BACKEND_COLORS.lava}"`));
  });
});

describe('web: chart time axis', () => {
  const week: [number, number] = [Date.parse('2026-03-03T12:00:00Z'), Date.parse('2026-03-10T12:00:00Z')];

  it('spans the data with a margin when it is shorter than the window, and the window when it is not', () => {
    const t = Date.parse('2026-03-10T11:59:40Z');
    assert.deepEqual(timeDomain([t, t + 10_000], week), [t - 500, t + 10_500]);
    assert.deepEqual(timeDomain([t, t + 20_000], week), [t - 1000, t + 20_000], 'never past the window');
    assert.deepEqual(timeDomain([t], week), [t - 1000, t + 1000]);
    assert.deepEqual(timeDomain([week[0] + 1, week[1] - 1], week), week);
  });

  it('labels ticks as precisely as the span needs', () => {
    const t = Date.parse('2026-03-10T11:59:40Z');
    assert.equal(timeLabel(t + 250, 2_000), '11:59:40.250');
    assert.equal(timeLabel(t, 20_000), '11:59:40');
    assert.equal(timeLabel(t, 3 * 3_600_000), '11:59');
    assert.equal(timeLabel(t, 7 * 86_400_000), '03-10 11:59');
  });
});
