/** The capacity forecast's replay against cases computed by hand. */
import assert from 'node:assert/strict';
import type { BuildRow, BuildState } from '../../src/core/model.js';
import { summarizeDevicePool } from '../../src/report/devices.js';
import { forecastLava, replayQueue } from '../../src/report/forecast.js';
import type { ReportWindow } from '../../src/report/window.js';
import * as row from '../support/rows.js';

const H = 3_600_000;
const SINCE = Date.parse('2026-03-10T00:00:00.000Z');
const WINDOW: ReportWindow = { since: new Date(SINCE), until: new Date(SINCE + 10 * H), label: '10h' };

let nextId = 1;
/** A build of `request` submitted `at` hours into the window, started at once, taking `hours`. */
function build(request: number, target: string, backend: 'cbuild' | 'lava', at: number, hours: number, state: BuildState = 'passed'): BuildRow {
  const iso = (h: number) => new Date(SINCE + h * H).toISOString();
  return row.build(nextId++, request, state, {
    target, backend, submit_key: `k${nextId}`, submitted_at: iso(at), started_at: iso(at), finished_at: iso(at + hours), updated_at: iso(at + hours),
  });
}

function pool(types: Record<string, number>) {
  return {
    pool: summarizeDevicePool(
      Object.entries(types).flatMap(([type, n]) => Array.from({ length: n }, (_, i) => ({ hostname: `${type}-${i}`, type, health: 'Good', state: 'Idle', current_job: null, pipeline: true }))),
      {},
    ),
  };
}

describe('report: capacity forecast (replay of the window on the LAVA pool)', () => {
  /*
   * By hand: 2 devices, jobs (arrival h, service h) A (0, 2), B (0, 2), C (1, 1), D (1, 3), E (5, 1).
   *   A starts 0 on device 1 (free at 2), B starts 0 on device 2 (free at 2): waits 0, 0.
   *   C arrives 1, the first device frees at 2 (device 1): starts 2, waits 1 h; device 1 free at 3.
   *   D arrives 1, device 2 frees at 2: starts 2, waits 1 h; device 2 free at 5.
   *   E arrives 5, device 1 is free since 3: starts 5, waits 0.
   * Waits 0, 0, 1, 1, 0 h: median 0, nearest-rank p90 (5th of 5) 1 h, mean 0.4 h, max 1 h.
   * Utilisation: (2 + 2 + 1 + 3 + 1) h / (2 devices × 10 h) = 45%.
   * (M/M/c at the same mean rate, λ = 0.5/h, E[S] = 1.8 h, c = 2, gives P(wait) ≈ 0.28 and a
   * mean wait of ≈ 0.46 h: of the same order here, but it cannot see that C and D wait
   * because they came in a burst.)
   */
  const JOBS = [[0, 2], [0, 2], [1, 1], [1, 3], [5, 1]] as const;

  it('gives each job its first-come-first-served wait', () => {
    assert.deepEqual(replayQueue(JOBS.map(([a, s]) => ({ arrivalMs: a * H, serviceMs: s * H })), 2), [0, 0, H, H, 0]);
    assert.deepEqual(replayQueue([{ arrivalMs: 0, serviceMs: H }, { arrivalMs: 0, serviceMs: H }], 1), [0, H], 'one device: the second waits for the first');
    assert.throws(() => replayQueue([], 0), /at least one device/);
  });

  it('replays every native build of a target on its LAVA devices, with the LAVA build time of the same request', () => {
    // Native builds (the demand) as above; each request's LAVA build took the service time, whenever it ran.
    const builds = JOBS.flatMap(([at, hours], i) => [build(i + 1, 'a9hf', 'cbuild', at, hours / 2), build(i + 1, 'a9hf', 'lava', 8, hours)]);
    const [f] = forecastLava(['a9hf'], builds, WINDOW, { a9hf: 'panda-es' }, pool({ 'panda-es': 2 }));
    assert.deepEqual(f, {
      target: 'a9hf',
      deviceType: 'panda-es',
      sharedBy: ['a9hf'],
      devices: 2,
      arrivals: 5,
      arrivalsPerHour: 0.5,
      meanBuildMs: (9 * H) / 5,
      utilisation: 0.45,
      wait: { count: 5, median: 0, p90: H, mean: (2 * H) / 5, max: H },
      unavailable: null,
    });
  });

  it('scales the native build time by the LAVA/native median when there is no LAVA build of the request', () => {
    // LAVA builds take twice as long as native ones (medians 2 h and 1 h); request 3 has no LAVA build.
    // Native: 1 h at 0, 1 h at 0, 3 h at 1 → LAVA: 2 h (paired), 2 h (paired), 6 h (3 h × 2).
    const builds = [
      build(1, 'a9hf', 'cbuild', 0, 1), build(1, 'a9hf', 'lava', 0, 2),
      build(2, 'a9hf', 'cbuild', 0, 1), build(2, 'a9hf', 'lava', 0, 2),
      build(3, 'a9hf', 'cbuild', 1, 3),
    ];
    // One device: waits 0, 2 h (after the first), 3 h (arrives at 1, the device frees at 4).
    const [f] = forecastLava(['a9hf'], builds, WINDOW, { a9hf: 'panda-es' }, pool({ 'panda-es': 1 }));
    assert.equal(f.meanBuildMs, (10 * H) / 3);
    assert.deepEqual(f.wait, { count: 3, median: 2 * H, p90: 3 * H, mean: (5 * H) / 3, max: 3 * H });
    assert.equal(f.utilisation, 1, '10 h of builds on one device in 10 h: the pool cannot keep up');
  });

  it('lets targets that share a device type share its devices, and says why when there is no forecast', () => {
    // a9hf and a9 both build on panda-es (1 device); each has a 2 h build at 0 h.
    const builds = [build(1, 'a9hf', 'cbuild', 0, 2), build(1, 'a9hf', 'lava', 0, 2), build(2, 'a9', 'cbuild', 0, 2), build(2, 'a9', 'lava', 0, 2)];
    const shared = forecastLava(['a9', 'a9hf'], builds, WINDOW, { a9: 'panda-es', a9hf: 'panda-es', x86_64: 'x86' }, pool({ 'panda-es': 1 }));
    // Same arrival time: the lower build id (a9hf's, recorded first) goes first.
    assert.deepEqual(shared.map((f) => [f.target, f.sharedBy, f.wait.max, f.utilisation]), [['a9', ['a9', 'a9hf'], 2 * H, 0.4], ['a9hf', ['a9', 'a9hf'], 0, 0.4]]);

    const none = forecastLava(['a9hf', 'x86_64', 'armv5'], builds, WINDOW, { a9hf: 'panda-es', x86_64: 'x86' }, pool({ 'panda-es': 1 }));
    assert.deepEqual(none.map((f) => f.unavailable), [null, 'no LAVA build of x86_64 ran to an end in the window: no build time to replay', 'no LAVA device type is configured for armv5']);
    assert.equal(forecastLava(['a9hf'], builds, WINDOW, { a9hf: 'panda-es' }, { unavailable: 'connect ECONNREFUSED' })[0]!.unavailable, "LAVA's device pool is unknown (connect ECONNREFUSED)");
  });
});
