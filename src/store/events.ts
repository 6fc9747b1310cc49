/**
 * What the event receivers record (migration 009): the Launchpad deliveries
 * already taken, which proposals' comments a delivery said are worth reading,
 * and the digest of each LAVA build's callback token. Each receipt is one
 * transaction, so a delivery is taken once and its effect kept together.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Store } from './store.js';

/** How long a delivery id is remembered: Launchpad keeps a delivery (and lets it be retried by hand) for 30 days. */
export const DELIVERY_MEMORY_MS = 30 * 86_400_000;

/**
 * A "reviewed" delivery that arrives this soon after the bot posted (or began
 * posting) a comment on that proposal is taken to be that comment's, once per
 * comment. Launchpad delivers within seconds; a later one costs one read of
 * the comments, never a missed command (each of the bot's comments explains
 * at most one delivery).
 */
export const OWN_COMMENT_WINDOW_MS = 3_600_000;

export interface DeliveryReceipt {
  id: string;
  eventType: string;
  /** For a "reviewed" delivery: the proposal's self_link. */
  reviewed?: string;
}

/** What recording a delivery found: a repeat, a new one, and for a comment whether it was the bot's own. */
export type DeliveryOutcome = { repeat: true } | { repeat: false; comment?: 'own' | 'wanted' | 'untracked' };

/**
 * Takes a delivery once. A "reviewed" one is matched to one of the bot's
 * recent comments on that proposal not yet matched (so the bot's own comment
 * never makes it read the comments); if none is left, the proposal's
 * comments are marked as wanted.
 */
export async function recordDelivery(store: Store, receipt: DeliveryReceipt, now: Date): Promise<DeliveryOutcome> {
  const at = now.toISOString();
  return store.db.transaction(async () => {
    const { changes } = await store.db.run('INSERT OR IGNORE INTO webhook_deliveries (delivery_id, event_type, received_at) VALUES (?, ?, ?)', [
      receipt.id, receipt.eventType, at,
    ]);
    if (changes === 0) return { repeat: true };
    await store.db.run('DELETE FROM webhook_deliveries WHERE received_at < ?', [new Date(now.getTime() - DELIVERY_MEMORY_MS).toISOString()]);
    if (receipt.reviewed === undefined) return { repeat: false };
    const proposal = await store.db.get<{ id: number }>('SELECT id FROM proposals WHERE self_link = ? AND tracked = 1', [receipt.reviewed]);
    if (!proposal) return { repeat: false, comment: 'untracked' };
    const since = new Date(now.getTime() - OWN_COMMENT_WINDOW_MS).toISOString();
    const own = await store.db.get<{ id: number }>(
      `SELECT id FROM comments WHERE proposal_id = ? AND delivery_matched = 0
         AND ((state = 'posting' AND uncertain_since >= ?) OR (state = 'posted' AND posted_at >= ?))
       ORDER BY id LIMIT 1`,
      [proposal.id, since, since],
    );
    if (own) {
      await store.db.run('UPDATE comments SET delivery_matched = 1 WHERE id = ?', [own.id]);
      return { repeat: false, comment: 'own' };
    }
    await store.db.run('UPDATE proposals SET comments_wanted_at = ? WHERE id = ?', [at, proposal.id]);
    return { repeat: false, comment: 'wanted' };
  });
}

/** Tracked proposals whose comments a delivery asked for. */
export async function proposalsWantingComments(store: Store): Promise<Set<number>> {
  const rows = await store.db.all<{ id: number }>('SELECT id FROM proposals WHERE comments_wanted_at IS NOT NULL AND tracked = 1');
  return new Set(rows.map((r) => r.id));
}

/** The proposal's comments were read from `startedAt` on: a delivery that came in before that is answered. */
export async function commentsRead(store: Store, proposalId: number, startedAt: string): Promise<void> {
  await store.db.run('UPDATE proposals SET comments_wanted_at = NULL WHERE id = ? AND comments_wanted_at <= ?', [proposalId, startedAt]);
}

function digest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Keeps the digest of the token the build's next LAVA job calls back with (one job at a time per build). */
export async function setCallbackToken(store: Store, buildId: number, token: string, now: string): Promise<void> {
  await store.db.run(
    `INSERT INTO lava_callbacks (build_id, token_sha256, created_at) VALUES (?, ?, ?)
     ON CONFLICT(build_id) DO UPDATE SET token_sha256 = excluded.token_sha256, created_at = excluded.created_at`,
    [buildId, digest(token), now],
  );
}

/** Whether `token` is the one the build's job was given; the comparison takes the same time however much matches. */
export async function callbackTokenMatches(store: Store, buildId: number, token: string): Promise<boolean> {
  const row = await store.db.get<{ token_sha256: string }>('SELECT token_sha256 FROM lava_callbacks WHERE build_id = ?', [buildId]);
  const given = Buffer.from(digest(token), 'hex');
  // An unknown build is compared too, against a digest no token has, so its answer takes as long.
  const known = Buffer.from(row?.token_sha256 ?? '0'.repeat(64), 'hex');
  return timingSafeEqual(given, known) && row !== undefined;
}
