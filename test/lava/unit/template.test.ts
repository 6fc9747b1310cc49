import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { refFormatProblem } from '../../../src/vcs/names.js';
import type { RequestedSource } from '../../../src/vcs/index.js';
import { BZR_SAMPLE, jobValues } from '../../support/job-values.js';
import {
  JOB_TEMPLATE_PLACEHOLDERS,
  JobDefinitionError,
  JobTemplateError,
  renderJobDefinition,
  shellQuote,
  validateJobDefinition,
} from '../../../src/lava/template.js';

const TEMPLATE_PATH = 'templates/lava/gcc-build.yaml';

const HOSTILE = [
  `it's`,
  `$(touch /tmp/pwned)`,
  '`id`',
  `a: b # not a comment`,
  `- dash`,
  `{}`,
  `[1, 2]`,
  `"double" and 'single'`,
  `yes`,
  `1:20`,
  `0x1F`,
  `~`,
  `&anchor *alias !tag %directive @at`,
  `back\\slash \\' \\"`,
  `;|&<>()$\`\\"' *?[]#~=%`,
  `lp:~user/gcc-linaro/ü-ñ-☃`,
  ` leading and trailing `,
  '',
];

const valuesFor = (requested: RequestedSource) => jobValues(requested);
const SAMPLE_VALUES = jobValues(BZR_SAMPLE);

/** Ref names git accepts (`git check-ref-format`) that are special to YAML and the shell. */
const HOSTILE_REFS = [
  'refs/heads/fix-$(touch${IFS}/tmp/pwned)',
  'refs/heads/`id`;&|<>',
  `refs/heads/it's-"quoted"`,
  'refs/heads/a-b#c!%=',
  'refs/heads/{x}/(y)',
  'refs/heads/ü-ñ-☃/yes/1.20',
];

const MINI = `job_name: '{{job_name}}'
plain: prefix {{job_name}} suffix
metadata:
  cbuild-bot.branch: "{{branch}}"
actions:
- test:
    definitions:
    - repository:
        run:
          steps:
          - printf '%s\\n' {{branch}}
          - |
            printf '%s\\n' {{job_name}}
`;

function sh(command: string): string {
  return execFileSync('/bin/sh', ['-c', command], { encoding: 'utf8' });
}

