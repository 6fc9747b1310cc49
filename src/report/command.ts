/** `cbuild-bot report`: the capacity and stability figures, agreement and readiness on the terminal, progress on stderr. */
import { loadConfig, readLavaToken } from '../config/config.js';
import { HttpClient } from '../http/client.js';
import { LavaClient } from '../lava/client.js';
import { commandLogger, type LogSettings } from '../log.js';
import { redact } from '../secrets.js';
import { Store } from '../store/store.js';
import { formatReport, REPORT_FORMATS, type ReportFormat } from './format.js';
import { gatherReport } from './gather.js';
import { reportSettings } from './report.js';
import { windowEndingAt } from './window.js';

export interface ReportOptions {
  config: string;
  since: string;
  format: string;
  log: LogSettings;
}

export async function reportCommand(
  opts: ReportOptions,
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
  clock: () => Date = () => new Date(),
): Promise<number> {
  // Bad options are named before anything is opened.
  const window = windowEndingAt(clock(), opts.since, '--since');
  if (!(REPORT_FORMATS as readonly string[]).includes(opts.format)) {
    throw new RangeError(`--format: expected ${REPORT_FORMATS.join(', ')}, not ${JSON.stringify(opts.format)}`);
  }
  const config = loadConfig(opts.config);
  const logger = commandLogger(opts.log, 'warn');
  const http = new HttpClient({ timeoutMs: config.http.timeoutMs, retries: config.http.retries, maxDelayMs: config.http.maxRetryDelayMs, logger });
  const lava = new LavaClient({ url: config.lava.url, user: config.lava.user, token: readLavaToken(config), http, logger });
  const store = await Store.open(config.database);
  try {
    const report = await gatherReport(store, window, { lava, settings: reportSettings(config), progress: (step) => io.stderr.write(redact(`report: ${step}\n`)) });
    io.stdout.write(formatReport(report, opts.format as ReportFormat));
    return 0;
  } finally {
    await store.close();
  }
}
