/**
 * The I/O edge of the report, shared by `cbuild-bot report` and the capacity
 * page: read the window's builds and their test-by-test comparisons from
 * the store, ask LAVA for its device pool, and hand them to the pure
 * computations.
 */
import type { LavaClient } from '../lava/client.js';
import { History } from '../store/history.js';
import type { Store } from '../store/store.js';
import { TestComparisons } from '../store/test-comparisons.js';
import { redact } from '../secrets.js';
import { summarizeDevicePool } from './devices.js';
import { buildReport, type DevicePoolAnswer, type ReportSettings, type StabilityReport } from './report.js';
import type { ReportWindow } from './window.js';

/** How long a page or the report waits for LAVA's pool before saying it did not answer (the client's own retries can take minutes). */
const DEVICE_POOL_TIMEOUT_MS = 10_000;

/** LAVA's device pool now; a LAVA that fails or is slow to answer is reported, not thrown. */
export async function askDevicePool(lava: LavaClient, timeoutMs = DEVICE_POOL_TIMEOUT_MS): Promise<DevicePoolAnswer> {
  let timer: NodeJS.Timeout | undefined;
  const tooSlow = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`LAVA did not answer within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    const [devices, pending] = await Promise.race([Promise.all([lava.devicesList(), lava.pendingJobsByDeviceType()]), tooSlow]);
    return { pool: summarizeDevicePool(devices, pending) };
  } catch (err) {
    return { unavailable: redact(err instanceof Error ? err.message : String(err)) };
  } finally {
    clearTimeout(timer);
  }
}

export async function gatherReport(
  store: Store,
  window: ReportWindow,
  options: { lava?: LavaClient; settings?: ReportSettings; progress?: (step: string) => void } = {},
): Promise<StabilityReport> {
  const progress = options.progress ?? (() => {});
  progress(`reading builds that ended between ${window.since.toISOString()} and ${window.until.toISOString()}`);
  const rows = await new History(store).window(window.since.toISOString(), window.until.toISOString());
  progress(`read ${rows.builds.length} builds of ${rows.requests.size} requests`);
  const comparisons = await new TestComparisons(store).ofBuilds('backends', rows.builds.filter((b) => b.backend === 'lava').map((b) => b.id));
  progress(`read ${comparisons.length} test-by-test comparisons of CBuild and LAVA`);
  let devices: DevicePoolAnswer = null;
  if (options.lava) {
    progress(`asking LAVA for its device pool (${options.lava.baseUrl})`);
    devices = await askDevicePool(options.lava);
  }
  progress('computing');
  return buildReport({ ...rows, comparisons }, window, devices, options.settings);
}
