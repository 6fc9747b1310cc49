import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { BodyTooLargeError, readRequestBody } from '../../src/http/server.js';
import { HttpClient } from '../../src/http/client.js';

/** A server that reads each body with `readRequestBody(limit, options)` and answers what it got. */
async function bodyServer(limit: number, options: { drain?: boolean }): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    readRequestBody(req, limit, options).then(
      (body) => res.end(`read ${body.length}: ${body.toString()}`),
      (err: unknown) => {
        const tooLarge = err instanceof BodyTooLargeError ? err : undefined;
        res.writeHead(tooLarge ? 413 : 500, tooLarge && !options.drain ? { connection: 'close' } : {});
        res.end(tooLarge ? `over ${tooLarge.limit}, saw ${tooLarge.size}` : String(err));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function post(url: string, body: Buffer, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method: 'POST', body: new Uint8Array(body), headers });
  return { status: res.status, text: await res.text() };
}

describe('http/server: readRequestBody', () => {
  it('returns a body up to the limit whole', async () => {
    const server = await bodyServer(5, {});
    try {
      assert.deepEqual(await post(server.url, Buffer.from('hello')), { status: 200, text: 'read 5: hello' });
    } finally {
      await server.close();
    }
  });

  it('with drain, reads a larger body to its end before refusing it, so the client sees the whole size', async () => {
    const server = await bodyServer(1024, { drain: true });
    try {
      assert.deepEqual(await post(server.url, Buffer.alloc(300_000)), { status: 413, text: 'over 1024, saw 300000' });
    } finally {
      await server.close();
    }
  });

  it('without drain, refuses a declared Content-Length over the limit before reading any of it', async () => {
    const server = await bodyServer(1024, {});
    try {
      // Large enough to arrive in several chunks: reading it would stop at the first, long before 300,000.
      assert.deepEqual(await post(server.url, Buffer.alloc(300_000)), { status: 413, text: 'over 1024, saw 300000' });
    } finally {
      await server.close();
    }
  });
});

describe('http/client: kept connections', function () {
  this.timeout(10_000);
  it('reuses a connection within a second, opens a new one after (before a server closes it), and waits out a slow answer', async () => {
    const connections: number[] = [];
    const server = http.createServer((req, res) => {
      const slow = req.url === '/slow';
      setTimeout(() => res.end('ok'), slow ? 1500 : 0);
    });
    server.on('connection', () => connections.push(Date.now()));
    server.keepAliveTimeout = 10_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const client = new HttpClient({ retries: 0 });
    try {
      await client.request({ url });
      await client.request({ url });
      assert.equal(connections.length, 1, 'the second request went out on the first connection');
      await new Promise((r) => setTimeout(r, 1300));
      await client.request({ url });
      assert.equal(connections.length, 2, 'an idle connection is not reused after a second');
      const slow = await client.request({ url: `${url}slow` });
      assert.equal(slow.body.toString(), 'ok', 'a request in progress is not cut by the idle timeout');
    } finally {
      const closed = new Promise((resolve) => server.close(() => resolve(undefined)));
      server.closeAllConnections();
      await closed;
    }
  });
});
