import assert from 'node:assert/strict';
import { parseCommand, personName } from '../../src/core/commands.js';

describe('core/commands', () => {
  it('finds a rebuild with targets and a cancel on their own line', () => {
    assert.deepEqual(parseCommand('Looks odd.\n\ncbuild-bot: rebuild a9hf x86_64\nthanks'), { verb: 'rebuild', targets: ['a9hf', 'x86_64'], line: 'cbuild-bot: rebuild a9hf x86_64' });
    assert.deepEqual(parseCommand('CBuild-Bot:   Rebuild'), { verb: 'rebuild', targets: [], line: 'CBuild-Bot:   Rebuild' });
    assert.deepEqual(parseCommand('cbuild-bot: cancel\r\n'), { verb: 'cancel', targets: [], line: 'cbuild-bot: cancel' });
  });

  it('ignores quoted lines, mentions inside a sentence and the bot\'s own comments', () => {
    assert.equal(parseCommand('> cbuild-bot: rebuild\nI agree with the above'), null);
    assert.equal(parseCommand('please ask cbuild-bot: rebuild later'), null);
    assert.equal(parseCommand('cbuild-bot: rebuild\n\ncbuild-bot-ref: 4/ack'), null);
    assert.equal(parseCommand(''), null);
  });

  it('explains a command it cannot act on', () => {
    assert.deepEqual(parseCommand('cbuild-bot: deploy'), { error: 'unknown command "deploy" (known: rebuild [target ...], cancel)', line: 'cbuild-bot: deploy' });
    assert.match((parseCommand("cbuild-bot: rebuild a9hf;rm -rf /") as { error: string }).error, /is not a target name/);
    assert.deepEqual(parseCommand('cbuild-bot: cancel now'), { error: 'cancel takes no arguments', line: 'cbuild-bot: cancel now' });
  });

  it('reads the Launchpad name from a person link', () => {
    assert.equal(personName('https://api.launchpad.net/1.0/~alice'), 'alice');
    assert.equal(personName('https://api.launchpad.net/1.0/people'), null);
  });
});
