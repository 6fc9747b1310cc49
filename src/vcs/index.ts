/** The version-control systems the bot speaks, by kind. */
import type { VcsKind } from '../core/model.js';
import { bzr } from './bzr.js';
import { git } from './git.js';
import type { Vcs } from './vcs.js';

export type { Vcs, CheckoutValues, RequestedSource } from './vcs.js';
export { sourceOf, sameSource, projectOf, sourceKey } from './vcs.js';
export { UnsafeValueError } from './names.js';

const BY_KIND: Record<VcsKind, Vcs> = { bzr, git };

/** Every VCS, in the order a listed proposal is tried against them. */
export const VCSES: readonly Vcs[] = [bzr, git];

export function vcsFor(kind: VcsKind): Vcs {
  return BY_KIND[kind];
}
