/**
 * The sandbox's story on lp:gcc-linaro: a trunk and four proposals, each
 * showing one thing a reviewer should see — a clean pass, a build broken by
 * the change (and a reviewer asking for a rebuild in a comment, while the
 * author's own command is ignored), a LAVA infrastructure failure that is
 * retried and not the change's fault, and a proposal that gets a new revision
 * while its builds run.
 */
import type { LaunchpadSimulator } from '../launchpad/simulator.js';
import type { LavaSimulator } from '../lava/simulator.js';
import type { Store } from '../store/store.js';
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
    ['alice', 'Alice Arm'], ['bob', 'Bob Builder'], ['carol', 'Carol Compiler'], ['dave', 'Dave Scheduler'], ['mhope', 'Michael Hope'],
  ]) lp.addPerson(name, display);
  // The bot's account is in the team that owns the branches, as in production: it may register webhooks on them.
  lp.addTeam('linaro-toolchain', 'Linaro Toolchain Working Group', ['mhope', options.botPerson]);
  lp.addProject('gcc-linaro', 'Linaro GCC');
  const trunk = lp.addBranch({ owner: 'linaro-toolchain', project: 'gcc-linaro', name: '4.8', developmentFocus: true });
  lp.pushRevisions(trunk, 6);

  const propose = (owner: string, name: string, revisions: number, description: string, status: 'Needs review' | 'Work in progress' = 'Needs review') => {
    const branch = lp.addBranch({ owner, project: 'gcc-linaro', name });
    lp.pushRevisions(branch, revisions);
    return { branch, link: lp.createMergeProposal({ source: branch, target: trunk, registrant: owner, status, description }) };
  };
  propose('alice', 'neon-vectorize', 3, 'Vectorize more loops with NEON; fixes vect-42 execution.');
  const bob = propose('bob', 'pr54321-fix', 2, 'Fix PR target/54321 in the ARM prologue.');
  const carol = propose('carol', 'lto-streaming', 1, 'Stream fewer LTO sections — «faster» links.', 'Work in progress');
  const dave = propose('dave', 'sched-pressure', 1, 'Register-pressure aware scheduling, first cut.');

  // Carol's x86_64 LAVA job dies in deploy on every attempt: the lab's fault, not hers; her a9hf
  // LAVA job dies once and passes when the bot submits it again.
  options.lava?.failNextJobs(3, 'Unable to copy overlay', (m) => m['cbuild-bot.source'] === `lp:${carol.branch}` && m['cbuild-bot.target'] === 'x86_64');
  options.lava?.failNextJobs(1, 'login-ssh failed: Connection closed', (m) => m['cbuild-bot.source'] === `lp:${carol.branch}` && m['cbuild-bot.target'] === 'a9hf');

  /** Scripted events, each happening once when its moment comes. */
  const events: { done: boolean; happen: (store: Store) => Promise<string | undefined> }[] = [
    {
      done: false,
      // Dave pushes a new revision while his builds run.
      async happen(store) {
        const request = await currentRequest(store, dave.link);
        const builds = request ? (await store.buildsOfRequests([request.id])).get(request.id) ?? [] : [];
        if (!builds.some((b) => b.state === 'running')) return undefined;
        const tip = lp.pushRevisions(dave.branch, 1);
        // The new revision regresses a test, on both backends.
        options.toolchain.regress(tip.revisionId);
        return `dave pushed revision ${tip.revno} to lp:${dave.branch} while its builds were running`;
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
