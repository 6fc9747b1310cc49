/** The two log formats: the same entries, secrets masked, stacks only when debugging. */
import assert from 'node:assert/strict';
import { createLogger } from '../src/log.js';
import { clearSecretsForTests, registerSecret } from '../src/secrets.js';

describe('log', () => {
  const clock = () => new Date('2026-11-24T10:00:00.000Z');
  const capture = (options: Parameters<typeof createLogger>[0] = {}) => {
    const lines: string[] = [];
    return { lines, logger: createLogger({ clock, sink: { write: (line) => lines.push(line) }, ...options }) };
  };
  afterEach(() => clearSecretsForTests());

  it('writes one JSON object per line: time, level, message, then the fields', () => {
    const { lines, logger } = capture({ format: 'json', fields: { component: 'bot' } });
    logger.info('cycle done', { proposals: 3, dry_run: false, skipped: undefined, branch: 'lp:~a/p/b' });
    logger.debug('not shown at info');
    logger.child({ request: 7 }).warn('retrying', { error: new Error('HTTP 503') });
    assert.deepEqual(lines, [
      '{"time":"2026-11-24T10:00:00.000Z","level":"info","message":"cycle done","component":"bot","proposals":3,"dry_run":false,"branch":"lp:~a/p/b"}\n',
      '{"time":"2026-11-24T10:00:00.000Z","level":"warn","message":"retrying","component":"bot","request":7,"error":"HTTP 503"}\n',
    ]);
  });

  it('keeps a text line one line with no control characters, even when the message quotes a service', () => {
    const { lines, logger } = capture();
    logger.warn('✗ LAVA: \u001b]0;owned\u0007fault\nsecond line', { detail: 'a\u001b[2Jb' });
    assert.deepEqual(lines, ['2026-11-24T10:00:00.000Z WARN ✗ LAVA: \\x1b]0;owned\\x07fault\\x0asecond line detail="a\\u001b[2Jb"\n']);
  });

  it('masks registered secrets in both formats, whatever JSON escaping would do to them', () => {
    const secret = 'tok"en\\with-quote';
    registerSecret(secret);
    registerSecret('PlainSecret123');
    const json = capture({ format: 'json' });
    json.logger.error(`failed with ${secret}`, { url: 'https://x/?t=PlainSecret123', nested: { list: [secret] } });
    assert.deepEqual(JSON.parse(json.lines[0]), {
      time: '2026-11-24T10:00:00.000Z',
      level: 'error',
      message: 'failed with ***',
      url: 'https://x/?t=***',
      nested: { list: ['***'] },
    });
    const text = capture();
    text.logger.error(`failed with ${secret}`, { url: 'https://x/?t=PlainSecret123', detail: `said "${secret}"` });
    assert.equal(text.lines[0], '2026-11-24T10:00:00.000Z ERROR failed with *** url="https://x/?t=***" detail="said \\"***\\""\n');
  });

  it('logs an error as its message, and its stack only at debug level', () => {
    const error = new Error('boom');
    const info = capture({ format: 'json' });
    info.logger.error('step failed', { error });
    assert.deepEqual(Object.keys(JSON.parse(info.lines[0])), ['time', 'level', 'message', 'error']);
    const debug = capture({ format: 'json', level: 'debug' });
    debug.logger.error('step failed', { error });
    const entry = JSON.parse(debug.lines[0]);
    assert.equal(entry.error, 'boom');
    assert.match(entry.error_stack, /^Error: boom\n {4}at /);
    const text = capture({ level: 'debug' });
    text.logger.error('step failed', { error });
    assert.match(text.lines[0], /^2026-11-24T10:00:00\.000Z ERROR step failed error="boom" error_stack="Error: boom\\n {4}at .*\n$/);
    const plain = capture();
    plain.logger.error('step failed', { error: new Error('ENOENT') });
    assert.equal(plain.lines[0], '2026-11-24T10:00:00.000Z ERROR step failed error="ENOENT"\n', 'an error stays quoted, as before');
  });
});
