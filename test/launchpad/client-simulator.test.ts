/** LaunchpadClient against the Launchpad simulator, over real HTTP. */
import assert from 'node:assert/strict';
import { LaunchpadAuthError, LaunchpadError } from '../../src/launchpad/client.js';
import type { CodeReviewComment, MergeProposal } from '../../src/launchpad/wire.js';
import { BOT_TOKEN, READ_ONLY_TOKEN, clientFor, credentialsOf, startWorld, type World } from './fixture.js';

describe('LaunchpadClient with the simulator', () => {
  let world: World;

  beforeEach(async () => {
    world = await startWorld(2);
  });

  afterEach(async () => {
    await world.sim.close();
  });

  const gets = () => world.sim.requests.filter((r) => r.method === 'GET');

  describe('getMergeProposals', () => {
    it('lists a project across pages, one request per page', async () => {
      const lp = clientFor(world.root);
      const proposals = await lp.getMergeProposals({ project: 'gcc-linaro' }, ['Needs review', 'Approved']);
      assert.deepEqual(
        proposals.map((p) => p.self_link),
        [...world.intoTrunk.slice(0, 4), world.into46],
      );
      assert.deepEqual(
        proposals.map((p) => p.queue_status),
        ['Needs review', 'Needs review', 'Needs review', 'Approved', 'Needs review'],
      );
      // 5 proposals in pages of 2: exactly 3 requests, the first carrying the JSON-encoded status list.
      assert.equal(world.sim.requests.length, 3);
      assert.equal(world.sim.requests[0].query.status, '["Needs review","Approved"]');
      assert.ok(world.sim.requests.slice(1).every((r) => r.query.memo !== undefined));
    });

    it('gives Launchpad’s default statuses for an empty list: no Merged proposals', async () => {
      const proposals = await clientFor(world.root).getMergeProposals({ project: 'gcc-linaro' }, []);
      assert.equal(proposals.length, 6);
      assert.ok(!proposals.some((p) => p.self_link === world.merged));
      assert.ok(proposals.some((p) => p.queue_status === 'Work in progress'));
    });

    it('lists only the proposals targeting a branch given as lp:project', async () => {
      const lp = clientFor(world.root);
      const proposals = await lp.getMergeProposals({ branch: 'lp:gcc-linaro' }, ['Needs review', 'Merged']);
      assert.deepEqual(
        proposals.map((p) => p.self_link),
        [...world.intoTrunk.slice(0, 3), world.merged],
      );
      assert.equal(world.sim.requests[0].operation, 'getByUrl');
    });

    it('needs no lookup for a unique name or lp:~owner/project/branch', async () => {
      const lp = clientFor(world.root);
      const byName = await lp.getMergeProposals({ branch: world.series46 }, ['Needs review']);
      const byUrl = await lp.getMergeProposals({ branch: `lp:${world.series46}` }, ['Needs review']);
      assert.deepEqual(byName.map((p) => p.self_link), [world.into46]);
      assert.deepEqual(byUrl.map((p) => p.self_link), [world.into46]);
      assert.deepEqual(
        world.sim.requests.map((r) => r.operation),
        ['getMergeProposals', 'getMergeProposals'],
      );
    });

    it('reports an unknown status title with Launchpad’s own message', async () => {
      await assert.rejects(clientFor(world.root).getMergeProposals({ project: 'gcc-linaro' }, ['Needs Review']), (err: unknown) => {
        assert.ok(err instanceof LaunchpadError);
        assert.equal(err.status, 400);
        assert.match(err.message, /status: Invalid value "Needs Review"\. Acceptable values are: Work in progress, Needs review,/);
        return true;
      });
    });

    it('says which project does not exist', async () => {
      await assert.rejects(clientFor(world.root).getMergeProposals({ project: 'gcc-linaro-typo' }, []), (err: unknown) => {
        assert.ok(err instanceof LaunchpadError);
        assert.equal(err.status, 404);
        assert.match(err.message, /GET http:\/\/127\.0\.0\.1:\d+\/1\.0\/gcc-linaro-typo\?ws\.op=getMergeProposals/);
        return true;
      });
    });
  });

  describe('resolveBranch', () => {
    it('resolves the three lp: forms to the branch entry', async () => {
      const lp = clientFor(world.root);
      assert.equal((await lp.resolveBranch('lp:gcc-linaro')).unique_name, world.trunk);
      assert.equal((await lp.resolveBranch('lp:gcc-linaro/4.6')).unique_name, world.series46);
      const fix = await lp.resolveBranch('lp:~alice/gcc-linaro/fix-2');
      assert.equal(fix.bzr_identity, 'lp:~alice/gcc-linaro/fix-2');
      assert.equal(fix.revision_count, 3);
      assert.match(fix.last_scanned_id ?? '', /^alice@example\.com-\d{14}-[0-9a-f]{16}$/);
    });

    it('fails with a clear message when Launchpad knows no such branch', async () => {
      await assert.rejects(clientFor(world.root).resolveBranch('lp:gcc-linaro/9.9'), /Launchpad has no branch at lp:gcc-linaro\/9\.9/);
    });
  });

  describe('getEntry', () => {
    it('answers notModified for an unchanged entry, and the new entry after a push', async () => {
      const lp = clientFor(world.root);
      const mpLink = world.intoTrunk[0];
      const first = await lp.getEntry<MergeProposal>(mpLink);
      assert.ok('entry' in first);
      assert.equal(first.etag, first.entry.http_etag);
      assert.match(first.etag, /^"[0-9a-f]{40}-[0-9a-f]{40}"$/);

      assert.deepEqual(await lp.getEntry<MergeProposal>(mpLink, first.etag), { notModified: true });
      assert.equal(world.sim.requests[1].status, 304);

      const sourceLink = first.entry.source_branch_link!;
      const branchBefore = await lp.getEntry(sourceLink);
      assert.ok('entry' in branchBefore);
      const tip = world.sim.pushRevisions('~alice/gcc-linaro/fix-0', 2);
      assert.equal(tip.revno, 3);

      const after = await lp.getEntry<MergeProposal>(mpLink, first.etag);
      assert.ok('entry' in after, 'a push regenerates the preview diff, so the proposal changed');
      assert.notEqual(after.etag, first.etag);
      assert.notEqual(after.entry.preview_diff_link, first.entry.preview_diff_link);
      const diff = await lp.getEntry<{ source_revision_id: string } & MergeProposal>(after.entry.preview_diff_link!);
      assert.ok('entry' in diff);
      assert.equal(diff.entry.source_revision_id, tip.revisionId);

      const branchAfter = await lp.getEntry(sourceLink, branchBefore.etag);
      assert.ok('entry' in branchAfter);
      assert.equal((branchAfter.entry as unknown as { last_scanned_id: string }).last_scanned_id, tip.revisionId);
    });

    it('fails with 404 for a proposal that does not exist', async () => {
      const missing = world.intoTrunk[0].replace(/\d+$/, '999999');
      await assert.rejects(clientFor(world.root).getEntry(missing), (err: unknown) => err instanceof LaunchpadError && err.status === 404);
    });
  });

  describe('comments', () => {
    it('returns all pages of all_comments sorted oldest first, whatever order Launchpad sends', async () => {
      const mpLink = world.intoTrunk[1];
      const texts = ['one', 'two', 'three', 'four', 'five'];
      for (const content of texts) world.sim.addComment(mpLink, 'alice', content);
      const lp = clientFor(world.root);
      const comments = await lp.getComments(mpLink);
      assert.deepEqual(
        comments.map((c) => c.content),
        texts,
      );
      assert.equal(gets().length, 3, 'five comments in pages of two');

      // The simulator really does shuffle, like Launchpad's unordered query.
      const raw = (await (await fetch(`${mpLink}/all_comments?ws.size=10`)).json()) as { entries: CodeReviewComment[] };
      assert.notDeepEqual(
        raw.entries.map((c) => c.content),
        texts,
      );
    });

    it('posts text with newlines, quotes, non-ASCII and JSON look-alikes unchanged', async () => {
      const lp = clientFor(world.root, credentialsOf(BOT_TOKEN));
      const mpLink = world.intoTrunk[2];
      const contents = [
        'cbuild has taken a snapshot of this branch at r3 and queued it for build.\n\nLine "two" – naïve café ✓\n',
        'null',
        '"quoted"',
        '[1]',
        'tab\there & ampersand + plus = equals %20',
      ];
      const links: string[] = [];
      for (const content of contents) links.push(await lp.createComment(mpLink, { subject: 'Re: [Merge] cbuild résumé', content }));

      const stored = world.sim.commentsOf(mpLink);
      assert.deepEqual(
        stored.map((c) => c.content),
        contents,
      );
      assert.ok(stored.every((c) => c.author === 'cbuild' && c.subject === 'Re: [Merge] cbuild résumé'));
      const read = await lp.getComments(mpLink);
      assert.deepEqual(
        read.map((c) => [c.self_link, c.content, c.message_body]),
        links.map((link, i) => [link, contents[i], contents[i]]),
      );
      assert.equal(read[0].author_link, `${world.root}1.0/~cbuild`);
      assert.equal(read[0].title, 'Comment on proposed merge of lp:~alice/gcc-linaro/fix-2 into lp:gcc-linaro');
    });

    it('records a vote with its review type', async () => {
      const lp = clientFor(world.root, credentialsOf(BOT_TOKEN));
      const link = await lp.createComment(world.intoTrunk[0], { subject: '', content: 'Builds fine.', vote: 'Approve', reviewType: 'cbuild' });
      const got = await lp.getEntry<CodeReviewComment>(link);
      assert.ok('entry' in got);
      assert.equal(got.entry.vote, 'Approve');
      assert.equal(got.entry.vote_tag, 'cbuild');
    });
  });

  describe('OAuth', () => {
    it('rejects an unknown token without printing it', async () => {
      const unknown = { ...BOT_TOKEN, tokenKey: 'Zz9ZUnknownTokenKey1', tokenSecret: 'Zz9ZUnknownSecret' };
      const lp = clientFor(world.root, credentialsOf(unknown));
      await assert.rejects(lp.getMergeProposals({ project: 'gcc-linaro' }, []), (err: unknown) => {
        assert.ok(err instanceof LaunchpadAuthError);
        assert.equal(err.status, 401);
        assert.match(err.message, /^Launchpad rejected the OAuth credentials: Unknown access token \(\*\*\*\)\./);
        assert.ok(!err.message.includes(unknown.tokenKey) && !err.serverMessage.includes(unknown.tokenKey));
        return true;
      });
    });

    it('rejects a wrong secret as an invalid signature', async () => {
      const lp = clientFor(world.root, credentialsOf({ ...BOT_TOKEN, tokenSecret: 'not-the-secret-at-all' }));
      await assert.rejects(lp.getEntry(world.into46), (err: unknown) => {
        assert.ok(err instanceof LaunchpadAuthError);
        assert.match(err.message, /Invalid signature\./);
        assert.ok(!err.message.includes('not-the-secret-at-all'));
        return true;
      });
    });

    it('reads as the token’s person and comments as that person', async () => {
      const lp = clientFor(world.root, credentialsOf(BOT_TOKEN));
      assert.equal(lp.canWrite, true);
      await lp.getEntry(world.into46);
      await lp.createComment(world.into46, { subject: 's', content: 'c' });
      assert.deepEqual(
        world.sim.requests.map((r) => [r.method, r.authorized, r.status]),
        [
          ['GET', 'cbuild', 200],
          ['POST', 'cbuild', 201],
        ],
      );
    });

    it('refuses anonymous writes with a hint that credentials are missing', async () => {
      const lp = clientFor(world.root);
      assert.equal(lp.canWrite, false);
      await assert.rejects(lp.createComment(world.into46, { subject: 's', content: 'c' }), (err: unknown) => {
        assert.ok(err instanceof LaunchpadAuthError);
        assert.match(err.message, /^Launchpad refused POST \S+: no credentials were given, and anonymous access is read-only: \(<.*>, 'createComment', 'launchpad\.AnyPerson'\)$/);
        return true;
      });
      assert.deepEqual(world.sim.commentsOf(world.into46), []);
    });

    it('refuses writes with a read-only token', async () => {
      const lp = clientFor(world.root, credentialsOf(READ_ONLY_TOKEN));
      await assert.rejects(lp.createComment(world.into46, { subject: 's', content: 'c' }), (err: unknown) => {
        assert.ok(err instanceof LaunchpadAuthError);
        assert.match(err.message, /the token lacks permission \(writing needs WRITE_PUBLIC\)/);
        return true;
      });
      assert.deepEqual(world.sim.commentsOf(world.into46), []);
    });
  });

  describe('inTeam', () => {
    it('knows direct, indirect and non-members, and the team itself', async () => {
      const lp = clientFor(world.root);
      const person = (name: string) => `${world.root}1.0/~${name}`;
      assert.equal(await lp.inTeam(person('alice'), 'linaro-toolchain'), true);
      assert.equal(await lp.inTeam(person('bob'), 'linaro-toolchain'), true, 'bob is in a sub-team');
      assert.equal(await lp.inTeam(person('carol'), 'linaro-toolchain'), false);
      assert.equal(await lp.inTeam(person('linaro-toolchain'), 'linaro-toolchain'), true);
      assert.equal(await lp.inTeam(person('alice'), 'linaro-toolchain-dev'), false);
    });

    it('fails for a team that does not exist', async () => {
      await assert.rejects(clientFor(world.root).inTeam(`${world.root}1.0/~alice`, 'no-such-team'), (err: unknown) => {
        return err instanceof LaunchpadError && err.status === 404;
      });
    });
  });
});
