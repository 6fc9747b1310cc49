/**
 * The sandbox's story on lp:gcc-linaro: a trunk and four proposals, each
 * showing one thing a reviewer should see — a clean pass, a build broken by
 * the change, a LAVA infrastructure failure that is not the change's fault,
 * and a proposal that gets a new revision while its builds run.
 */
import type { LaunchpadSimulator } from '../launchpad/simulator.js';
import type { LavaSimulator } from '../lava/simulator.js';
import type { Store } from '../store/store.js';

export interface SeededScenario {
  /** Advances the story after a bot cycle; returns what happened, if anything. */
  step(store: Store): Promise<string | undefined>;
  /** True once every scripted event has happened. */
  finished(): boolean;
}

export function seedGccLinaro(lp: LaunchpadSimulator, options: { botPerson: string; lava?: LavaSimulator }): SeededScenario {
  lp.addPerson(options.botPerson, 'Linaro CBuild bot');
  for (const [name, display] of [
    ['alice', 'Alice Arm'], ['bob', 'Bob Builder'], ['carol', 'Carol Compiler'], ['dave', 'Dave Scheduler'], ['mhope', 'Michael Hope'],
  ]) lp.addPerson(name, display);
  lp.addTeam('linaro-toolchain', 'Linaro Toolchain Working Group', ['mhope']);
  lp.addProject('gcc-linaro', 'Linaro GCC');
  const trunk = lp.addBranch({ owner: 'linaro-toolchain', project: 'gcc-linaro', name: '4.8', developmentFocus: true });
  lp.pushRevisions(trunk, 6);

  const propose = (owner: string, name: string, revisions: number, description: string, status: 'Needs review' | 'Work in progress' = 'Needs review') => {
    const branch = lp.addBranch({ owner, project: 'gcc-linaro', name });
    lp.pushRevisions(branch, revisions);
    return { branch, link: lp.createMergeProposal({ source: branch, target: trunk, registrant: owner, status, description }) };
  };
  propose('alice', 'neon-vectorize', 3, 'Vectorize more loops with NEON; fixes vect-42 execution.');
  propose('bob', 'pr54321-fix', 2, 'Fix PR target/54321 in the ARM prologue.');
  const carol = propose('carol', 'lto-streaming', 1, 'Stream fewer LTO sections — «faster» links.', 'Work in progress');
  const dave = propose('dave', 'sched-pressure', 1, 'Register-pressure aware scheduling, first cut.');

  // Carol's x86_64 LAVA job dies in deploy on every attempt: the lab's fault, not hers; her a9hf
  // LAVA job dies once and passes when the bot submits it again.
  options.lava?.failNextJobs(3, 'Unable to copy overlay', (m) => m['cbuild-bot.branch'] === `lp:${carol.branch}` && m['cbuild-bot.target'] === 'x86_64');
  options.lava?.failNextJobs(1, 'login-ssh failed: Connection closed', (m) => m['cbuild-bot.branch'] === `lp:${carol.branch}` && m['cbuild-bot.target'] === 'a9hf');

  let pushed = false;
  return {
    finished: () => pushed,
    async step(store) {
      if (pushed) return undefined;
      const proposal = await store.proposalByLink(dave.link);
      if (!proposal) return undefined;
      const [request] = await store.requestsOfProposals([proposal.id]);
      const builds = request ? (await store.buildsOfRequests([request.id])).get(request.id) ?? [] : [];
      if (!builds.some((b) => b.state === 'running')) return undefined;
      const tip = lp.pushRevisions(dave.branch, 1);
      pushed = true;
      return `dave pushed revision ${tip.revno} to lp:${dave.branch} while its builds were running`;
    },
  };
}
