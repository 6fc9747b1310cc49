/** The simulator's +request-token, +authorize-token and +access-token, answered as Launchpad's views answer. */
import assert from 'node:assert/strict';
import { SimulatorSetupError } from '../../src/launchpad/simulator.js';
import type { Person } from '../../src/launchpad/wire.js';
import { clientFor, startWorld, type World } from './fixture.js';

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

describe('Launchpad simulator: getting a token', () => {
  let world: World;
  let now = Date.parse('2026-11-24T10:00:00Z');

  beforeEach(async () => {
    world = await startWorld();
  });
  afterEach(() => world.sim.close());

  const post = (page: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(world.root + page, { method: 'POST', headers: { ...FORM, ...headers }, body: new URLSearchParams(form) }).then(async (r) => ({
      status: r.status,
      body: await r.text(),
      challenge: r.headers.get('www-authenticate'),
      type: r.headers.get('content-type'),
    }));
  const requestToken = async (consumer = 'cbuild-bot') => {
    const answer = await post('+request-token', { oauth_consumer_key: consumer, oauth_signature_method: 'PLAINTEXT', oauth_signature: '&' });
    assert.equal(answer.status, 200, answer.body);
    const params = new URLSearchParams(answer.body);
    return { key: params.get('oauth_token')!, secret: params.get('oauth_token_secret')! };
  };
  const exchange = (token: { key: string; secret: string }, consumer = 'cbuild-bot', signature = `&${token.secret}`) =>
    post('+access-token', { oauth_consumer_key: consumer, oauth_signature_method: 'PLAINTEXT', oauth_token: token.key, oauth_signature: signature });

  it('hands out a request token as a form, or as JSON with the access levels', async () => {
    const plain = await post('+request-token', { oauth_consumer_key: 'new-consumer', oauth_signature_method: 'PLAINTEXT', oauth_signature: '&' });
    assert.equal(plain.status, 200);
    assert.match(plain.body, /^oauth_token=[0-9bcdfghj-np-tv-zBCDFGHJ-NP-TV-Z]{20}&oauth_token_secret=[0-9bcdfghj-np-tv-zBCDFGHJ-NP-TV-Z]{80}$/);
    const json = await post('+request-token', { oauth_consumer_key: 'cbuild-bot', oauth_signature_method: 'PLAINTEXT', oauth_signature: '&' }, { Accept: 'application/json' });
    assert.equal(json.type, 'application/json');
    const body = JSON.parse(json.body);
    assert.deepEqual(Object.keys(body).sort(), ['access_levels', 'oauth_token', 'oauth_token_consumer', 'oauth_token_secret']);
    assert.equal(body.oauth_token_consumer, 'cbuild-bot');
    assert.deepEqual(body.access_levels, [
      { value: 'UNAUTHORIZED', title: 'No Access' },
      { value: 'READ_PUBLIC', title: 'Read Non-Private Data' },
      { value: 'WRITE_PUBLIC', title: 'Change Non-Private Data' },
      { value: 'READ_PRIVATE', title: 'Read Anything' },
      { value: 'WRITE_PRIVATE', title: 'Change Anything' },
    ]);
  });

  it('refuses an empty consumer key (401), a wrong signature (401) and a method other than PLAINTEXT (400)', async () => {
    const empty = await post('+request-token', { oauth_consumer_key: '', oauth_signature_method: 'PLAINTEXT', oauth_signature: '&' });
    assert.deepEqual([empty.status, empty.body, empty.challenge], [401, '', 'OAuth realm="https://api.launchpad.net"']);
    const secret = await post('+request-token', { oauth_consumer_key: 'x', oauth_signature_method: 'PLAINTEXT', oauth_signature: '&somesecret' });
    assert.equal(secret.status, 401);
    const hmac = await post('+request-token', { oauth_consumer_key: 'x', oauth_signature_method: 'HMAC-SHA1', oauth_signature: '&' });
    assert.equal(hmac.status, 400);
  });

  it('answers +access-token: not reviewed yet, bad signature, unknown token, then the access token once', async () => {
    const token = await requestToken();
    assert.deepEqual(await exchange(token), {
      status: 401,
      body: 'Request token has not yet been reviewed. Try again later.',
      challenge: 'OAuth realm="https://api.launchpad.net"',
      type: 'text/plain;charset=utf-8',
    });
    assert.deepEqual([(await exchange(token, 'cbuild-bot', `foobar&${token.secret}`)).status, (await exchange(token, 'cbuild-bot', `foobar&${token.secret}`)).body], [401, 'Invalid OAuth signature.']);
    assert.deepEqual([(await exchange({ key: 'NoSuchToken123456789', secret: '' })).body], ['No request token specified.']);
    assert.equal((await exchange(token, 'never-seen')).status, 401, 'an unknown consumer');

    world.sim.authorizeRequestToken(token.key, 'cbuild', 'WRITE_PUBLIC');
    const granted = await exchange(token);
    assert.equal(granted.status, 200);
    assert.match(granted.body, /^oauth_token=\w{20}&oauth_token_secret=\w{80}&lp\.context=None$/);
    assert.deepEqual([(await exchange(token)).status, (await exchange(token)).body], [401, 'No request token specified.'], 'request tokens are used once');

    // The access token works for the API at once, as the person who approved it.
    const access = new URLSearchParams(granted.body);
    const client = clientFor(world.root, { consumerKey: 'cbuild-bot', consumerSecret: '', accessToken: access.get('oauth_token')!, accessSecret: access.get('oauth_token_secret')! });
    await client.createComment(world.into46, { subject: 'Re: test', content: 'posted with a token from +access-token' });
    assert.equal(world.sim.commentsOf(world.into46)[0].author, 'cbuild');
    const me = await client.getEntry<Person>(`${world.root}1.0/people/+me`);
    assert.ok('entry' in me && me.entry.name === 'cbuild', 'people/+me leads to the token\'s person');
  });

  it('answers 403 when the person declined, and a READ_PUBLIC token cannot write', async () => {
    const declined = await requestToken();
    world.sim.authorizeRequestToken(declined.key, 'cbuild', 'UNAUTHORIZED');
    assert.deepEqual([(await exchange(declined)).status, (await exchange(declined)).body], [403, 'End-user refused to authorize request token.']);

    const reader = await requestToken();
    world.sim.authorizeRequestToken(reader.key, 'cbuild', 'READ_PUBLIC');
    const access = new URLSearchParams((await exchange(reader)).body);
    const client = clientFor(world.root, { consumerKey: 'cbuild-bot', consumerSecret: '', accessToken: access.get('oauth_token')!, accessSecret: access.get('oauth_token_secret')! });
    await assert.rejects(client.createComment(world.into46, { subject: 's', content: 'c' }), /the token lacks permission \(writing needs WRITE_PUBLIC\)/);
  });

  it('lets a request token expire 2 hours after it was made, and sends the context the person chose', async () => {
    await world.sim.close();
    const { LaunchpadSimulator } = await import('../../src/launchpad/simulator.js');
    const sim = new LaunchpadSimulator({ clock: () => new Date(now) });
    const root = await sim.start();
    world = { ...world, sim, root };
    sim.addPerson('cbuild', 'Linaro CBuild');
    sim.addProject('gcc-linaro', 'GCC Linaro');
    const late = await requestToken();
    sim.authorizeRequestToken(late.key, 'cbuild', 'WRITE_PUBLIC');
    now += 2 * 3600_000;
    assert.deepEqual([(await exchange(late)).status, (await exchange(late)).body], [403, 'This request token has expired and can no longer be exchanged for an access token.']);
    const unreviewed = await requestToken();
    now += 2 * 3600_000;
    assert.throws(() => sim.authorizeRequestToken(unreviewed.key, 'cbuild', 'WRITE_PUBLIC'), {
      name: SimulatorSetupError.name,
      message: 'LaunchpadSimulator: This request token has expired and can no longer be reviewed.',
    });
    const scoped = await requestToken();
    sim.authorizeRequestToken(scoped.key, 'cbuild', 'WRITE_PUBLIC', 'gcc-linaro');
    assert.throws(() => sim.authorizeRequestToken(scoped.key, 'cbuild', 'READ_PUBLIC'), { message: 'LaunchpadSimulator: Request tokens can be reviewed only once.' });
    assert.match((await exchange(scoped)).body, /&lp\.context=gcc-linaro$/);
  });

  it('shows the approval page with only the levels asked for, escaped, and as JSON', async () => {
    const token = await requestToken('<b>bot</b>');
    const page = await fetch(`${world.root}+authorize-token?oauth_token=${token.key}&allow_permission=WRITE_PUBLIC&lp.context=gcc-linaro`).then((r) => r.text());
    assert.match(page, /<h2>Integrating &lt;b&gt;bot&lt;\/b&gt; into your Launchpad account<\/h2>/);
    assert.match(page, /things related to <strong>gcc-linaro<\/strong> in Launchpad/);
    assert.deepEqual([...page.matchAll(/name="field\.actions\.(\w+)" value="([^"]+)"/g)].map((m) => `${m[1]}=${m[2]}`), ['UNAUTHORIZED=No Access', 'WRITE_PUBLIC=Change Non-Private Data']);
    assert.ok(!page.includes(token.secret), 'the secret is never on the page');
    const asJson = await fetch(`${world.root}+authorize-token?oauth_token=${token.key}&allow_permission=UNAUTHORIZED`, { headers: { Accept: 'application/json' } }).then((r) => r.json());
    assert.deepEqual(asJson.access_levels.map((l: { value: string }) => l.value), ['UNAUTHORIZED', 'READ_PUBLIC', 'WRITE_PUBLIC', 'READ_PRIVATE', 'WRITE_PRIVATE'], 'only No Access asked for: every level');
    assert.equal(asJson.oauth_token_consumer, '<b>bot</b>');
    world.sim.authorizeRequestToken(token.key, 'cbuild', 'UNAUTHORIZED');
    assert.match(await fetch(`${world.root}+authorize-token?oauth_token=${token.key}`).then((r) => r.text()), /<h2>Access not granted to application<\/h2>/);
    assert.match(await fetch(`${world.root}+authorize-token?oauth_token=nothing`).then((r) => r.text()), /<h2>Unable to identify application<\/h2>/);
    const anonymousMe = await fetch(`${world.root}1.0/people/+me`, { headers: { 'User-Agent': 'test' } });
    assert.deepEqual([anonymousMe.status, await anonymousMe.text()], [401, 'You need to be logged in to view this URL.']);
  });
});
