/** LaunchpadClient edge cases against canned answers (nock): what production can send that the simulator does not. */
import assert from 'node:assert/strict';
import nock from 'nock';
import { HttpClient, HttpError } from '../../src/http/client.js';
import { LaunchpadAuthError, LaunchpadClient, LaunchpadError } from '../../src/launchpad/client.js';

const ROOT = 'https://api.launchpad.net/';
const MP_PATH = '/1.0/~alice/gcc-linaro/fix/+merge/123';
const MP = `https://api.launchpad.net${MP_PATH}`;
const CREDENTIALS = {
  consumerKey: 'cbuild-bot',
  consumerSecret: '',
  accessToken: 'EdgeTokenKey12345678',
  accessSecret: 'EdgeSecretValue0123456789bcdfghjklmnpqrstvwxzBCDFGHJKLMNPQRSTVWXZ0123456789bcdfgh',
};

function client(options: { credentials?: boolean; maxDelayMs?: number } = {}): LaunchpadClient {
  return new LaunchpadClient({
    serviceRoot: ROOT,
    credentials: options.credentials ? CREDENTIALS : undefined,
    http: new HttpClient({ retries: 2, minDelayMs: 5, maxDelayMs: options.maxDelayMs ?? 50 }),
  });
}

describe('LaunchpadClient edge cases', () => {
  before(() => nock.disableNetConnect());
  afterEach(() => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    assert.deepEqual(pending, [], 'every canned answer was used');
  });
  after(() => nock.enableNetConnect());

  it('signs requests with PLAINTEXT OAuth, anonymous with an empty token', async () => {
    const headers: string[] = [];
    nock('https://api.launchpad.net')
      .get(MP_PATH)
      .times(2)
      .reply(function () {
        headers.push(String(this.req.headers.authorization));
        return [200, { self_link: MP, http_etag: '"a-b"' }];
      });
    await client({ credentials: true }).getEntry(MP);
    await client().getEntry(MP);
    assert.match(headers[0], /^OAuth realm="OAuth", oauth_nonce="\d+", oauth_timestamp="\d+", oauth_version="1\.0", /);
    assert.match(headers[0], /oauth_signature_method="PLAINTEXT", oauth_consumer_key="cbuild-bot", oauth_token="EdgeTokenKey12345678"/);
    assert.ok(headers[0].endsWith(`oauth_signature="%26${CREDENTIALS.accessSecret}"`));
    assert.match(headers[1], /oauth_token="", oauth_signature="%26"$/);
  });

  it('reports malformed JSON as a LaunchpadError naming the URL', async () => {
    nock('https://api.launchpad.net').get('/1.0/gcc-linaro').query(true).reply(200, '{"start": 0, "entries": [', {
      'Content-Type': 'application/json',
    });
    await assert.rejects(client().getMergeProposals({ project: 'gcc-linaro' }, ['Needs review']), (err: unknown) => {
      assert.ok(err instanceof LaunchpadError);
      assert.equal(err.status, 200);
      assert.match(err.message, /^Launchpad GET https:\/\/api\.launchpad\.net\/1\.0\/gcc-linaro\?ws\.op=getMergeProposals&status=\S+ sent malformed JSON \(HTTP 200, body: \{"start": 0, "entries": \[\)$/);
      return true;
    });
  });

  it('retries a 503 after its Retry-After, then succeeds', async () => {
    nock('https://api.launchpad.net')
      .get(MP_PATH)
      .reply(503, 'Timeout', { 'Retry-After': '1' })
      .get(MP_PATH)
      .reply(200, { self_link: MP, http_etag: '"c-d"' }, { ETag: '"c-d"' });
    const started = Date.now();
    const got = await client({ maxDelayMs: 5000 }).getEntry(MP);
    assert.ok(Date.now() - started >= 900, 'waited for Retry-After');
    assert.deepEqual(got, { entry: { self_link: MP, http_etag: '"c-d"' }, etag: '"c-d"' });
  });

  it('gives up on a persistent 502 with the HttpClient’s error', async () => {
    nock('https://api.launchpad.net').get(MP_PATH).times(3).reply(502, '<html>Bad Gateway</html>');
    await assert.rejects(client().getEntry(MP), (err: unknown) => {
      assert.ok(err instanceof HttpError);
      assert.equal(err.statusCode, 502);
      assert.match(err.message, /GET https:\/\/api\.launchpad\.net\/1\.0\/~alice\/gcc-linaro\/fix\/\+merge\/123 answered HTTP 502 after 3 attempts/);
      return true;
    });
  });

  it('redacts the token key Launchpad echoes in a 401', async () => {
    nock('https://api.launchpad.net')
      .post(MP_PATH)
      .reply(401, `Unknown access token (${CREDENTIALS.accessToken}).`, { 'WWW-Authenticate': 'OAuth realm="https://api.launchpad.net"' });
    await assert.rejects(client({ credentials: true }).createComment(MP, { subject: 's', content: 'c' }), (err: unknown) => {
      assert.ok(err instanceof LaunchpadAuthError);
      assert.equal(err.status, 401);
      assert.equal(err.serverMessage, 'Unknown access token (***).');
      assert.equal(err.message, `Launchpad rejected the OAuth credentials: Unknown access token (***). (POST ${MP})`);
      return true;
    });
  });

  it('does not retry a 4xx and keeps the server’s message', async () => {
    nock('https://api.launchpad.net').get('/1.0/~alice/gcc-linaro/fix/+merge/123/all_comments').query({ 'ws.size': '300' }).reply(404, 'Object: <x>, name: u\'123\'');
    await assert.rejects(client().getComments(MP), (err: unknown) => {
      assert.ok(err instanceof LaunchpadError && !(err instanceof LaunchpadAuthError));
      assert.equal(err.status, 404);
      assert.equal(err.serverMessage, "Object: <x>, name: u'123'");
      return true;
    });
  });

  it('posts comments form-encoded with JSON-encoded text, as launchpadlib does', async () => {
    let body = '';
    nock('https://api.launchpad.net')
      .post(MP_PATH, (b: string) => {
        body = b;
        return true;
      })
      .matchHeader('content-type', 'application/x-www-form-urlencoded')
      .reply(201, '', { Location: `${MP}/comments/456` });
    const link = await client({ credentials: true }).createComment(MP, {
      subject: 'Re: x',
      content: 'a "b"\nc',
      vote: 'Needs Fixing',
      reviewType: 'cbuild',
    });
    assert.equal(link, `${MP}/comments/456`);
    assert.deepEqual(Object.fromEntries(new URLSearchParams(body)), {
      'ws.op': 'createComment',
      subject: '"Re: x"',
      content: '"a \\"b\\"\\nc"',
      vote: 'Needs Fixing',
      review_type: '"cbuild"',
    });
  });

  it('treats a comment POST answered without 201 + Location as a failure', async () => {
    nock('https://api.launchpad.net').post(MP_PATH).reply(200, 'null', { 'Content-Type': 'application/json' });
    await assert.rejects(client({ credentials: true }).createComment(MP, { subject: 's', content: 'c' }), /did not answer 201 with a Location/);
  });

  it('never sends the credentials to a host a next link points at', async () => {
    nock('https://api.launchpad.net')
      .get('/1.0/gcc-linaro')
      .query(true)
      .reply(200, { start: 0, total_size: 2, next_collection_link: 'https://evil.example/steal?ws.start=1', entries: [{ self_link: MP }] });
    await assert.rejects(client({ credentials: true }).getMergeProposals({ project: 'gcc-linaro' }, []), (err: unknown) => {
      assert.ok(err instanceof LaunchpadError);
      assert.match(err.message, /^refusing to send Launchpad credentials to https:\/\/evil\.example\/steal/);
      return true;
    });
  });

  it('stops when a next link loops back', async () => {
    nock('https://api.launchpad.net')
      .get('/1.0/~alice/gcc-linaro/fix/+merge/123/all_comments')
      .query(true)
      .times(2)
      .reply(200, { start: 0, total_size: 9, next_collection_link: `${MP}/all_comments`, entries: [] });
    await assert.rejects(client().getComments(MP), /collection pages loop back/);
  });
  it('looks a watched git repository up once, and again after Launchpad says it is gone', async () => {
    const repo = { self_link: 'https://api.launchpad.net/devel/~l/gcc-linaro/+git/gcc-linaro', git_identity: 'lp:gcc-linaro', http_etag: '"r"' };
    const page = { start: 0, total_size: 0, entries: [] };
    const lookups = () => nock('https://api.launchpad.net').get('/devel/git_repositories').query({ 'ws.op': 'getByPath', path: '"gcc-linaro"' }).reply(200, repo);
    const listing = (status: number) =>
      nock('https://api.launchpad.net').get('/devel/~l/gcc-linaro/+git/gcc-linaro').query((q) => q['ws.op'] === 'getMergeProposals').reply(status, status === 200 ? page : 'gone');
    const lp = client();
    lookups();
    listing(200);
    await lp.getMergeProposals({ repository: 'lp:gcc-linaro' }, ['Needs review']);
    listing(200);
    await lp.getMergeProposals({ repository: 'lp:gcc-linaro' }, ['Needs review']);
    listing(404);
    await assert.rejects(lp.getMergeProposals({ repository: 'lp:gcc-linaro' }, ['Needs review']), (err: unknown) => err instanceof LaunchpadError && err.status === 404);
    lookups();
    listing(200);
    await lp.getMergeProposals({ repository: 'lp:gcc-linaro' }, ['Needs review']);
  });
});
