/**
 * The test-by-test comparisons of two passed builds of the same revision and
 * target (migration 007): CBuild against LAVA (kind `backends`), and a build
 * against an earlier one on the same backend (kind `rebuild`, flaky evidence).
 * Each build is compared once per kind; the first differences are kept by
 * name, exactly as the comparison gave them, with the total beside them.
 */
import type { Store } from './store.js';
import { redact } from '../secrets.js';
import type { Backend, BuildRow, VcsKind } from '../core/model.js';
import type { Category, TestDifference, TestStatus } from '../results/index.js';
import { vcsFor } from '../vcs/index.js';
import { decodeBuild } from './rows.js';

export type ComparisonKind = 'backends' | 'rebuild';

/** How many differing tests a comparison keeps by name; the rest are only counted. */
export const LISTED_DIFFERENCES = 100;

export interface TestComparisonRow {
  id: number;
  kind: ComparisonKind;
  /** The second build: the LAVA one (`backends`), the later one (`rebuild`). */
  build_id: number;
  /** The first build: the CBuild one, the earlier one. */
  other_build_id: number;
  target: string;
  backend: Backend;
  /** The target's source key (vcs/sourceKey): a bzr unique name, or a git repository's with its ref. */
  target_branch: string;
  revision_id: string;
  status: 'compared' | 'not-compared';
  reason: string | null;
  tests: number;
  differences: number;
  warnings: string[];
  ended_at: string;
  compared_at: string;
}

export interface TestDifferenceRow {
  comparison_id: number;
  tool: string;
  name: string;
  test: string;
  category: Category;
  first_status: TestStatus | null;
  second_status: TestStatus | null;
}

/** A comparison with the differences it kept. */
export interface StoredComparison extends TestComparisonRow {
  listed: TestDifferenceRow[];
}

/** Two passed builds of the same revision and target that have not been compared yet. */
export interface PendingComparison {
  kind: ComparisonKind;
  first: BuildRow;
  second: BuildRow;
  targetBranch: string;
  revisionId: string;
}

export type ComparisonOutcome =
  | { status: 'compared'; tests: number; differences: readonly TestDifference[]; total?: number; warnings: string[] }
  | { status: 'not-compared'; reason: string };

/** One differing test of a rebuild comparison, with where it was seen: the raw material of the learned flaky list. */
export interface FlipRow extends TestDifferenceRow {
  target_branch: string;
  target: string;
  backend: Backend;
  revision_id: string;
  /** The later build's revision as people name it (`revision 3`, `1a2b3c4`). */
  revision: string;
  ended_at: string;
  /** Every difference of that comparison (listed or not). */
  comparison_differences: number;
}

/** What a request's results belong to, as a source key (vcs/sourceKey): its proposal's target, else the source it built. */
const TARGET_BRANCH = `COALESCE((SELECT p.target_path || IFNULL(':' || p.target_ref, '') FROM proposals p WHERE p.id = r.proposal_id),
  r.source_path || IFNULL(':' || r.source_ref, ''))`;
const ENDED = (b: string) => `COALESCE(${b}.finished_at, ${b}.updated_at)`;

export class TestComparisons {
  constructor(private readonly store: Store) {}

  /**
   * Pairs waiting to be compared, oldest second build first: the native and
   * LAVA builds of a request and target that both passed (shadow LAVA builds
   * too), and each passed build with the latest passed build of the same
   * revision, target and backend that ended before it.
   */
  async pending(limit: number): Promise<PendingComparison[]> {
    const pairs = await this.store.db.all<{ kind: ComparisonKind; first_id: number; second_id: number; target_branch: string; revision_id: string }>(
      `SELECT * FROM (
         SELECT 'backends' AS kind, n.id AS first_id, l.id AS second_id, ${TARGET_BRANCH} AS target_branch, r.revision_id
         FROM builds l
         JOIN builds n ON n.request_id = l.request_id AND n.target = l.target AND n.backend = 'cbuild' AND n.state = 'passed'
         JOIN requests r ON r.id = l.request_id
         WHERE l.backend = 'lava' AND l.state = 'passed'
           AND NOT EXISTS (SELECT 1 FROM test_comparisons c WHERE c.kind = 'backends' AND c.build_id = l.id)
         UNION ALL
         SELECT 'rebuild' AS kind,
           (SELECT e.id FROM builds e JOIN requests er ON er.id = e.request_id
             WHERE er.revision_id = r.revision_id AND e.target = b.target AND e.backend = b.backend AND e.state = 'passed' AND e.id <> b.id
               AND (${ENDED('e')} < ${ENDED('b')} OR (${ENDED('e')} = ${ENDED('b')} AND e.id < b.id))
             ORDER BY ${ENDED('e')} DESC, e.id DESC LIMIT 1) AS first_id,
           b.id AS second_id, ${TARGET_BRANCH} AS target_branch, r.revision_id
         FROM builds b JOIN requests r ON r.id = b.request_id
         WHERE b.state = 'passed'
           AND NOT EXISTS (SELECT 1 FROM test_comparisons c WHERE c.kind = 'rebuild' AND c.build_id = b.id)
       ) WHERE first_id IS NOT NULL AND revision_id IS NOT NULL
       ORDER BY second_id, kind
       LIMIT ?`,
      [limit],
    );
    const ids = [...new Set(pairs.flatMap((p) => [p.first_id, p.second_id]))];
    const builds = new Map(
      ids.length === 0 ? [] : (await this.store.db.all<Record<string, unknown>>(`SELECT * FROM builds WHERE id IN (${ids.map(() => '?').join(',')})`, ids)).map(decodeBuild).map((b) => [b.id, b]),
    );
    return pairs.map((p) => ({ kind: p.kind, first: builds.get(p.first_id)!, second: builds.get(p.second_id)!, targetBranch: p.target_branch, revisionId: p.revision_id }));
  }

