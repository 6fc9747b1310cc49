/**
 * What a simulated build produces. Both simulated backends (the CBuild
 * scheduler's hosts and the simulated LAVA's devices) ask a `Toolchain` what
 * building a given revision on a given target yields, so paired builds of the
 * same revision agree unless a scenario says otherwise. Infrastructure trouble
 * (a dead host, an Incomplete LAVA job) is not the toolchain's business: each
 * simulator injects that itself.
 */

/** Which revision of which source to build, for which target. */
export interface BuildSpec {
  vcs: 'bzr' | 'git';
  /** bzr branch unique name (`~user/gcc-linaro/fix-neon`) or git repository unique name (`~user/gcc-linaro/+git/gcc-linaro`). */
  source: string;
  /** git: the ref, `refs/heads/fix-neon`; null for bzr. */
  ref: string | null;
  /** bzr revision id or git commit; null for a bzr build by revno. */
  revision: string | null;
  /** bzr revno; null for git. */
  revno: number | null;
  /** Build target name from the config, e.g. `a9hf`, `x86_64`. */
  target: string;
  /** Which backend runs it; lets a scenario make the two disagree. */
  backend: 'cbuild' | 'lava';
}

/** The files a finished build publishes to the results host, and how it went. */
export interface BuildOutcome {
  /** `pass`: built and tested (test failures are in the .sum files); `build-failure`: make failed. */
  result: 'pass' | 'build-failure';
  /** How long the build takes, in simulated milliseconds. */
  durationMs: number;
  /** Files to publish into the build's result directory, e.g. `make.log`, `gcc.sum`, `g++.sum`; text is UTF-8, bytes as they are (a `gcc.sum.xz`). */
  files: Record<string, string | Buffer>;
}

export interface Toolchain {
  build(spec: BuildSpec): BuildOutcome;
}
