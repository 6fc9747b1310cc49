// The simulated Launchpad of bench-poll.mjs, in a process of its own so
// that the bot's CPU is measured alone. Commands arrive as JSON lines on stdin; each gets one JSON
// line on stdout.
//   {"cmd": "launchpad", "proposals": N, "latencyMs": 20}   → {"root": URL}
//   {"cmd": "push", "count": K}        → pushes a revision to the first K proposals' sources
//   {"cmd": "requests"}                → {"requests": total served so far}
// bench-latency.mjs drives its own simulators in-process instead (it measures time, not CPU).
import { createInterface } from 'node:readline';
import { LaunchpadSimulator } from '../dist/src/launchpad/simulator.js';

let lp;
const sources = [];

async function handle(message) {
  switch (message.cmd) {
    case 'launchpad': {
      lp = new LaunchpadSimulator({ latencyMs: message.latencyMs ?? 0 });
      const root = await lp.start();
      lp.addPerson('linaro-toolchain', 'Linaro toolchain');
      lp.addPerson('dev', 'Developer');
      lp.addProject('gcc-linaro', 'Linaro GCC');
      const trunk = lp.addBranch({ owner: 'linaro-toolchain', project: 'gcc-linaro', name: 'trunk', developmentFocus: true });
      lp.pushRevisions(trunk, 3);
      for (let i = 0; i < message.proposals; i++) {
        const branch = lp.addBranch({ owner: 'dev', project: 'gcc-linaro', name: `topic-${i}` });
        lp.pushRevisions(branch, 1);
        lp.createMergeProposal({ source: branch, target: trunk, registrant: 'dev' });
        sources.push(branch);
      }
      lp.registerToken({ consumerKey: 'cbuild-bot', tokenKey: 'BenchTokenKey0123456', tokenSecret: 'b'.repeat(80), person: 'linaro-toolchain', permission: 'WRITE_PUBLIC' });
      return { root };
    }
    case 'push':
      for (const branch of sources.slice(0, message.count)) lp.pushRevisions(branch, 1);
      return { pushed: Math.min(message.count, sources.length) };
    case 'requests':
      return { requests: lp.requests.length };
    default:
      throw new Error(`unknown command ${message.cmd}`);
  }
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  handle(JSON.parse(line)).then(
    (answer) => process.stdout.write(JSON.stringify(answer) + '\n'),
    (err) => process.stdout.write(JSON.stringify({ error: String(err?.stack ?? err) }) + '\n'),
  );
});
lines.on('close', () => process.exit(0));
