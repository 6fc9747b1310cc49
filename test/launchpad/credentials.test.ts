/** Reading launchpadlib credentials files. */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CredentialsFileError, readCredentialsFile, writeCredentialsFile } from '../../src/launchpad/credentials.js';
import { redact } from '../../src/secrets.js';

describe('readCredentialsFile', () => {
  let dir: string;
  const write = (text: string) => {
    const path = join(dir, 'credentials');
    writeFileSync(path, text, { mode: 0o600 });
    return path;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lp-credentials-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the file launchpadlib writes, empty consumer secret included', () => {
    const path = write(
      '[1]\nconsumer_key = cbuild-bot\nconsumer_secret = \naccess_token = CredTokenKey12345678\naccess_secret = CredSecret0123456789bcdfghjklmnpqrstvwxz\n\n',
    );
    assert.deepEqual(readCredentialsFile(path), {
      consumerKey: 'cbuild-bot',
      consumerSecret: '',
      accessToken: 'CredTokenKey12345678',
      accessSecret: 'CredSecret0123456789bcdfghjklmnpqrstvwxz',
    });
  });

  it('registers the token and secret for redaction as soon as they are read', () => {
    const path = write('[1]\nconsumer_key = bot\nconsumer_secret =\naccess_token = RedactMeToken1234567\naccess_secret = RedactMeSecret99\n');
    readCredentialsFile(path);
    assert.equal(redact('token RedactMeToken1234567, secret %26RedactMeSecret99'), 'token ***, secret %26***');
  });

  it('accepts ConfigParser variations: other sections, comments, "key: value", upper-case keys, CRLF', () => {
    const path = write(
      '# written by hand\r\n[DEFAULT]\r\nfoo = bar\r\n\r\n[1]\r\n; the bot\r\nConsumer_Key: cbuild-bot\r\nconsumer_secret=\r\naccess_token = VariantToken12345678\r\naccess_secret = VariantSecret\r\n',
    );
    const credentials = readCredentialsFile(path);
    assert.equal(credentials.consumerKey, 'cbuild-bot');
    assert.equal(credentials.accessToken, 'VariantToken12345678');
    assert.equal(credentials.accessSecret, 'VariantSecret');
  });

  it('names the file when it cannot be read', () => {
    const path = join(dir, 'missing');
    assert.throws(() => readCredentialsFile(path), (err: unknown) => {
      assert.ok(err instanceof CredentialsFileError);
      assert.equal(err.message, `Launchpad credentials file ${path}: cannot read it (ENOENT)`);
      return true;
    });
  });

  it('says when the [1] section is missing', () => {
    const path = write('[2]\nconsumer_key = x\n');
    assert.throws(() => readCredentialsFile(path), {
      message: `Launchpad credentials file ${path}: no [1] section (is this a launchpadlib credentials file?)`,
    });
  });

  it('names every missing key', () => {
    const path = write('[1]\nconsumer_key = x\naccess_token = MissingKeysToken1234\n');
    assert.throws(() => readCredentialsFile(path), {
      message: `Launchpad credentials file ${path}: [1] has no consumer_secret, access_secret`,
    });
  });

  it('refuses an empty access token, which would mean anonymous', () => {
    const path = write('[1]\nconsumer_key = x\nconsumer_secret =\naccess_token =\naccess_secret = SomeSecret\n');
    assert.throws(() => readCredentialsFile(path), { message: `Launchpad credentials file ${path}: access_token is empty` });
  });

  it('points at a garbled line without echoing it', () => {
    const path = write('[1]\nconsumer_key = x\nSomeSecretLookingGarbage\n');
    assert.throws(() => readCredentialsFile(path), (err: unknown) => {
      assert.ok(err instanceof Error);
      assert.equal(err.message, `Launchpad credentials file ${path}: line 3 is neither a [section] nor a "key = value" line`);
      return true;
    });
  });

  it('writes the file launchpadlib writes, 0600 in a new 0700 directory, and keeps an existing one unless told', () => {
    const credentials = { consumerKey: 'cbuild-bot', consumerSecret: '', accessToken: 'WrittenToken12345678', accessSecret: 'WrittenSecret' };
    const path = join(dir, 'new', 'credentials');
    writeCredentialsFile(path, credentials);
    assert.equal(readFileSync(path, 'utf8'), '[1]\nconsumer_key = cbuild-bot\nconsumer_secret = \naccess_token = WrittenToken12345678\naccess_secret = WrittenSecret\n\n');
    assert.deepEqual(readCredentialsFile(path), credentials);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'new')).mode & 0o777, 0o700);
    assert.throws(() => writeCredentialsFile(path, { ...credentials, accessToken: 'OtherToken1234567890' }), {
      message: `Launchpad credentials file ${path}: exists already; give --force to replace it`,
    });
    writeCredentialsFile(path, { ...credentials, accessToken: 'OtherToken1234567890' }, { replace: true });
    assert.equal(readCredentialsFile(path).accessToken, 'OtherToken1234567890');
    assert.deepEqual(readdirSync(join(dir, 'new')), ['credentials'], 'no temporary file left');
  });
});
