/**
 * The events the receivers took (web/hooks.ts), waiting for the bot's turn:
 * hints that arrive while a cycle runs are gathered and acted on together,
 * right after it, never beside it. A LAVA job that called back but is not
 * Finished yet in LAVA's answer (lava-server 2023.01 calls back before it
 * saves the job) is looked at again a few times, sooner than the next poll.
 */
import type { Hint } from '../bot/hints.js';
import type { Logger } from '../log.js';
import type { Turns } from './turns.js';

/** How long after a callback to look at a job LAVA did not show Finished yet; then the poll follows it. */
const RECHECK_DELAYS_MS = [500, 1000, 2000, 4000, 8000, 16_000];

export interface HintActor {
  actOnHints(hints: readonly Hint[]): Promise<{ unfinished: number[] }>;
}

export class EventQueue {
  /** One hint per proposal, push and build: a flood of deliveries about one proposal is one look. */
  private readonly pending = new Map<string, Hint>();
  private queued = false;
  private closed = false;
  /** Builds that called back, and how many times they were looked at since. */
  private readonly rechecks = new Map<number, number>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly turns: Turns,
    private readonly bot: HintActor,
    private readonly logger: Logger,
  ) {}

  /** Takes an event's hint (at once: the receiver answers after this); the bot acts on it in its turn. */
  push(hint: Hint): void {
    if (this.closed) return;
    if (hint.kind === 'build') this.rechecks.set(hint.buildId, 0);
    this.enqueue(hint);
  }

  /** No more hints are taken, and no build is looked at again. */
  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private enqueue(hint: Hint): void {
    this.pending.set(hintKey(hint), hint);
    if (this.queued) return;
    this.queued = true;
    void this.turns.run('act on events', async () => {
      this.queued = false;
      const hints = [...this.pending.values()];
      this.pending.clear();
      const { unfinished } = await this.bot.actOnHints(hints);
      for (const h of hints) if (h.kind === 'build' && !unfinished.includes(h.buildId)) this.rechecks.delete(h.buildId);
      for (const id of unfinished) this.recheck(id);
    });
  }

  private recheck(buildId: number): void {
    const done = this.rechecks.get(buildId);
    if (done === undefined || this.closed) return;
    if (done >= RECHECK_DELAYS_MS.length) {
      this.rechecks.delete(buildId);
      this.logger.debug('a build that called back is still not final; the poll follows it', { build: buildId });
      return;
    }
    this.rechecks.set(buildId, done + 1);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.closed) this.enqueue({ kind: 'build', buildId });
    }, RECHECK_DELAYS_MS[done]);
    this.timers.add(timer);
  }
}

function hintKey(h: Hint): string {
  if (h.kind === 'proposal') return `proposal ${h.link}`;
  if (h.kind === 'build') return `build ${h.buildId}`;
  return `pushed ${h.vcs} ${h.path} ${h.refs?.join(' ') ?? ''}`;
}
