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
  /** Whose results count; `lava` makes LAVA build every proposal and CBuild a shadow. */
  main: Backend;
}

export interface PlannedBuild {
  target: string;
  backend: Backend;
  shadow: boolean;
}

/**
 * The most specific setting wins: project+target, project, target, top level,
 * then the defaults. `main: lava` means LAVA builds every proposal, whatever
 * a less specific level says of lava and lavaPercent (the config refuses a
 * contradiction at the same level).
 */
export function resolveRollout(rollout: RolloutConfig, project: string, target: string): ResolvedRollout {
  const levels: (RolloutSetting | undefined)[] = [
    rollout.projects?.[project]?.targets?.[target],
    rollout.projects?.[project],
    rollout.targets?.[target],
    rollout,
  ];
  const pick = <K extends keyof RolloutSetting>(key: K): RolloutSetting[K] => levels.find((l) => l?.[key] !== undefined)?.[key];
  const main = pick('main') ?? 'cbuild';
  if (main === 'lava') return { lava: 'on', cbuild: pick('cbuild') ?? 'on', lavaPercent: 100, main };
  return { lava: pick('lava') ?? 'on', cbuild: pick('cbuild') ?? 'on', lavaPercent: pick('lavaPercent') ?? 100, main };
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
 * proposal's LAVA builds follow the mode (shadow ones are marked), and its
 * CBuild build is shadow where LAVA is the main backend; a baseline builds
 * every backend that is not off, so any proposal can be compared.
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
    if (setting.cbuild === 'on') out.push({ target, backend: 'cbuild', shadow: setting.main === 'lava' });
    const lava = lavaModeFor(setting, proposalKey);
    if (lava !== 'off') out.push({ target, backend: 'lava', shadow: lava === 'shadow' });
  }
  return out;
}

export interface RolloutChanges {
  /** Unfinished builds whose backend is now shadow (or off, once started): followed to the end, no longer shown or waited for. */
  toShadow: BuildRow[];
  /** Shadow builds of a proposal still waiting for its results whose backend is shown again (LAVA turned on, or main set back): shown and waited for. */
  toShown: BuildRow[];
  /** Builds not yet submitted whose backend is now off: never submitted, recorded as withdrawn. */
  withdraw: BuildRow[];
}

/**
 * What the current settings mean for builds already recorded: a rollback
 * never cancels a running job and never drops a record. `builds` are the
 * unfinished builds and every build of the requests still waiting for their
 * results comment (a finished shadow build may have to be shown again).
 */
export function planRolloutChanges(
  rollout: RolloutConfig,
  builds: readonly BuildRow[],
  requests: ReadonlyMap<number, RequestRow>,
  proposals: ReadonlyMap<number, ProposalRow>,
): RolloutChanges {
  const changes: RolloutChanges = { toShadow: [], toShown: [], withdraw: [] };
  for (const b of builds) {
    const request = requests.get(b.request_id);
    if (!request) continue;
    const setting = resolveRollout(rollout, projectOf(request.source), b.target);
    const proposal = request.kind === 'proposal' && request.proposal_id !== null ? proposals.get(request.proposal_id) : undefined;
    const mode: LavaMode =
      b.backend === 'cbuild' ? (setting.cbuild === 'off' ? 'off' : setting.main === 'lava' ? 'shadow' : 'on') : lavaModeFor(setting, proposal ? proposal.self_link : null);
    const final = FINAL_BUILD_STATES.has(b.state);
    if (mode === 'off' && b.state === 'pending') changes.withdraw.push(b);
    else if (!final && mode !== 'on' && !b.shadow && proposal) changes.toShadow.push(b);
    // A withdrawn build (cancelled, shadow) stays withdrawn.
    else if (mode === 'on' && b.shadow && b.state !== 'cancelled' && proposal && request.state === 'active') changes.toShown.push(b);
  }
  return changes;
}
