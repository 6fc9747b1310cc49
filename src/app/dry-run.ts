/**
 * `--dry-run`: the real cycle, on a throwaway copy of the database, with
 * everything that would change the world turned into a printed line. The
 * backends print the jobs they would submit or cancel (a LAVA job's template
 * is still rendered, so a broken one shows up as it would for real); the
 * results host prints the files it would publish; the outbox prints the
 * comments (bot/outbox.ts). Launchpad, CBuild and LAVA are only read.
 *
 * Why a copy rather than not writing: every step records what it did before
 * the next step reads it (a request before its builds, a submission before
 * its acknowledgement), so the cycle can only show what it would post if it
 * may record it somewhere. The copy is a snapshot of the configured database
 * (SQLite's online backup, so the running bot may keep writing it), migrated
 * if it is older, and removed when the bot closes; the configured database is
 * never written, nor migrated, nor created.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { BuildBackend, BuildBackends, JobSubmission, SubmittedJob } from '../backends/backend.js';
import { LavaBackend } from '../backends/lava.js';
import { CBuildClient, type CBuildClientOptions } from '../cbuild/client.js';
import type { BuildRow } from '../core/model.js';
import { Db } from '../store/db.js';
import { SchemaTooNewError } from '../store/migrate.js';
import { Store } from '../store/store.js';
import { vcsFor } from '../vcs/index.js';

/** External ids of jobs a dry run pretended to submit: never polled or cancelled for real. */
const DRY_RUN_ID = 'dry-run:';

/** A snapshot of `database` to work on (an empty store when there is no database yet), and how to remove it. */
export async function throwawayStore(database: string): Promise<{ store: Store; remove: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'cbuild-bot-dry-run-'));
  const copy = join(dir, database === ':memory:' ? 'dry-run.sqlite' : basename(database));
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  try {
    if (database !== ':memory:' && existsSync(database)) {
      const source = await Db.open(database);
      try {
        await source.backup(copy);
      } finally {
        await source.close();
      }
    }
    let store: Store;
    try {
      store = await Store.open(copy);
    } catch (err) {
      // The refusal is about the configured database, not about its copy.
      if (err instanceof SchemaTooNewError) err.message = err.message.replace(copy, database);
      throw err;
    }
    return {
      store,
      remove: async () => {
        await store.close();
        removeDir();
      },
    };
  } catch (err) {
    removeDir();
    throw err;
  }
}

function describeBuild(job: JobSubmission): string {
  const vcs = vcsFor(job.request.source.vcs);
  return `for ${job.build.target}: ${vcs.describeSource(job.request.source)} ${vcs.describeRevision(job.request.revision)}`;
}

/** A backend that says what it would submit and cancel, and follows only jobs that were really submitted before. */
class DryRunBackend implements BuildBackend {
  readonly name: BuildBackend['name'];
  readonly label: string;
  /** Nothing is submitted, so nothing calls back. */
  readonly callsBack = false;

  constructor(
    private readonly real: BuildBackend,
    private readonly print: (text: string) => void,
  ) {
    this.name = real.name;
    this.label = real.label;
  }

  submitKey(...args: Parameters<BuildBackend['submitKey']>): string {
    return this.real.submitKey(...args);
  }

  attemptKey(firstKey: string, attempt: number): string {
    return this.real.attemptKey(firstKey, attempt);
  }

  async submit(job: JobSubmission): Promise<SubmittedJob> {
    // Render the job as for real: a template error is the configuration error it would be.
    const definition = this.real instanceof LavaBackend ? this.real.definition(job) : undefined;
    const size = definition === undefined ? '' : ` (${definition.split('\n').length} lines of YAML)`;
    this.print(`--- dry run: would submit ${this.label} job ${JSON.stringify(job.build.submit_key)}${size} ${describeBuild(job)}`);
    return { externalId: DRY_RUN_ID + job.build.submit_key, jobUrl: `(dry run: ${this.label} job not submitted)` };
  }

  configReread(): void {
    this.real.configReread?.();
  }

  async find(build: BuildRow): Promise<SubmittedJob | null> {
    return this.real.find(build);
  }

  poll(...args: Parameters<BuildBackend['poll']>): ReturnType<BuildBackend['poll']> {
    if (args[0].external_id?.startsWith(DRY_RUN_ID)) return Promise.resolve(undefined);
    return this.real.poll(...args);
  }

  async cancel(build: BuildRow): Promise<void> {
    if (!build.external_id) return;
    const what = build.external_id.startsWith(DRY_RUN_ID) ? 'the job it pretended to submit' : `${build.job_url ?? build.external_id}`;
    this.print(`--- dry run: would cancel ${this.label} job ${JSON.stringify(build.submit_key)}: ${what}`);
  }

  classifySubmitError(err: unknown) {
    return this.real.classifySubmitError(err);
  }
}

export function dryRunBackends(real: BuildBackends, print: (text: string) => void): BuildBackends {
  return { cbuild: new DryRunBackend(real.cbuild, print), lava: new DryRunBackend(real.lava, print) };
}

/** The results host, read as usual; what the bot would publish there (a comparison's full diff) is printed instead. */
export class DryRunResultsHost extends CBuildClient {
  constructor(
    options: CBuildClientOptions,
    private readonly print: (text: string) => void,
  ) {
    super(options);
  }

  override async uploadResultFile(jobName: string, resultDir: string, file: string, body: string | Buffer): Promise<void> {
    this.print(`--- dry run: would publish ${new URL(file, this.resultDirUrl(jobName, resultDir)).toString()} (${Buffer.byteLength(body)} bytes)`);
  }
}
