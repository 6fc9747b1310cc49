/** The Launchpad simulator's HTTP surface, spoken to directly (fetch), checked against launchpad.md and the 1.0 WADL. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { plaintextAuthorization } from '../../src/launchpad/oauth.js';
import { BOT_TOKEN, credentialsOf, startWorld, type World } from './fixture.js';

const WADL = gunzipSync(readFileSync(fileURLToPath(new URL('../../../src/launchpad/launchpad-1.0.wadl.gz', import.meta.url)))).toString('utf8');

/** The field names of one WADL representation, e.g. `branch_merge_proposal-full`. */
function wadlFields(id: string): string[] {
  const start = WADL.indexOf(`id="${id}"`);
  assert.ok(start > 0, `${id} is in the WADL`);
  const block = WADL.slice(start, WADL.indexOf('</wadl:representation>', start));
  return [...block.matchAll(/<wadl:param style="plain"[^>]*name="([^"]+)"/g)].map((m) => m[1]).sort();
}

const botAuth = () => plaintextAuthorization(credentialsOf(BOT_TOKEN));

describe('Launchpad simulator HTTP surface', () => {
  let world: World;
  let api: string;

  beforeEach(async () => {
    world = await startWorld(2);
    api = `${world.root}1.0/`;
  });

  afterEach(async () => {
    await world.sim.close();
  });

  async function getJson(url: string, init?: RequestInit): Promise<Record<string, unknown>> {
    const res = await fetch(url, init);
    assert.equal(res.status, 200, `${url}: ${res.status} ${await res.clone().text()}`);
    return (await res.json()) as Record<string, unknown>;
  }

  function post(url: string, form: Record<string, string>, authorization: string | null = botAuth()): Promise<Response> {
    const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded' };
    if (authorization) headers.Authorization = authorization;
    return fetch(url, { method: 'POST', headers, body: new URLSearchParams(form).toString() });
  }

  async function expectText(res: Response | Promise<Response>, status: number, body: string | RegExp): Promise<Response> {
    const r = await res;
    const text = await r.text();
    assert.equal(r.status, status, text);
    if (typeof body === 'string') assert.equal(text, body);
    else assert.match(text, body);
    return r;
  }

  describe('service root', () => {
    it('serves JSON with a resource_type_link under its own root', async () => {
      const res = await fetch(api);
      assert.equal(res.headers.get('vary'), 'Accept');
      const root = (await res.json()) as Record<string, string>;
      assert.equal(root.resource_type_link, `${api}#service-root`);
      assert.equal(root.projects_collection_link, `${api}projects`);
      assert.equal(root.branches_collection_link, `${api}branches`);
      assert.deepEqual(Object.keys(root).sort(), wadlFields('service-root-json'));
    });

    it('serves the production WADL rewritten to its own root', async () => {
      const res = await fetch(api, { headers: { Accept: 'application/vnd.sun.wadl+xml' } });
      assert.equal(res.headers.get('content-type'), 'application/vnd.sun.wadl+xml');
      const wadl = await res.text();
      assert.ok(!wadl.includes('https://api.launchpad.net/1.0/'));
      assert.ok(wadl.includes(`<wadl:resources base="${api}">`));
      assert.ok(wadl.includes(`resource_type="${api}#branch_merge_proposal"`));
    });

    it('knows only version 1.0', async () => {
      await expectText(fetch(`${world.root}2.0/gcc-linaro`), 404, /Object: /);
      await expectText(fetch(`${world.root}gcc-linaro`), 404, /Object: /);
    });
  });

  describe('entries', () => {
    it('carry exactly the 1.0 WADL fields of their type', async () => {
      const mp = await getJson(world.intoTrunk[0]);
      assert.deepEqual(Object.keys(mp).sort(), wadlFields('branch_merge_proposal-full'));
      assert.deepEqual(Object.keys(await getJson(mp.source_branch_link as string)).sort(), wadlFields('branch-full'));
      assert.deepEqual(Object.keys(await getJson(mp.preview_diff_link as string)).sort(), wadlFields('preview_diff-full'));
      assert.deepEqual(Object.keys(await getJson(`${api}~alice`)).sort(), wadlFields('person-full'));
      assert.deepEqual(Object.keys(await getJson(`${api}~linaro-toolchain`)).sort(), wadlFields('team-full'));
      assert.deepEqual(Object.keys(await getJson(`${api}gcc-linaro`)).sort(), wadlFields('project-full'));
      const comment = world.sim.addComment(world.intoTrunk[0], 'bob', 'Looks good', 'Approve');
      assert.deepEqual(Object.keys(await getJson(comment)).sort(), wadlFields('code_review_comment-full'));
    });

    it('look like Launchpad’s: links, titles, dates with +00:00, ETag header', async () => {
      const res = await fetch(world.intoTrunk[3]);
      const mp = (await res.json()) as Record<string, unknown>;
      const id = world.intoTrunk[3].split('/').pop();
      assert.equal(res.headers.get('etag'), mp.http_etag);
      assert.equal(mp.resource_type_link, `${api}#branch_merge_proposal`);
      assert.equal(mp.web_link, `${world.root}~alice/gcc-linaro/fix-3/+merge/${id}`);
      assert.equal(mp.address, `mp+${id}@code.launchpad.net`);
      assert.equal(mp.queue_status, 'Approved');
      assert.equal(mp.registrant_link, `${api}~alice`);
      assert.equal(mp.target_branch_link, `${api}${world.trunk}`);
      assert.equal(mp.all_comments_collection_link, `${world.intoTrunk[3]}/all_comments`);
      assert.equal(mp.source_git_repository_link, null);
      assert.match(mp.date_created as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00$/);
      const trunk = await getJson(`${api}${world.trunk}`);
      assert.equal(trunk.bzr_identity, 'lp:gcc-linaro');
      assert.equal(trunk.display_name, 'lp:gcc-linaro');
      assert.equal(trunk.revision_count, 120);
      assert.equal((await getJson(`${api}${world.series46}`)).bzr_identity, 'lp:gcc-linaro/4.6');
      const diff = await getJson(mp.preview_diff_link as string);
      assert.equal(diff.title, 'r4 into r120');
      assert.equal(diff.stale, false);
    });

    it('answer If-None-Match with 304 and an empty body, -gzip variants included', async () => {
      const etag = (await fetch(world.into46)).headers.get('etag')!;
      for (const tag of [etag, etag.replace(/"$/, '-gzip"'), `"other", ${etag}`]) {
        const res = await fetch(world.into46, { headers: { 'If-None-Match': tag } });
        assert.equal(res.status, 304, tag);
        assert.equal(await res.text(), '');
      }
      assert.equal((await fetch(world.into46, { headers: { 'If-None-Match': '"stale-etag"' } })).status, 200);
    });

    it('keep non-ASCII text intact, escaped as Python’s json.dumps does', async () => {
      const link = world.sim.addComment(world.into46, 'alice', 'Ærø ✓ 😀');
      const raw = await (await fetch(link)).text();
      assert.ok(raw.includes('\\u00c6r\\u00f8 \\u2713 \\ud83d\\ude00'));
      assert.equal(JSON.parse(raw).content, 'Ærø ✓ 😀');
      assert.match(JSON.parse(raw).title as string, /^Comment on proposed merge of lp:~bob\/gcc-linaro\/backport into lp:gcc-linaro\/4\.6$/);
    });

    it('404 for unknown objects and paths', async () => {
      await expectText(fetch(`${api}~nobody`), 404, /Object: /);
      await expectText(fetch(`${api}~alice/gcc-linaro/no-branch`), 404, /Object: /);
      await expectText(fetch(`${world.into46}/comments/1`), 404, /Object: /);
      await expectText(fetch(world.intoTrunk[0].replace('fix-0', 'fix-1')), 404, /Object: /);
    });
  });

  describe('getMergeProposals and paging', () => {
    const op = (status?: string) => `${api}gcc-linaro?ws.op=getMergeProposals${status === undefined ? '' : `&status=${encodeURIComponent(status)}`}&ws.size=10`;
    const statusesOf = async (url: string) =>
      ((await getJson(url)).entries as { queue_status: string }[]).map((e) => e.queue_status).sort();

    it('accepts status as a JSON list, a JSON string, a bare title or repeated keys', async () => {
      assert.deepEqual(await statusesOf(op('["Approved", "Work in progress"]')), ['Approved', 'Work in progress']);
      assert.deepEqual(await statusesOf(op('"Approved"')), ['Approved']);
      assert.deepEqual(await statusesOf(op('Approved')), ['Approved']);
      assert.deepEqual(await statusesOf(`${op('Approved')}&status=Merged`), ['Approved', 'Merged']);
      assert.deepEqual(await statusesOf(op()), ['Approved', 'Needs review', 'Needs review', 'Needs review', 'Needs review', 'Work in progress']);
      assert.deepEqual(await statusesOf(op('[]')), await statusesOf(op()));
    });

    it('answers an unknown title with 400 and the acceptable values', async () => {
      await expectText(
        fetch(op('["Approved", "Landed"]')),
        400,
        'status: Invalid value "Landed". Acceptable values are: Work in progress, Needs review, Approved, Rejected, Merged, Code failed to merge, Queued, Superseded',
      );
    });

    it('pages with start, total_size and opaque next/prev links; no resource_type_link on operation results', async () => {
      const first = await getJson(`${api}gcc-linaro?ws.op=getMergeProposals&status=%22Needs+review%22`);
      assert.deepEqual(Object.keys(first), ['total_size', 'start', 'next_collection_link', 'entries']);
      assert.equal(first.total_size, 4);
      assert.equal((first.entries as unknown[]).length, 2);
      const next = new URL(first.next_collection_link as string);
      assert.equal(next.searchParams.get('ws.start'), '2');
      assert.equal(next.searchParams.get('memo'), '2');
      assert.equal(next.searchParams.get('status'), '"Needs review"');
      const second = await getJson(next.toString());
      assert.equal(second.start, 2);
      assert.equal(second.next_collection_link, undefined);
      assert.ok(typeof second.prev_collection_link === 'string');
    });

    it('puts resource_type_link on scoped collections, and limits ws.size to 300', async () => {
      const candidates = await getJson(`${api}${world.trunk}/landing_candidates?ws.size=300`);
      assert.equal(candidates.resource_type_link, `${api}#branch_merge_proposal-page-resource`);
      assert.equal(candidates.total_size, 5, 'non-final proposals only');
      await expectText(fetch(`${api}${world.trunk}/landing_candidates?ws.size=301`), 400, 'Maximum for "ws.size" parameter is 300.');
    });

    it('lists team members and participants', async () => {
      const names = async (url: string) => ((await getJson(url)).entries as { name: string }[]).map((e) => e.name);
      assert.deepEqual(await names(`${api}~linaro-toolchain/members`), ['alice', 'linaro-toolchain-dev']);
      assert.deepEqual(await names(`${api}~linaro-toolchain/participants?ws.size=5`), ['alice', 'bob', 'linaro-toolchain-dev']);
    });

    it('resolves branches.getByUrl, null when unknown', async () => {
      const byUrl = (url: string) => getJson(`${api}branches?ws.op=getByUrl&url=${encodeURIComponent(JSON.stringify(url))}`);
      assert.equal((await byUrl('lp:gcc-linaro')).unique_name, world.trunk);
      assert.equal((await byUrl('lp:gcc-linaro/4.6')).unique_name, world.series46);
      assert.equal((await byUrl('lp:~alice/gcc-linaro/fix-1')).unique_name, '~alice/gcc-linaro/fix-1');
      assert.equal((await byUrl('bzr+ssh://bazaar.launchpad.net/~alice/gcc-linaro/fix-1')).unique_name, '~alice/gcc-linaro/fix-1');
      assert.equal(await byUrl('lp:gcc-linaro/0.1'), null);
    });
  });

  describe('named operations', () => {
    it('rejects unknown and missing operation names', async () => {
      await expectText(fetch(`${api}gcc-linaro?ws.op=frobnicate`), 400, 'No such operation: frobnicate');
      await expectText(fetch(`${world.into46}?ws.op=createComment`), 400, 'No such operation: createComment');
      await expectText(post(world.into46, { content: 'x' }), 400, 'No operation name given.');
      await expectText(fetch(`${api}~alice?ws.op=inTeam&team=${encodeURIComponent(`${api}~linaro-toolchain`)}`), 400, 'No such operation: inTeam');
    });

    it('createComment: 201, Location, empty body; raw and JSON values; CRLF becomes LF', async () => {
      const res = await post(world.into46, { 'ws.op': 'createComment', subject: 'raw subject', content: 'line 1\r\nline 2 "x"' });
      assert.equal(res.status, 201);
      assert.equal(await res.text(), '');
      const [stored] = world.sim.commentsOf(world.into46);
      assert.equal(res.headers.get('location'), `${world.into46}/comments/${stored.id}`);
      assert.equal(stored.subject, 'raw subject');
      assert.equal(stored.content, 'line 1\nline 2 "x"');
      await post(world.into46, { 'ws.op': 'createComment', subject: '""', content: '"hello\\nworld"', vote: 'Needs Fixing' });
      const second = world.sim.commentsOf(world.into46)[1];
      assert.equal(second.content, 'hello\nworld');
      assert.equal(second.subject, 'Re: [Merge] lp:~bob/gcc-linaro/backport into lp:gcc-linaro/4.6');
      assert.equal(second.vote, 'Needs Fixing');
    });

    it('createComment: an unknown vote is a 400 naming the acceptable ones', async () => {
      await expectText(
        post(world.into46, { 'ws.op': 'createComment', content: '"x"', vote: 'Approved' }),
        400,
        'vote: Invalid value "Approved". Acceptable values are: Approve, Needs Fixing, Needs Information, Abstain, Disapprove, Needs Resubmitting',
      );
      assert.deepEqual(world.sim.commentsOf(world.into46), []);
    });

    it('getComment returns one comment', async () => {
      const link = world.sim.addComment(world.into46, 'bob', 'hi');
      const id = Number(link.split('/').pop());
      const comment = await getJson(`${world.into46}?ws.op=getComment&id=${id}`);
      assert.equal(comment.self_link, link);
      assert.equal(comment.content, 'hi');
    });

    it('setStatus changes queue_status and the ETag', async () => {
      const before = (await getJson(world.into46)).http_etag;
      const res = await post(world.into46, { 'ws.op': 'setStatus', status: 'Approved' });
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'null');
      const after = await getJson(world.into46);
      assert.equal(after.queue_status, 'Approved');
      assert.equal(after.reviewer_link, `${api}~cbuild`);
      assert.notEqual(after.http_etag, before);
      await expectText(post(world.into46, { 'ws.op': 'setStatus', status: 'Done' }), 400, /^status: Invalid value "Done"\./);
    });
  });

  describe('OAuth', () => {
    it('accepts PLAINTEXT parameters in the query string and the form body', async () => {
      const oauth = {
        oauth_consumer_key: BOT_TOKEN.consumerKey,
        oauth_token: BOT_TOKEN.tokenKey,
        oauth_signature_method: 'PLAINTEXT',
        oauth_signature: `&${BOT_TOKEN.tokenSecret}`,
      };
      assert.equal((await fetch(`${world.into46}?${new URLSearchParams(oauth)}`)).status, 200);
      assert.equal((await post(world.into46, { 'ws.op': 'createComment', content: 'via form', ...oauth }, null)).status, 201);
      assert.deepEqual(
        world.sim.requests.map((r) => r.authorized),
        ['cbuild', 'cbuild'],
      );
    });

    it('answers token problems with 401, the OAuth challenge and Launchpad’s texts', async () => {
      const header = (fields: Record<string, string>) =>
        'OAuth realm="OAuth", ' + Object.entries(fields).map(([k, v]) => `${k}="${encodeURIComponent(v)}"`).join(', ');
      const base = { oauth_consumer_key: 'cbuild-bot', oauth_signature_method: 'PLAINTEXT', oauth_token: BOT_TOKEN.tokenKey };
      const cases: [Record<string, string>, number, string][] = [
        [{ ...base, oauth_token: 'NoSuchToken123456789', oauth_signature: '&x' }, 401, 'Unknown access token (NoSuchToken123456789).'],
        [{ ...base, oauth_signature: '&wrong' }, 401, 'Invalid signature.'],
        [{ ...base, oauth_consumer_key: 'someone-else', oauth_signature: `&${BOT_TOKEN.tokenSecret}` }, 401, 'Unknown consumer (someone-else).'],
        [{ ...base, oauth_consumer_key: '', oauth_token: '', oauth_signature: '&' }, 401, 'No consumer key specified.'],
      ];
      for (const [fields, status, body] of cases) {
        const res = await expectText(fetch(world.into46, { headers: { Authorization: header(fields) } }), status, body);
        assert.equal(res.headers.get('www-authenticate'), 'OAuth realm="https://api.launchpad.net"');
      }
      await expectText(
        fetch(world.into46, { headers: { Authorization: header({ ...base, oauth_signature_method: 'HMAC-SHA1', oauth_signature: 'abc' }) } }),
        400,
        /PLAINTEXT/,
      );
    });

    it('treats an empty token as anonymous: reads work, writes are 401', async () => {
      const anonymous = plaintextAuthorization({ consumerKey: 'just-looking', consumerSecret: '', accessToken: '', accessSecret: '' });
      assert.equal((await fetch(world.into46, { headers: { Authorization: anonymous } })).status, 200);
      const res = await expectText(post(world.into46, { 'ws.op': 'createComment', content: 'x' }, anonymous), 401, /'createComment', 'launchpad\.AnyPerson'/);
      assert.equal(res.headers.get('www-authenticate'), 'OAuth realm="https://api.launchpad.net"');
      assert.deepEqual(world.sim.commentsOf(world.into46), []);
    });
  });

  describe('fault injection and request log', () => {
    it('fails matching requests the given number of times, with Retry-After', async () => {
      world.sim.failNext({ pathContains: 'getMergeProposals', status: 503, retryAfter: 900, times: 2 });
      const url = `${api}gcc-linaro?ws.op=getMergeProposals`;
      assert.equal((await fetch(world.into46)).status, 200, 'other paths are served');
      for (let i = 0; i < 2; i++) {
        const res = await fetch(url);
        assert.equal(res.status, 503);
        assert.equal(res.headers.get('retry-after'), '900');
      }
      assert.equal((await fetch(url)).status, 200);
      assert.deepEqual(
        world.sim.requests.map((r) => [r.method, r.operation, r.status]),
        [
          ['GET', null, 200],
          ['GET', 'getMergeProposals', 503],
          ['GET', 'getMergeProposals', 503],
          ['GET', 'getMergeProposals', 200],
        ],
      );
      world.sim.clearRequests();
      assert.deepEqual(world.sim.requests, []);
    });
  });
});