  /**
   * Records a comparison and its first LISTED_DIFFERENCES differences in one
   * transaction. A pair recorded already (by another process) is left as it is.
   */
  async record(pair: PendingComparison, outcome: ComparisonOutcome, now: string): Promise<void> {
    const endedAt = [pair.first, pair.second].map((b) => b.finished_at ?? b.updated_at).sort()[1]!;
    await this.store.db.transaction(async () => {
      const compared = outcome.status === 'compared' ? outcome : null;
      const { changes, lastID } = await this.store.db.run(
        `INSERT OR IGNORE INTO test_comparisons (kind, build_id, other_build_id, target, backend, target_branch, revision_id, status, reason,
           tests, differences, warnings, ended_at, compared_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          pair.kind, pair.second.id, pair.first.id, pair.second.target, pair.second.backend, pair.targetBranch, pair.revisionId, outcome.status,
          outcome.status === 'not-compared' ? redact(outcome.reason) : null,
          compared?.tests ?? 0,
          compared ? (compared.total ?? compared.differences.length) : 0,
          compared?.warnings.length ? JSON.stringify(compared.warnings.map(redact)) : null,
          endedAt, now,
        ],
      );
      if (changes === 0 || !compared) return;
      for (const d of compared.differences.slice(0, LISTED_DIFFERENCES)) {
        await this.store.db.run(
          `INSERT INTO test_differences (comparison_id, tool, name, test, category, first_status, second_status) VALUES (?, ?, ?, ?, ?, ?, ?)`,
          [lastID, d.tool, d.name, d.test, d.category, d.first, d.second],
        );
      }
    });
  }

  /** The comparisons of `kind` whose second build is one of `buildIds`, with their listed differences. */
  async ofBuilds(kind: ComparisonKind, buildIds: readonly number[]): Promise<StoredComparison[]> {
    if (buildIds.length === 0) return [];
    const rows = await this.store.db.all<Omit<TestComparisonRow, 'warnings'> & { warnings: string | null }>(
      `SELECT * FROM test_comparisons WHERE kind = ? AND build_id IN (${buildIds.map(() => '?').join(',')}) ORDER BY id`,
      [kind, ...buildIds],
    );
    return this.withDifferences(rows.map((r) => ({ ...r, warnings: r.warnings ? (JSON.parse(r.warnings) as string[]) : [] })));
  }

  /** Every difference kept from rebuild comparisons, oldest first, optionally of one target branch, target or backend. */
  async flips(filter: { targetBranch?: string; target?: string; backend?: Backend } = {}): Promise<FlipRow[]> {
    const where: string[] = [`c.kind = 'rebuild'`, `c.status = 'compared'`];
    const params: string[] = [];
    const wanted: Array<[string, string | undefined]> = [['c.target_branch = ?', filter.targetBranch], ['c.target = ?', filter.target], ['c.backend = ?', filter.backend]];
    for (const [condition, value] of wanted) {
      if (value === undefined) continue;
      where.push(condition);
      params.push(value);
    }
    const rows = await this.store.db.all<Omit<FlipRow, 'revision'> & { vcs: VcsKind; revno: number | null }>(
      `SELECT c.id AS comparison_id, c.target_branch, c.target, c.backend, c.revision_id, r.vcs, r.revno, c.ended_at,
              c.differences AS comparison_differences, d.tool, d.name, d.test, d.category, d.first_status, d.second_status
       FROM test_differences d
       JOIN test_comparisons c ON c.id = d.comparison_id
       JOIN builds b ON b.id = c.build_id
       JOIN requests r ON r.id = b.request_id
       WHERE ${where.join(' AND ')}
       ORDER BY c.ended_at, c.id, d.id`,
      params,
    );
    return rows.map(({ vcs, revno, ...row }) => ({ ...row, revision: vcsFor(vcs).shortRevision({ id: row.revision_id, revno }) }));
  }

  private async withDifferences(rows: TestComparisonRow[]): Promise<StoredComparison[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const diffs = await this.store.db.all<TestDifferenceRow>(
      `SELECT comparison_id, tool, name, test, category, first_status, second_status FROM test_differences
       WHERE comparison_id IN (${ids.map(() => '?').join(',')}) ORDER BY id`,
      ids,
    );
    return rows.map((r) => ({ ...r, listed: diffs.filter((d) => d.comparison_id === r.id) }));
  }
}
