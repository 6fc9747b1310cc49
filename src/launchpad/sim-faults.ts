/**
 * Per-test faults of the simulated Launchpad that a status code cannot
 * express (for those, `failNext`): a request carried out late, an answer that
 * comes late or never (the real Launchpad can complete a POST well after the
 * client gave up), and a listing that changes between the pages a client
 * reads. Tests reach it as `LaunchpadSimulator.faults`:
 *
 *   lp.faults.slow({ operation: 'createComment', completeAfterMs: 800, answer: 'drop' });
 *   lp.faults.betweenPages(({ start }) => { if (start === 2) lp.setStatus(first, 'Merged'); });
 *   await lp.faults.settled(); // every slow request has been carried out
 */

/** Which requests a slow rule applies to, and how slow they are. */
export interface SlowRequest {
  method?: string;
  /** A substring of the path with its query. */
  pathContains?: string;
  /** The named operation (`ws.op`), e.g. `createComment`. */
  operation?: string;
  /** The request is carried out this long after it arrived (default 0). */
  completeAfterMs?: number;
  /** Then answered this long after (`late`, default 0), or the connection is closed without an answer (`drop`). */
  answer?: 'late' | 'drop';
  answerAfterMs?: number;
  /** How many requests (default: every matching one). */
  times?: number;
}

/** A page after the first one of a collection, about to be served. */
export interface PageRequest {
  path: string;
  /** `ws.start` of the page. */
  start: number;
}

export interface RequestFacts {
  method: string;
  url: URL;
  operation: string | null;
}

const sleep = (ms: number) => (ms > 0 ? new Promise<void>((resolve) => setTimeout(resolve, ms)) : Promise.resolve());

export class LaunchpadFaults {
  private readonly rules: (SlowRequest & { remaining: number })[] = [];
  private readonly pageHooks: ((page: PageRequest) => void)[] = [];
  private readonly pending = new Set<Promise<unknown>>();

  /** Makes matching requests slow (see SlowRequest). */
  slow(rule: SlowRequest): void {
    this.rules.push({ ...rule, remaining: rule.times ?? Infinity });
  }

  /** Calls `hook` before each page after the first of any collection is served: the listing may change under the client. */
  betweenPages(hook: (page: PageRequest) => void): void {
    this.pageHooks.push(hook);
  }

  /** Requests accepted and not yet carried out or answered. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Resolves once every delayed request has been carried out and answered (or dropped). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /**
   * Serves one request through the faults: the page hooks, the delay before
   * `carryOut` runs, the delay of the answer; `'drop'` means close the
   * connection without answering.
   */
  async apply<T>(request: RequestFacts, carryOut: () => T): Promise<T | 'drop'> {
    const start = Number(request.url.searchParams.get('ws.start') ?? 0);
    if (request.method === 'GET' && start > 0) for (const hook of this.pageHooks) hook({ path: request.url.pathname, start });
    const rule = this.take(request);
    if (!rule) return carryOut();
    const served = (async () => {
      await sleep(rule.completeAfterMs ?? 0);
      const response = carryOut();
      if (rule.answer === 'drop') return 'drop' as const;
      await sleep(rule.answerAfterMs ?? 0);
      return response;
    })();
    this.pending.add(served);
    try {
      return await served;
    } finally {
      this.pending.delete(served);
    }
  }

  private take(request: RequestFacts): SlowRequest | undefined {
    const target = request.url.pathname + request.url.search;
    const rule = this.rules.find(
      (r) =>
        r.remaining > 0 &&
        (r.method === undefined || r.method.toUpperCase() === request.method) &&
        (r.pathContains === undefined || target.includes(r.pathContains)) &&
        (r.operation === undefined || r.operation === request.operation),
    );
    if (rule && --rule.remaining === 0) this.rules.splice(this.rules.indexOf(rule), 1);
    return rule;
  }
}
