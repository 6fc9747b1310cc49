/**
 * One step at a time: cycles, dailies, reloads and events never interleave,
 * since each step reads the store, decides and writes as if it were alone.
 * A step that fails is logged and the next one runs.
 */
import type { Logger } from '../log.js';

export class Turns {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly logger: Logger) {}

  /** Runs `step` after every step queued before it; settles when it has run (never rejects). */
  run(what: string, step: () => Promise<unknown>): Promise<void> {
    const next = this.queue.then(step).then(
      () => undefined,
      (err) => this.logger.error(`${what} failed`, { error: err }),
    );
    this.queue = next;
    return next;
  }

  /** Settles once every step queued so far has run. */
  drained(): Promise<void> {
    return this.queue.then(() => undefined);
  }
}
