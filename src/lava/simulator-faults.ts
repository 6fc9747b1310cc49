/**
 * Per-test faults of the simulated LAVA's XML-RPC endpoint, the ways a loaded
 * lab or a flaky network answers: a call carried out late (a job created
 * seconds after its submission arrived), an answer that comes late, never
 * (the connection closed) or garbled (not XML-RPC) although the call was
 * carried out, and a connection closed before anything was done. Tests reach
 * it as `LavaSimulator.faults`:
 *
 *   lava.faults.call({ method: 'scheduler.jobs.submit', carryOutAfterMs: 1500, answer: 'drop' });
 *   lava.faults.call({ method: 'scheduler.jobs.submit', answer: 'malformed' });
 *   lava.faults.call({ method: 'scheduler.jobs.list', answer: 'drop', carryOut: false });
 *   await lava.faults.settled(); // every delayed call has been carried out
 */

export interface CallFault {
  /** The XML-RPC method (any when absent). */
  method?: string;
  /** Whether the call is carried out at all (default true); false: the connection closes first. */
  carryOut?: boolean;
  /** It is carried out (a submission creates its job) this long after it arrived (default 0). */
  carryOutAfterMs?: number;
  /** Then: answered after `answerAfterMs` (`late`, the default), the connection closed (`drop`), or an answer that is not XML-RPC (`malformed`). */
  answer?: 'late' | 'drop' | 'malformed';
  answerAfterMs?: number;
  /** How many calls (default 1). */
  times?: number;
}

/** What the endpoint sends for a call under a fault. */
export type FaultedAnswer = { kind: 'answer'; body: string } | { kind: 'drop' } | { kind: 'malformed'; body: string };

/** A body a proxy in front of LAVA might send: HTML, not a methodResponse. */
const MALFORMED_BODY = '<html><head><title>502 Proxy Error</title></head><body>The proxy server received an invalid response from an upstream server.</body></html>\n';

const sleep = (ms: number) => (ms > 0 ? new Promise<void>((resolve) => setTimeout(resolve, ms)) : Promise.resolve());

export class LavaFaults {
  private readonly rules: (CallFault & { remaining: number })[] = [];
  private readonly pending = new Set<Promise<unknown>>();

  /** Arms a fault for the next matching call(s). */
  call(fault: CallFault): void {
    this.rules.push({ ...fault, remaining: fault.times ?? 1 });
  }

  /** Calls accepted and not yet carried out or answered. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Resolves once every delayed call has been carried out and answered (or dropped). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Serves one call through the faults; `carryOut` runs the method and returns its encoded answer. */
  async apply(method: string, carryOut: () => string): Promise<FaultedAnswer> {
    const fault = this.take(method);
    if (!fault) return { kind: 'answer', body: carryOut() };
    const served = (async (): Promise<FaultedAnswer> => {
      if (fault.carryOut === false) return { kind: 'drop' };
      await sleep(fault.carryOutAfterMs ?? 0);
      const body = carryOut();
      if (fault.answer === 'drop') return { kind: 'drop' };
      if (fault.answer === 'malformed') return { kind: 'malformed', body: MALFORMED_BODY };
      await sleep(fault.answerAfterMs ?? 0);
      return { kind: 'answer', body };
    })();
    this.pending.add(served);
    try {
      return await served;
    } finally {
      this.pending.delete(served);
    }
  }

  private take(method: string): CallFault | undefined {
    const rule = this.rules.find((r) => r.remaining > 0 && (r.method === undefined || r.method === method));
    if (rule && --rule.remaining === 0) this.rules.splice(this.rules.indexOf(rule), 1);
    return rule;
  }
}
