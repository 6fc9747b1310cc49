/**
 * Recording build requests, whatever asked for them (a new proposal revision,
 * a branch point, a daily, a person): each build gets its idempotency key and
 * the observer hears of each new request.
 */
import type { Store, NewBuild, NewRequestRecord } from '../store/store.js';
import type { BotConfig } from '../config/config.js';
import type { Logger } from '../log.js';
import type { CommandRow, RequestRow } from '../core/model.js';
import type { BranchPoint } from '../core/plan.js';
import { cbuildJobName, lavaJobName } from '../core/names.js';
import type { BotEvents } from './events.js';

export class RequestMaker {
  constructor(
    private readonly store: Store,
    private readonly config: () => BotConfig,
    private readonly events: BotEvents,
    private readonly logger: Logger,
    private readonly now: () => string,
  ) {}

  /** The idempotency key of a build: CBuild queue/job name, or the LAVA job name. */
  submitKey(requestId: number, branch: string, revno: number, b: NewBuild): string {
    const config = this.config();
    const job = cbuildJobName(config.cbuild.product, branch, revno, requestId);
    return b.backend === 'native' ? `${config.targets[b.target].cbuild.queue}/${job}` : lavaJobName(requestId, b.target, job);
  }

  async create(record: NewRequestRecord, builds: readonly NewBuild[]): Promise<RequestRow> {
    const id = await this.store.createRequest(record, builds, (requestId, b) => this.submitKey(requestId, record.branch, record.revno, b), this.now());
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
      (id, b) => this.submitKey(id, record.branch, record.revno, b),
      this.now(),
    );
    return { request: await this.announce(requestId), superseded };
  }

  /**
   * The baseline request for a branch point: found (made by a daily or for
   * another proposal) or created.
   */
  async baseline(base: BranchPoint, builds: readonly NewBuild[]): Promise<number> {
    const existing = await this.store.baselineFor(base.branch, base.revisionId);
    if (existing) return existing.id;
    const request = await this.create(
      { kind: 'baseline', origin: 'branch-point', proposalId: null, baseRequestId: null, branch: base.branch, revisionId: base.revisionId, revno: base.revno },
      builds.map((b) => ({ ...b, shadow: false })),
    );
    this.logger.info('new baseline request', { request: request.id, branch: base.branch, revno: base.revno });
    return request.id;
  }

  private async announce(id: number): Promise<RequestRow> {
    const row = (await this.store.request(id))!;
    this.events.requestCreated(row);
    return row;
  }
}
