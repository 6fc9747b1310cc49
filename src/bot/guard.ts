/**
 * Every step of a cycle runs each of its items (a proposal, a build, a
 * comment) under a guard: a failure is counted and logged, and the step goes
 * on with the next item. A failure is logged once per item and cause (later
 * repeats at debug level, with how often), the stack at debug level, so a
 * broken proposal does not fill the log every cycle; once the item works
 * again its next failure is news.
 */
import type { LogFields, Logger } from '../log.js';
import { errorMessage, isServiceError, type BotEvents, type ServiceName } from './events.js';

/** Failures remembered at most; the oldest are forgotten first. */
const MAX_REMEMBERED = 10_000;

export class Guard {
  /** step+item → causes seen (message → times). */
  private readonly failing = new Map<string, Map<string, number>>();
  /** Failures in the current cycle. */
  errors = 0;

  constructor(
    private readonly logger: Logger,
    private readonly events: Pick<BotEvents, 'serviceError'>,
  ) {}

  /**
   * Runs `fn` for one item of `step` ("read merge proposal", "post comment");
   * undefined when it failed. `service` is who answered when a call fails
   * (the health line shows each service's last error).
   */
  async item<T>(step: string, fields: LogFields, fn: () => Promise<T>, service?: ServiceName): Promise<T | undefined> {
    const key = `${step}\u0000${JSON.stringify(fields)}`;
    try {
      const result = await fn();
      this.failing.delete(key);
      return result;
    } catch (err) {
      this.failed(step, fields, err, service, key);
      return undefined;
    }
  }

  /** Records a failure that the caller caught itself. */
  failed(step: string, fields: LogFields, err: unknown, service?: ServiceName, key = `${step}\u0000${JSON.stringify(fields)}`): void {
    this.errors++;
    const message = errorMessage(err);
    if (service && isServiceError(err)) this.events.serviceError(service, message);
    let causes = this.failing.get(key);
    if (!causes) {
      if (this.failing.size >= MAX_REMEMBERED) this.failing.delete(this.failing.keys().next().value!);
      causes = new Map();
      this.failing.set(key, causes);
    }
    const times = (causes.get(message) ?? 0) + 1;
    causes.set(message, times);
    if (times === 1) this.logger.error(`cannot ${step}`, { ...fields, error: message });
    else this.logger.debug(`cannot ${step} (again)`, { ...fields, error: message, times });
    if (err instanceof Error && err.stack) this.logger.debug(`cannot ${step}: stack`, { ...fields, stack: err.stack });
  }

  /** Starts counting the next cycle's failures. */
  resetCount(): void {
    this.errors = 0;
  }
}
