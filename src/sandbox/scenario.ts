/**
 * The sandbox's story on lp:gcc-linaro, told on git as on today's Launchpad
 * (which stopped hosting Bazaar on 2025-12-11), with one bzr proposal kept
 * from before: each proposal shows one thing a reviewer should see — a pass
 * (after a LAVA job the lab lost and the bot submitted again), a build broken
 * by the change (and a reviewer asking for a rebuild in a comment, while the
 * author's own command is ignored), a LAVA infrastructure failure that is not
 * the change's fault, a new commit pushed while builds run (which regresses a
 * test), and a bzr branch built as before. The lab's failures all fall on
 * x86_64, so the readiness report at the end finds LAVA ready for a9hf and
 * not yet for x86_64.
 */
import type { LaunchpadSimulator } from '../launchpad/simulator.js';
import type { LavaSimulator } from '../lava/simulator.js';
import type { Store } from '../store/store.js';
import { vcsFor } from '../vcs/index.js';
import type { SandboxToolchain } from './toolchain.js';

export interface SeededScenario {
  /** Advances the story after a bot cycle; returns what happened, if anything. */
  step(store: Store): Promise<string | undefined>;
  /** True once every scripted event has happened. */
  finished(): boolean;
}

/** Who may command the bot in comments in the sandbox: the team Michael Hope is in. */
export const SANDBOX_TRUSTED = ['linaro-toolchain'];

export function seedGccLinaro(lp: LaunchpadSimulator, options: { botPerson: string; lava?: LavaSimulator; toolchain: SandboxToolchain }): SeededScenario {
  lp.addPerson(options.botPerson, 'Linaro CBuild bot');
  for (const [name, display] of [
    ['alice', 'Alice Arm'], ['bob', 'Bob Builder'], ['carol', 'Carol Compiler'], ['dave', 'Dave Scheduler'], ['erin', 'Erin Bazaar'], ['mhope', 'Michael Hope'],
  ]) lp.addPerson(name, display);
  // The bot's account is in the team that owns the branches, as in production: it may register webhooks on them.
  lp.addTeam('linaro-toolchain', 'Linaro Toolchain Working Group', ['mhope', options.botPerson]);
  lp.addProject('gcc-linaro', 'Linaro GCC');
  // lp:gcc-linaro is the project's default git repository; the bzr trunk is still there for older proposals.
  const gitTrunk = lp.addGitRepository({ owner: 'linaro-toolchain', project: 'gcc-linaro', name: 'gcc-linaro', targetDefault: true });
  lp.pushCommits(gitTrunk, 'refs/heads/master', 6);
  const bzrTrunk = lp.addBranch({ owner: 'linaro-toolchain', project: 'gcc-linaro', name: '4.8', developmentFocus: true });
  lp.pushRevisions(bzrTrunk, 6);

  const propose = (owner: string, topic: string, commits: number, description: string, status: 'Needs review' | 'Work in progress' = 'Needs review') => {
    const repository = lp.addGitRepository({ owner, project: 'gcc-linaro', name: 'gcc-linaro' });
    const ref = `refs/heads/${topic}`;
    lp.pushCommits(repository, ref, commits);
    const link = lp.createMergeProposal({ source: repository, sourceRef: ref, target: gitTrunk, targetRef: 'refs/heads/master', registrant: owner, status, description });
    return { repository, ref, link, source: vcsFor('git').describeSource({ vcs: 'git', path: repository, ref }) };
  };
  const alice = propose('alice', 'neon-vectorize', 3, 'Vectorize more loops with NEON; fixes vect-42 execution.');
  const bob = propose('bob', 'pr54321-fix', 2, 'Fix PR target/54321 in the ARM prologue.');
  const carol = propose('carol', 'lto-streaming', 1, 'Stream fewer LTO sections — «faster» links.', 'Work in progress');
  const dave = propose('dave', 'sched-pressure', 1, 'Register-pressure aware scheduling, first cut.');
  const erin = lp.addBranch({ owner: 'erin', project: 'gcc-linaro', name: 'pr50000-backport' });
  lp.pushRevisions(erin, 2);
  lp.createMergeProposal({ source: erin, target: bzrTrunk, registrant: 'erin', description: 'Backport of the PR 50000 fix, proposed when the code was in bzr.' });

  // Carol's x86_64 LAVA job dies in deploy on every attempt: the lab's fault, not hers; Alice's
  // x86_64 LAVA job dies once and passes when the bot submits it again.
  options.lava?.failNextJobs(3, 'Unable to copy overlay', (m) => m['cbuild-bot.source'] === carol.source && m['cbuild-bot.target'] === 'x86_64');
  options.lava?.failNextJobs(1, 'login-ssh failed: Connection closed', (m) => m['cbuild-bot.source'] === alice.source && m['cbuild-bot.target'] === 'x86_64');

  /** Scripted events, each happening once when its moment comes. */
  const events: { done: boolean; happen: (store: Store) => Promise<string | undefined> }[] = [
    {
      done: false,
      // Dave pushes a new commit while his builds run.
      async happen(store) {
        const request = await currentRequest(store, dave.link);
        const builds = request ? (await store.buildsOfRequests([request.id])).get(request.id) ?? [] : [];
        if (!builds.some((b) => b.state === 'running')) return undefined;
        const commit = lp.pushCommits(dave.repository, dave.ref, 1);
        // The new commit regresses a test, on both backends.
        options.toolchain.regress(commit);
        return `dave pushed ${commit.slice(0, 7)} to ${dave.source} while its builds were running`;
      },
    },
    {
      done: false,
      // Once Bob's results are in, Bob asks for a rebuild (not trusted: ignored) and so does a reviewer (trusted: done).
      async happen(store) {
        const request = await currentRequest(store, bob.link);
        const comments = request ? await store.commentsOfRequests([request.id]) : [];
        if (!comments.some((c) => c.kind === 'results' && c.state === 'posted')) return undefined;
        lp.addComment(bob.link, 'bob', 'That failure cannot be mine.\n\ncbuild-bot: rebuild');
        lp.addComment(bob.link, 'mhope', 'Let us see the a9hf build once more before deciding.\n\ncbuild-bot: rebuild a9hf');
        return 'bob and mhope (linaro-toolchain, trusted) asked for a rebuild of bob\'s proposal in comments';
      },
    },
  ];
  return {
    finished: () => events.every((e) => e.done),
    async step(store) {
      const happened: string[] = [];
      for (const e of events.filter((e) => !e.done)) {
        const what = await e.happen(store);
        if (what) {
          e.done = true;
          happened.push(what);
        }
      }
      return happened.length ? happened.join('\n') : undefined;
    },
  };
}

/** The proposal's latest request, if the bot has seen it. */
async function currentRequest(store: Store, link: string) {
  const proposal = await store.proposalByLink(link);
  return proposal ? store.latestRequestOf(proposal.id) : undefined;
}
