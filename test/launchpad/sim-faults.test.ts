/** The Launchpad simulator's fault knobs (sim-faults.ts), through LaunchpadClient over real HTTP. */
import assert from 'node:assert/strict';
import { HttpClient, HttpError } from '../../src/http/client.js';
import { LaunchpadClient } from '../../src/launchpad/client.js';
import { BOT_TOKEN, credentialsOf, startWorld, type World } from './fixture.js';

describe('Launchpad simulator: fault knobs', () => {
  let world: World;
  beforeEach(async () => {
    world = await startWorld(2);
  });
  afterEach(async () => {
    await world.sim.close();
  });

  /** A client that gives up on an answer after `timeoutMs`, and never repeats a POST. */
  const impatient = (timeoutMs: number) =>
    new LaunchpadClient({ serviceRoot: world.root, credentials: credentialsOf(BOT_TOKEN), pageSize: 2, http: new HttpClient({ retries: 0, timeoutMs }) });

  it('carries a POST out after completeAfterMs although the client gave up, and answers it late', async () => {
    const [mp] = world.intoTrunk;
    world.sim.faults.slow({ operation: 'createComment', completeAfterMs: 300, answer: 'late', answerAfterMs: 300, times: 1 });
    await assert.rejects(impatient(100).createComment(mp, { subject: 's', content: 'late one' }), (err) => err instanceof HttpError && err.code === 'ETIMEDOUT');
    assert.equal(world.sim.commentsOf(mp).length, 0, 'not carried out yet');
    assert.equal(world.sim.faults.inFlight, 1);
    await world.sim.faults.settled();
    assert.deepEqual(world.sim.commentsOf(mp).map((c) => c.content), ['late one']);
    // times: 1 — the next one is served as usual.
    await impatient(1000).createComment(mp, { subject: 's', content: 'on time' });
    assert.equal(world.sim.commentsOf(mp).length, 2);
  });

  it('closes the connection without an answer after carrying the request out (answer: drop)', async () => {
    const [mp] = world.intoTrunk;
    world.sim.faults.slow({ operation: 'createComment', answer: 'drop', times: 1 });
    await assert.rejects(impatient(5000).createComment(mp, { subject: 's', content: 'dropped' }), (err) => err instanceof HttpError && err.code === 'ECONNRESET');
    assert.deepEqual(world.sim.commentsOf(mp).map((c) => c.content), ['dropped']);
    assert.equal(world.sim.requests.at(-1)!.status, 0, 'recorded as unanswered');
  });

  it('calls the page hook before each page after the first, so the listing can shift under the client', async () => {
    const pages: number[] = [];
    world.sim.faults.betweenPages(({ start }) => {
      pages.push(start);
      if (start === 2) world.sim.setStatus(world.intoTrunk[0], 'Merged');
    });
    const listed = await impatient(5000).getMergeProposals({ project: 'gcc-linaro' }, ['Needs review']);
    assert.deepEqual(pages, [2]);
    // Page 1 held fix-0 and fix-1; once fix-0 left, fix-2 moved up to page 1 and the client never saw it.
    assert.deepEqual(listed.map((p) => p.self_link), [world.intoTrunk[0], world.intoTrunk[1], world.into46]);
  });
});
