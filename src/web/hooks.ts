/**
 * The only routes of the status server that take a body: Launchpad's webhook
 * deliveries (`POST <webhooks.launchpad.path>`) and LAVA's job callbacks
 * (`POST /hooks/lava/<build>`). Each checks who sent it before reading
 * anything in it — the signature over the raw bytes, the job's token, both in
 * constant time — answers within milliseconds, and hands the bot a hint
 * (bot/hints.ts) to act on in its turn. Nothing in a body is trusted beyond
 * "look here": the bot reads the proposal or the job again itself.
 */
import type { IncomingMessage } from 'node:http';
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';
import type { Hint } from '../bot/hints.js';
import { classifyDelivery, DELIVERY_HEADERS, PayloadError, signatureMatches } from '../launchpad/webhooks.js';
import { CALLBACK_TOKEN_HEADER } from '../lava/template.js';
import { callbackTokenMatches, recordDelivery } from '../store/events.js';
import { BodyTooLargeError, readRequestBody } from '../http/server.js';

/** Larger than any delivery or minimal LAVA job data (a proposal's description, a job definition), smaller than harm. */
export const MAX_EVENT_BODY_BYTES = 1024 * 1024;

export interface HookAnswer {
  status: number;
  contentType: string;
  body: string;
  headers?: Record<string, string>;
}

export interface HookReceiverOptions {
  store: Store;
  logger: Logger;
  clock: () => Date;
  /** Takes a hint; called before the answer is written, so it must only queue. */
  hint: (hint: Hint) => void;
  launchpad?: {
    path: string;
    secret: string;
    /** `<service root>1.0/`: payloads name paths, the bot names proposals by their API 1.0 links. */
    apiRoot: string;
  };
  /** LAVA callbacks are taken at /hooks/lava/<build>. */
  lava?: boolean;
}

const PLAIN = 'text/plain; charset=utf-8';
const LAVA_PATH = /^\/hooks\/lava\/([1-9][0-9]{0,15})$/;

function answer(status: number, text: string, headers?: Record<string, string>): HookAnswer {
  return { status, contentType: PLAIN, body: `${text}\n`, headers };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export class HookReceiver {
  private readonly logger: Logger;

  constructor(private readonly options: HookReceiverOptions) {
    this.logger = options.logger.child({ component: 'events' });
  }

  /** Whether a POST to `path` is an event route. */
  handles(path: string): boolean {
    return (this.options.launchpad !== undefined && path === this.options.launchpad.path) || (this.options.lava === true && LAVA_PATH.test(path));
  }

  /** Answers an event; never throws for what a sender did (a store failure answers 503, so Launchpad tries again). */
  async receive(path: string, req: IncomingMessage): Promise<HookAnswer> {
    try {
      const lp = this.options.launchpad;
      if (lp && path === lp.path) return await this.delivery(req, lp);
      const build = LAVA_PATH.exec(path);
      if (build) return await this.lavaCallback(req, Number(build[1]));
      return answer(404, `Nothing takes events at ${path}.`);
    } catch (err) {
      // The rest of the body is not read: the connection is closed after the answer.
      if (err instanceof BodyTooLargeError) return answer(400, `The body is larger than ${MAX_EVENT_BODY_BYTES} bytes.`, { connection: 'close' });
      this.logger.error('an event could not be taken', { path, error: err });
      return answer(503, 'The bot could not take this event now; send it again later.');
    }
  }

  /** A Launchpad delivery: signature, then id (a repeat is a no-op), then what it says. */
  private async delivery(req: IncomingMessage, lp: NonNullable<HookReceiverOptions['launchpad']>): Promise<HookAnswer> {
    const eventType = header(req, DELIVERY_HEADERS.eventType);
    const id = header(req, DELIVERY_HEADERS.delivery);
    const body = await readRequestBody(req, MAX_EVENT_BODY_BYTES);
    const fields = { delivery: id, event_type: eventType, remote: req.socket.remoteAddress };
    if (!signatureMatches(lp.secret, body, header(req, DELIVERY_HEADERS.signature))) {
      this.logger.warn('webhook delivery refused: its X-Hub-Signature is missing or does not match the secret', fields);
      return answer(401, 'The X-Hub-Signature header is missing or does not match this body.');
    }
    if (!eventType || !id || !/^[0-9]{1,20}$/.test(id)) {
      return answer(400, 'A delivery needs X-Launchpad-Event-Type and a numeric X-Launchpad-Delivery.');
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return answer(400, 'The body is not JSON.');
    }
    let what;
    try {
      what = classifyDelivery(eventType, parsed);
    } catch (err) {
      if (!(err instanceof PayloadError)) throw err;
      this.logger.warn('webhook delivery refused: its payload is not what Launchpad sends', { ...fields, problem: err.message });
      return answer(400, `This is not a ${eventType} payload: ${err.message}.`);
    }
    const link = what.kind === 'proposal' ? lp.apiRoot + what.path.slice(1) : undefined;
    const outcome = await recordDelivery(
      this.options.store,
      { id, eventType, reviewed: what.kind === 'proposal' && what.change === 'reviewed' ? link : undefined },
      this.options.clock(),
    );
    if (outcome.repeat) {
      this.logger.debug('webhook delivery taken before; ignored', fields);
      return answer(200, 'Already taken.');
    }
    switch (what.kind) {
      case 'proposal':
        // A comment is worth a look only when it is not the bot's own (matched) and the proposal is tracked.
        if (what.change !== 'reviewed' || outcome.comment === 'wanted') this.options.hint({ kind: 'proposal', link: link!, change: what.change });
        this.logger.info('webhook delivery', { ...fields, change: what.change, proposal: link, comment: outcome.comment });
        break;
      case 'bzr-push':
        this.options.hint({ kind: 'pushed', vcs: 'bzr', path: what.branch, refs: null });
        this.logger.info('webhook delivery', { ...fields, branch: what.branch });
        break;
      case 'git-push':
        this.options.hint({ kind: 'pushed', vcs: 'git', path: what.repository, refs: what.refs });
        this.logger.info('webhook delivery', { ...fields, repository: what.repository, refs: what.refs.join(' ') });
        break;
      case 'ping':
        this.logger.info('webhook ping: the webhook reaches the bot and its secret matches', fields);
        break;
      case 'ignored':
        this.logger.debug('webhook delivery of an event type the bot does not use', fields);
        break;
    }
    return answer(202, 'Accepted.');
  }

  /** A LAVA callback: the build's token, then a look at its job (the body itself is not read: lava-server 2023.01 sends stale times). */
  private async lavaCallback(req: IncomingMessage, buildId: number): Promise<HookAnswer> {
    const token = header(req, CALLBACK_TOKEN_HEADER.toLowerCase()) ?? '';
    await readRequestBody(req, MAX_EVENT_BODY_BYTES);
    if (!(await callbackTokenMatches(this.options.store, buildId, token))) {
      this.logger.warn('LAVA callback refused: the token is not the one its job was given', { build: buildId, remote: req.socket.remoteAddress });
      return answer(401, `The ${CALLBACK_TOKEN_HEADER} header is not this build's token.`);
    }
    this.options.hint({ kind: 'build', buildId });
    this.logger.info('LAVA callback', { build: buildId });
    return answer(202, 'Accepted.');
  }
}
