/**
 * One outgoing request as a simulated service makes it — a Launchpad webhook
 * delivery, a LAVA notify callback: exactly the headers given (the bot's own
 * HTTP client would add its own), no retries (each simulator retries as its
 * service does), http or https, and never a rejection: the outcome is a status
 * or the error's text, which the simulator records as its service would.
 */
import http from 'node:http';
import https from 'node:https';

export interface RawOutcome {
  status?: number;
  error?: string;
}

export function rawRequest(
  url: string,
  options: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string; timeoutMs: number; timeoutMessage: string },
): Promise<RawOutcome> {
  return new Promise((resolve) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      resolve({ error: `Invalid URL '${url}'` });
      return;
    }
    const headers = options.body === undefined ? options.headers : { ...options.headers, 'Content-Length': String(Buffer.byteLength(options.body)) };
    const client = target.protocol === 'https:' ? https : http;
    const req = client.request(target, { method: options.method, headers, timeout: options.timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode }));
      res.on('error', (err) => resolve({ error: err.message }));
    });
    req.on('timeout', () => req.destroy(new Error(options.timeoutMessage)));
    req.on('error', (err) => resolve({ error: err.message }));
    req.end(options.body);
  });
}
