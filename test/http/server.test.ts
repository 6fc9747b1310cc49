import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { BodyTooLargeError, readRequestBody } from '../../src/http/server.js';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { projectRoot } from '../../src/config/config.js';

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
  this.timeout(15_000);
  // In a process of its own: nock, loaded by other test files, intercepts every request and pools nothing.
  it('reuses a connection within a second, opens a new one after (before a server closes it), and waits out a slow answer', () => {
    const script = `
      import http from 'node:http';
      import { HttpClient } from ${JSON.stringify(pathToFileURL(join(projectRoot(), 'dist/src/http/client.js')).href)};
      const connections = [];
      const server = http.createServer((req, res) => setTimeout(() => res.end('ok'), req.url === '/slow' ? 1500 : 0));
      server.keepAliveTimeout = 10_000;
      server.on('connection', () => connections.push(Date.now()));
      await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = 'http://127.0.0.1:' + server.address().port + '/';
      const client = new HttpClient({ retries: 0 });
      const seen = [];
      await client.request({ url });
      await client.request({ url });
      seen.push(connections.length);
      await new Promise((r) => setTimeout(r, 1300));
      await client.request({ url });
      seen.push(connections.length);
      seen.push((await client.request({ url: url + 'slow' })).body.toString());
      server.closeAllConnections();
      server.close();
      console.log(JSON.stringify(seen));
    `;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(run.status, 0, run.stderr);
    const [afterTwo, afterIdle, slow] = JSON.parse(run.stdout) as [number, number, string];
    assert.equal(afterTwo, 1, 'the second request went out on the first connection');
    assert.equal(afterIdle, 2, 'an idle connection is not reused after a second');
    assert.equal(slow, 'ok', 'a request in progress is not cut by the idle timeout');
  });
});
