/**
 * What the project's HTTP servers share — the bot's status page and hook
 * receiver, and the Launchpad, CBuild and LAVA simulators: an error that
 * carries the answer to send, and a request-body reader with a limit, so no
 * server holds an unbounded body in memory.
 */
import type { IncomingMessage } from 'node:http';

/** An answer other than 2xx, thrown where a request is found wanting; the server's handler sends it. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** A request body larger than its server takes; each server answers it in its own words. */
export class BodyTooLargeError extends Error {
  constructor(
    readonly limit: number,
    /** Bytes seen: the whole body when it was drained, else as far as reading went. */
    readonly size: number,
  ) {
    super(`the request body is larger than ${limit} bytes`);
  }
}

/**
 * The request's bytes, at most `limit`. With `drain`, the rest is read and
 * dropped before refusing, so a client still uploading sees the answer rather
 * than a connection reset; without it, reading stops at once (and at a
 * declared Content-Length over the limit) and the caller closes the connection.
 */
export async function readRequestBody(req: IncomingMessage, limit: number, options: { drain?: boolean } = {}): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (!options.drain && Number.isFinite(declared) && declared > limit) throw new BodyTooLargeError(limit, declared);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= limit) chunks.push(chunk as Buffer);
    else if (!options.drain) throw new BodyTooLargeError(limit, size);
  }
  if (size > limit) throw new BodyTooLargeError(limit, size);
  return Buffer.concat(chunks);
}
