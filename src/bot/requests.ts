/**
 * Recording build requests, whatever asked for them (a new proposal revision,
 * a branch point, a daily, a person): each build gets its idempotency key and
 * the observer hears of each new request.
 */
import type { Store, NewBuild, NewRequestRecord } from '../store/store.js';
import type { BotConfig } from '../config/config.js';
import type { Logger } from '../log.js';
import type { CommandRow, RequestRow, Revision, Source } from '../core/model.js';
import type { BranchPoint } from '../core/plan.js';
import { cbuildJobName } from '../core/names.js';
import { vcsFor } from '../vcs/index.js';
import type { BuildBackends } from '../backends/backend.js';
import type { BotEvents } from './events.js';

/** The CBuild job name of a request: also the results directory both backends publish to. */
export function requestJobName(config: BotConfig, request: { id: number; source: Source; revision: Revision }): string {
  return cbuildJobName(config.cbuild.product, vcsFor(request.source.vcs).jobStem(request.source, request.revision), request.id);
}

/** `<results host>build/<cbuild job>/logs/`: where a LAVA job PUTs its files. */
export function resultsUploadUrl(config: BotConfig, cbuildJob: string): string {
  return new URL(`build/${encodeURIComponent(cbuildJob)}/logs/`, config.cbuild.resultsUrl).toString();
}

/** Where a build's LAVA job calls the bot back (webhooks.lava), or undefined when callbacks are off. */
export function lavaCallbackUrl(config: BotConfig, buildId: number): string | undefined {
  const base = config.webhooks.lava?.url;
  return base ? new URL(`hooks/lava/${buildId}`, base).toString() : undefined;
}

export class RequestMaker {
  constructor(
    private readonly store: Store,
    private readonly backends: BuildBackends,
    private readonly config: () => BotConfig,
    private readonly events: BotEvents,
    private readonly logger: Logger,
    private readonly now: () => string,
  ) {}

  private submitKey(requestId: number, record: NewRequestRecord, b: NewBuild): string {
    const config = this.config();
    const job = requestJobName(config, { id: requestId, source: record.source, revision: record.revision });
    return this.backends[b.backend].submitKey(requestId, config.targets[b.target], b.target, job);
  }

  async create(record: NewRequestRecord, builds: readonly NewBuild[]): Promise<RequestRow> {
    const id = await this.store.createRequest(record, builds, (requestId, b) => this.submitKey(requestId, record, b), this.now());
    return this.announce(id);
  }

  /** A rebuild asked for in a comment, recorded with the command (see Store.createRequestForCommand). */
  async createForCommand(
    command: Omit<CommandRow, 'id' | 'request_id' | 'created_at'>,
    record: NewRequestRecord,
    builds: readonly NewBuild[],
  ): Promise<{ request: RequestRow; superseded: number[] }> {
    const { requestId, superseded } = await this.store.createRequestForCommand(
      command,
      record,
      builds,
      (id, b) => this.submitKey(id, record, b),
      this.now(),
    );
    return { request: await this.announce(requestId), superseded };
  }

  /**
   * The baseline request for a branch point: found (made by a daily or for
   * another proposal) or created.
   */
  async baseline(base: BranchPoint, builds: readonly NewBuild[]): Promise<number> {
    const existing = base.revision.id === null ? undefined : await this.store.baselineFor(base.source, base.revision.id);
    if (existing) return existing.id;
    const request = await this.create(
      { kind: 'baseline', origin: 'branch-point', proposalId: null, baseRequestId: null, source: base.source, sourceUrl: base.sourceUrl, revision: base.revision },
      builds.map((b) => ({ ...b, shadow: false })),
    );
    this.logger.info('new baseline request', { request: request.id, source: vcsFor(base.source.vcs).describeSource(base.source) });
    return request.id;
  }

  private async announce(id: number): Promise<RequestRow> {
    const row = (await this.store.request(id))!;
    this.events.requestCreated(row);
    return row;
  }
}
