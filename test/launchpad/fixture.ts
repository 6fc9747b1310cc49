/** A small gcc-linaro world in the Launchpad simulator, shared by the launchpad tests. */
import { HttpClient } from '../../src/http/client.js';
import { LaunchpadClient } from '../../src/launchpad/client.js';
import type { LaunchpadCredentials } from '../../src/launchpad/credentials.js';
import { LaunchpadSimulator, type TokenSpec } from '../../src/launchpad/simulator.js';

/** Shaped like real tokens: 20-character key, 80-character secret. */
export const BOT_TOKEN: TokenSpec = {
  consumerKey: 'cbuild-bot',
  tokenKey: 'Qm7XcT2vLw9RbH4kZp1N',
  tokenSecret: 'hV3sK8dQ2mWz7TcL5rPx9BnF4gJ6yD1kS3vH8qM2wZ7cT5rL9pX4bN6fG1jY3dK8sV2hQ7mW5zC9tR4l',
  person: 'cbuild',
  permission: 'WRITE_PUBLIC',
};

export const READ_ONLY_TOKEN: TokenSpec = {
  consumerKey: 'cbuild-bot',
  tokenKey: 'Rd0nLyTk3nXcT2vLw9Rb',
  tokenSecret: 'rEaDoNlYsEcReTk8dQ2mWz7TcL5rPx9BnF4gJ6yD1kS3vH8qM2wZ7cT5rL9pX4bN6fG1jY3dK8sV2hQ7m',
  person: 'cbuild',
  permission: 'READ_PUBLIC',
};

export function credentialsOf(token: TokenSpec): LaunchpadCredentials {
  return { consumerKey: token.consumerKey, consumerSecret: '', accessToken: token.tokenKey, accessSecret: token.tokenSecret };
}

export interface World {
  sim: LaunchpadSimulator;
  root: string;
  /** `~linaro-toolchain/gcc-linaro/4.7`, the development focus (`lp:gcc-linaro`). */
  trunk: string;
  /** `~linaro-toolchain/gcc-linaro/4.6`, series 4.6 (`lp:gcc-linaro/4.6`). */
  series46: string;
  /** Five proposals into trunk from alice's fix-0 … fix-4, in creation order: Needs review ×3, Approved, Work in progress. */
  intoTrunk: string[];
  /** Needs review, into 4.6. */
  into46: string;
  /** Merged, into trunk. */
  merged: string;
}

/** Starts a simulator (pages of `batchSize`) seeded with the world above. */
export async function startWorld(batchSize = 2): Promise<World> {
  const sim = new LaunchpadSimulator({ defaultBatchSize: batchSize });
  const root = await sim.start();
  sim.addPerson('alice', 'Alice Ærø');
  sim.addPerson('bob', 'Bob');
  sim.addPerson('carol', 'Carol');
  sim.addPerson('cbuild', 'Linaro CBuild');
  sim.addTeam('linaro-toolchain-dev', 'Linaro Toolchain Developers', ['bob']);
  sim.addTeam('linaro-toolchain', 'Linaro Toolchain', ['alice', 'linaro-toolchain-dev']);
  sim.addProject('gcc-linaro', 'GCC Linaro');
  const trunk = sim.addBranch({ owner: 'linaro-toolchain', project: 'gcc-linaro', name: '4.7', series: '4.7', developmentFocus: true });
  const series46 = sim.addBranch({ owner: 'linaro-toolchain', project: 'gcc-linaro', name: '4.6', series: '4.6' });
  sim.pushRevisions(trunk, 120);
  sim.pushRevisions(series46, 80);
  const statuses = ['Needs review', 'Needs review', 'Needs review', 'Approved', 'Work in progress'] as const;
  const intoTrunk = statuses.map((status, i) => {
    const source = sim.addBranch({ owner: 'alice', project: 'gcc-linaro', name: `fix-${i}` });
    sim.pushRevisions(source, i + 1);
    return sim.createMergeProposal({ source, target: trunk, registrant: 'alice', status, description: `Fix number ${i}` });
  });
  const backport = sim.addBranch({ owner: 'bob', project: 'gcc-linaro', name: 'backport' });
  sim.pushRevisions(backport, 2);
  const into46 = sim.createMergeProposal({ source: backport, target: series46, registrant: 'bob' });
  const old = sim.addBranch({ owner: 'bob', project: 'gcc-linaro', name: 'old-work' });
  sim.pushRevisions(old);
  const merged = sim.createMergeProposal({ source: old, target: trunk, registrant: 'bob', status: 'Merged' });
  sim.registerToken(BOT_TOKEN);
  sim.registerToken(READ_ONLY_TOKEN);
  sim.clearRequests();
  return { sim, root, trunk, series46, intoTrunk, into46, merged };
}

/** A client on the project's HttpClient with quick retries, asking for pages of `pageSize` (the world's 2). */
export function clientFor(root: string, credentials?: LaunchpadCredentials, pageSize = 2): LaunchpadClient {
  return new LaunchpadClient({ serviceRoot: root, credentials, pageSize, http: new HttpClient({ retries: 2, minDelayMs: 5, maxDelayMs: 50 }) });
}