describe('LAVA job templates', () => {
  describe('renderJobDefinition', () => {
    for (const value of HOSTILE) {
      it(`keeps ${JSON.stringify(value)} exact in YAML values and inert in shell steps`, () => {
        const rendered = renderJobDefinition(MINI, { job_name: value, branch: value }, 'mini');
        const data = YAML.parse(rendered, { version: '1.1' });
        assert.equal(data.job_name, value);
        assert.equal(data.plain, `prefix ${value} suffix`);
        assert.equal(data.metadata['cbuild-bot.branch'], value);
        const [step, block] = data.actions[0].test.definitions[0].repository.run.steps as string[];
        // Running the step prints the value unchanged: nothing expanded, nothing executed.
        assert.equal(sh(step!), `${value}\n`);
        assert.equal(sh(block!), `${value}\n`);
      });
    }

    it('shell-quotes with single quotes and escapes embedded ones', () => {
      assert.equal(shellQuote(`it's`), `'it'\\''s'`);
      assert.equal(sh(`printf %s ${shellQuote(`a'b"c$d`)}`), `a'b"c$d`);
    });

    it('names an unknown placeholder and the template', () => {
      assert.throws(
        () => renderJobDefinition("job_name: '{{job_nmae}}'\n", { job_name: 'x' }, 'templates/lava/x.yaml'),
        (err: unknown) =>
          err instanceof JobTemplateError &&
          err.message === "job template 'templates/lava/x.yaml' uses unknown placeholder {{job_nmae}} (line 1)",
      );
    });

    it('refuses values with newlines or other control characters, naming the key', () => {
      assert.throws(
        () => renderJobDefinition(MINI, { job_name: 'x', branch: 'lp:evil\nrm -rf /' }),
        /value for \{\{branch\}\} contains control character U\+000A/,
      );
      assert.throws(() => renderJobDefinition(MINI, { job_name: 'tab\there', branch: 'x' }), /\{\{job_name\}\} contains control character U\+0009/);
    });

    it('refuses a placeholder the template quotes inside a shell step', () => {
      const template = "x:\n  steps:\n  - echo \"building {{branch}}\"\n";
      assert.throws(() => renderJobDefinition(template, { branch: 'b' }, 't'), /quotes \{\{branch\}\} inside a shell step \(line 3\)/);
    });

    it('refuses a shell step that YAML reads as a map', () => {
      const template = "x:\n  steps:\n  - echo note: {{branch}}\n";
      assert.throws(() => renderJobDefinition(template, { branch: 'b' }, 't'), /shell step that is not a string at line 3/);
    });

    it('refuses an unquoted placeholder standing alone, which YAML reads as a map', () => {
      assert.throws(
        () => renderJobDefinition('job_name: {{job_name}}\n', { job_name: 'x' }, 't'),
        /has a map or list as a mapping key at line 1; is a \{\{placeholder\}\} missing its quotes\?/,
      );
    });

    it('refuses placeholders in mapping keys', () => {
      assert.throws(() => renderJobDefinition("'{{target}}': 1\n", { target: 'x' }, 't'), /placeholder in the mapping key/);
    });

    it('reports a template that is not YAML', () => {
      assert.throws(() => renderJobDefinition('a: [1\n', {}, 'broken.yaml'), /job template 'broken.yaml' is not valid YAML/);
    });

    it('leaves comments alone', () => {
      const rendered = renderJobDefinition("# uses {{job_name}}\njob_name: '{{job_name}}'\n", { job_name: 'n' });
      assert.match(rendered, /^# uses \{\{job_name\}\}\njob_name: 'n'/);
    });
  });

  describe(TEMPLATE_PATH, () => {
    const template = readFileSync(TEMPLATE_PATH, 'utf8');

    it('uses exactly the shared placeholder vocabulary', () => {
      const withoutComments = template.replace(/^\s*#.*$/gm, '');
      const used = new Set([...withoutComments.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]));
      assert.deepEqual([...used].sort(), [...JOB_TEMPLATE_PLACEHOLDERS].sort());
    });

    it('renders to a valid ssh-style job carrying the request in its metadata', () => {
      const rendered = renderJobDefinition(template, SAMPLE_VALUES, TEMPLATE_PATH);
      const job = validateJobDefinition(rendered);
      assert.equal(job.jobName, SAMPLE_VALUES.job_name);
      assert.equal(job.deviceType, 'panda-es');
      assert.equal(job.visibility, 'public');
      assert.deepEqual(job.testDefinitionNames, ['build']);
      assert.deepEqual(job.metadata, {
        'cbuild-bot.request': '42',
        'cbuild-bot.vcs': 'bzr',
        'cbuild-bot.source': 'lp:~user/gcc-linaro/topic',
        'cbuild-bot.branch': SAMPLE_VALUES.branch,
        'cbuild-bot.repository-url': '',
        'cbuild-bot.ref': '',
        'cbuild-bot.revision': SAMPLE_VALUES.revision,
        'cbuild-bot.revno': '115123',
        'cbuild-bot.target': 'a9hf',
        'cbuild-bot.cbuild-job': SAMPLE_VALUES.cbuild_job,
        'cbuild-bot.results-url': SAMPLE_VALUES.results_url,
      });
      const actions = job.data.actions as Record<string, Record<string, unknown>>[];
      assert.deepEqual(actions.map((a) => Object.keys(a)[0]), ['deploy', 'boot', 'test']);
      assert.equal(actions[0]!.deploy!.to, 'ssh');
      assert.equal(actions[1]!.boot!.method, 'ssh');
      const steps = (actions[2]!.test!.definitions as { repository: { run: { steps: string[] } } }[])[0]!.repository.run.steps;
      assert.ok(steps.some((s) => s.includes(`bzr) bzr branch --quiet -r 'revid:${SAMPLE_VALUES.revision}' '${SAMPLE_VALUES.branch}' gcc-src;;`)));
      assert.ok(steps.some((s) => s.startsWith('lava-test-case build --result')));
      assert.ok(steps.some((s) => s.includes(`curl --silent --show-error --fail --retry 3 -T "$f" '${SAMPLE_VALUES.results_url}'"$HOSTDIR/`)));
    });

    it('keeps every shell step parseable by sh whatever the branch name', () => {
      const rendered = renderJobDefinition(template, { ...SAMPLE_VALUES, branch: `lp:~x/gcc/'$(id)\`id\`"; #` }, TEMPLATE_PATH);
      const data = YAML.parse(rendered, { version: '1.1' });
      const steps: string[] = data.actions[2].test.definitions[0].repository.run.steps;
      // `sh -n` parses without running: an unbalanced quote would fail here.
      for (const step of steps) execFileSync('/bin/sh', ['-n', '-c', step]);
    });

    describe('a git build, with ref names git allows but YAML and the shell do not like', () => {
      for (const ref of HOSTILE_REFS) {
        it(`fetches exactly ${JSON.stringify(ref)} and checks out exactly the commit`, () => {
          assert.equal(refFormatProblem(ref), null, 'the bot accepts the ref name');
          execFileSync('git', ['check-ref-format', ref]); // and so does git
          const commit = '0123456789abcdef0123456789abcdef01234567';
          const values = valuesFor({
            source: { vcs: 'git', path: '~eve/gcc-linaro/+git/gcc-linaro', ref },
            source_url: 'https://git.launchpad.net/~eve/gcc-linaro/+git/gcc-linaro',
            revision: { id: commit, revno: null },
          });
          const job = validateJobDefinition(renderJobDefinition(template, values, TEMPLATE_PATH));
          assert.equal(job.metadata['cbuild-bot.ref'], ref, 'the YAML keeps the value whole');
          assert.equal(job.metadata['cbuild-bot.vcs'], 'git');
          const steps = (job.data.actions as Record<string, Record<string, unknown>>[])[2]!.test!.definitions as { repository: { run: { steps: string[] } } }[];
          const checkout = steps[0]!.repository.run.steps.find((s) => s.startsWith('case '))!;
          // Run the checkout step with a git that records its arguments: each value is one whole word.
          const bin = mkdtempSync(join(tmpdir(), 'cbuild-bot-git-'));
          try {
            const log = join(bin, 'argv');
            writeFileSync(join(bin, 'git'), `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done >> '${log}'; printf -- '--\\n' >> '${log}'\n`);
            chmodSync(join(bin, 'git'), 0o755);
            execFileSync('/bin/sh', ['-c', `mkdir -p logs && ${checkout}`], { cwd: bin, env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
            const calls = readFileSync(log, 'utf8').split('--\n').filter(Boolean).map((c) => c.trimEnd().split('\n'));
            assert.deepEqual(calls, [
              ['init', '--quiet', 'gcc-src'],
              ['-C', 'gcc-src', 'fetch', '--quiet', '--end-of-options', 'https://git.launchpad.net/~eve/gcc-linaro/+git/gcc-linaro', ref],
              ['-C', 'gcc-src', 'checkout', '--quiet', '--detach', commit],
            ]);
          } finally {
            rmSync(bin, { recursive: true, force: true });
          }
        });
      }
    });
  });

  describe('validateJobDefinition', () => {
    const valid = {
      device_type: 'ssh',
      job_name: 'smoke',
      timeouts: { job: { minutes: 10 } },
      visibility: 'public',
      actions: [{ deploy: { to: 'ssh' } }],
    };
    const faultFor = (data: unknown) => {
      try {
        validateJobDefinition(typeof data === 'string' ? data : YAML.stringify(data));
      } catch (err) {
        assert.ok(err instanceof JobDefinitionError);
        return err.faultString;
      }
      return assert.fail('definition was accepted');
    };

    it('accepts the minimal job', () => {
      assert.equal(validateJobDefinition(YAML.stringify(valid)).priority, 50);
    });

    it('answers with lava-server fault texts', () => {
      const { timeouts: _timeouts, ...withoutTimeouts } = valid;
      assert.equal(faultFor(withoutTimeouts), "Problem with submitted job data: required key not provided @ data['timeouts']");
      assert.equal(faultFor({ ...valid, timeouts: {} }), "Problem with submitted job data: required key not provided @ data['timeouts']['job']");
      assert.equal(
        faultFor({ ...valid, job_name: 'x'.repeat(201) }),
        "Problem with submitted job data: length of value must be at most 200 for dictionary value @ data['job_name']",
      );
      assert.equal(faultFor({ ...valid, visibility: 'everyone' }), "Problem with submitted job data: not a valid value for dictionary value @ data['visibility']");
      assert.equal(faultFor({ ...valid, actions: [{ flash: {} }] }), "Problem with submitted job data: extra keys not allowed @ data['actions'][0]['flash']");
      assert.equal(faultFor({ ...valid, timeouts: { job: { weeks: 1 } } }), "Problem with submitted job data: extra keys not allowed @ data['timeouts']['job']['weeks']");
      assert.equal(faultFor('- just\n- a list\n'), 'Problem with submitted job data: expected a dictionary');
      assert.match(faultFor('job_name: [unclosed\n'), /^Problem with submitted job data: Loading job submission failed: /);
    });
  });
});
