/**
 * Staged rollout of LAVA: which backends a request builds, per project and
 * target, and what becomes of unfinished builds when the settings change
 * (the rollback). Pure: the config and the store's rows in, decisions out.
 */
import type { LavaMode, RolloutConfig, RolloutSetting } from '../config/config.js';
import { FINAL_BUILD_STATES, type Backend, type BuildRow, type ProposalRow, type RequestRow } from './model.js';
import { projectOf } from '../vcs/index.js';

export interface ResolvedRollout {
  lava: LavaMode;
  cbuild: 'on' | 'off';
  lavaPercent: number;
}

export interface PlannedBuild {
  target: string;
  backend: Backend;
  shadow: boolean;
}

/** The most specific setting wins: project+target, project, target, top level, then the defaults. */
export function resolveRollout(rollout: RolloutConfig, project: string, target: string): ResolvedRollout {
  const levels: (RolloutSetting | undefined)[] = [
    rollout.projects?.[project]?.targets?.[target],
    rollout.projects?.[project],
    rollout.targets?.[target],
    rollout,
  ];
  const pick = <K extends keyof RolloutSetting>(key: K): RolloutSetting[K] => levels.find((l) => l?.[key] !== undefined)?.[key];
  return { lava: pick('lava') ?? 'on', cbuild: pick('cbuild') ?? 'on', lavaPercent: pick('lavaPercent') ?? 100 };
}

/**
 * Whether a proposal falls inside a percentage rollout: a stable hash of its
 * link, so the same proposal stays in (or out) across revisions and restarts.
 */
export function inRolloutPercent(proposalKey: string, percent: number): boolean {
  if (percent >= 100) return true;
  let hash = 0x811c9dc5; // FNV-1a, 32 bits
  for (let i = 0; i < proposalKey.length; i++) {
    hash ^= proposalKey.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % 100 < percent;
}

/** LAVA's mode for one build of a proposal (`proposalKey`) or of a daily/manual build (null: no percentage). */
function lavaModeFor(setting: ResolvedRollout, proposalKey: string | null): LavaMode {
  if (proposalKey !== null && !inRolloutPercent(proposalKey, setting.lavaPercent)) return 'off';
  return setting.lava;
}

/**
 * The builds of a new request on `targets` for a branch of `project`. A
 * proposal's LAVA builds follow the mode (shadow ones are marked); a baseline
 * builds every backend that is not off, so any proposal can be compared.
 */
export function plannedBuilds(
  rollout: RolloutConfig,
  targets: readonly string[],
  project: string,
  proposalKey: string | null,
): PlannedBuild[] {
  const out: PlannedBuild[] = [];
  for (const target of targets) {
    const setting = resolveRollout(rollout, project, target);
    if (setting.cbuild === 'on') out.push({ target, backend: 'cbuild', shadow: false });
    const lava = lavaModeFor(setting, proposalKey);
    if (lava !== 'off') out.push({ target, backend: 'lava', shadow: lava === 'shadow' });
  }
  return out;
}

export interface RolloutChanges {
  /** Unfinished builds whose backend is now shadow (or off, once started): followed to the end, no longer shown or waited for. */
  toShadow: BuildRow[];
  /** Builds not yet submitted whose backend is now off: never submitted, recorded as withdrawn. */
  withdraw: BuildRow[];
}

/**
 * What the current settings mean for builds already recorded: a rollback
 * never cancels a running job and never drops a record.
 */
export function planRolloutChanges(
  rollout: RolloutConfig,
  builds: readonly BuildRow[],
  requests: ReadonlyMap<number, RequestRow>,
  proposals: ReadonlyMap<number, ProposalRow>,
): RolloutChanges {
  const changes: RolloutChanges = { toShadow: [], withdraw: [] };
  for (const b of builds) {
    if (FINAL_BUILD_STATES.has(b.state)) continue;
    const request = requests.get(b.request_id);
    if (!request) continue;
    const setting = resolveRollout(rollout, projectOf(request.source), b.target);
    if (b.backend === 'cbuild') {
      if (setting.cbuild === 'off' && b.state === 'pending') changes.withdraw.push(b);
      continue;
    }
    const proposal = request.proposal_id === null ? undefined : proposals.get(request.proposal_id);
    const mode = lavaModeFor(setting, request.kind === 'proposal' && proposal ? proposal.self_link : null);
    if (mode === 'off' && b.state === 'pending') changes.withdraw.push(b);
    else if (mode !== 'on' && !b.shadow && request.kind === 'proposal') changes.toShadow.push(b);
  }
  return changes;
}
