import assert from 'node:assert/strict';
import nock from 'nock';
import { HttpClient, HttpError, parseRetryAfter } from '../../src/http/client.js';
import { createLogger } from '../../src/log.js';
import { registerSecret, clearSecretsForTests } from '../../src/secrets.js';

const BASE = 'http://lp.test';

describe('http/client', () => {
  afterEach(() => {
    nock.cleanAll();
    clearSecretsForTests();
  });

  it('retries 502 and 503, waiting what Retry-After asks (capped)', async () => {
    const scope = nock(BASE).get('/x').reply(503, 'busy', { 'Retry-After': '1' }).get('/x').reply(502).get('/x').reply(200, 'ok');
    const http = new HttpClient({ retries: 3, minDelayMs: 10, maxDelayMs: 5000 });
    const started = Date.now();
    const res = await http.request({ url: `${BASE}/x` });
    assert.equal(res.statusCode, 200);
    assert.equal(res.body.toString(), 'ok');
    assert.ok(Date.now() - started >= 1000, 'honoured Retry-After: 1');
    scope.done();
  });

  it('caps a long Retry-After (Launchpad sends 900 s) at maxDelayMs', async () => {
    nock(BASE).get('/x').reply(503, '', { 'Retry-After': '900' }).get('/x').reply(200, 'ok');
    const http = new HttpClient({ retries: 1, minDelayMs: 10, maxDelayMs: 200 });
    const started = Date.now();
    assert.equal((await http.request({ url: `${BASE}/x` })).statusCode, 200);
    assert.ok(Date.now() - started < 2000);
  });

  it('never retries a 4xx and returns it to the caller', async () => {
    const scope = nock(BASE).get('/x').once().reply(404, 'nope');
    const res = await new HttpClient({ retries: 3, minDelayMs: 10 }).request({ url: `${BASE}/x` });
    assert.equal(res.statusCode, 404);
    scope.done();
  });

  it('gives up with an HttpError naming the request when the status never clears', async () => {
    nock(BASE).get('/x').times(3).reply(502);
    await assert.rejects(new HttpClient({ retries: 2, minDelayMs: 5 }).request({ url: `${BASE}/x` }), (err: unknown) => {
      assert.ok(err instanceof HttpError);
      assert.equal(err.statusCode, 502);
      assert.match(err.message, /^GET http:\/\/lp\.test\/x answered HTTP 502 after 3 attempts$/);
      return true;
    });
  });

  it('retries connection resets of idempotent requests, but not of a POST that may have arrived', async () => {
    nock(BASE).get('/x').replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })).get('/x').reply(200, 'ok');
    assert.equal((await new HttpClient({ retries: 2, minDelayMs: 5 }).request({ url: `${BASE}/x` })).statusCode, 200);
    const post = nock(BASE).post('/c').replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    await assert.rejects(new HttpClient({ retries: 2, minDelayMs: 5 }).request({ method: 'POST', url: `${BASE}/c`, body: 'x' }), /ECONNRESET/);
    post.done();
    // A 502 on a POST is not retried either (a proxy may hide a processed request); a 503 is.
    const once = nock(BASE).post('/c').once().reply(502);
    assert.equal((await new HttpClient({ retries: 2, minDelayMs: 5 }).request({ method: 'POST', url: `${BASE}/c`, body: 'x' })).statusCode, 502);
    once.done();
  });

  it('times out a request that hangs', async () => {
    nock(BASE).get('/slow').delay(500).reply(200, 'late');
    await assert.rejects(new HttpClient({ retries: 0, timeoutMs: 100 }).request({ url: `${BASE}/slow` }), (err: unknown) => {
      assert.ok(err instanceof HttpError);
      assert.equal(err.code, 'ETIMEDOUT');
      return true;
    });
  });

  it('keeps credentials and registered secrets out of errors and retry logs', async () => {
    registerSecret('s3cr3t-token-value');
    nock('http://admin:s3cr3t-token-value@lava.test').post('/RPC2').times(2).reply(503);
    const lines: string[] = [];
    const http = new HttpClient({ retries: 1, minDelayMs: 5, logger: createLogger({ sink: { write: (l) => lines.push(l) } }) });
    await assert.rejects(http.request({ method: 'POST', url: 'http://admin:s3cr3t-token-value@lava.test/RPC2', body: 'x' }), (err: unknown) => {
      assert.ok(!String((err as Error).message).includes('s3cr3t'));
      return true;
    });
    assert.ok(lines.length > 0);
    assert.ok(lines.every((l) => !l.includes('s3cr3t')));
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    assert.equal(parseRetryAfter('120'), 120_000);
    assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')), 10_000);
    assert.equal(parseRetryAfter('soon'), undefined);
    assert.equal(parseRetryAfter(undefined), undefined);
  });
});
