/** The values the bot renders a LAVA template with, made by the VCS implementations themselves. */
import { vcsFor, type RequestedSource } from '../../src/vcs/index.js';

export const BZR_SAMPLE: RequestedSource = {
  source: { vcs: 'bzr', path: '~user/gcc-linaro/topic', ref: null },
  source_url: 'lp:~user/gcc-linaro/topic',
  revision: { id: 'user@example.com-20121105120000-abcdef0123456789', revno: 115123 },
};

export function jobValues(requested: RequestedSource, extra: Partial<Record<string, string>> = {}): Record<string, string> {
  const vcs = vcsFor(requested.source.vcs);
  const values: Record<string, string> = {
    job_name: 'cbuild-bot r42 a9hf gcc-linaro+bzr115123~u~fix',
    device_type: 'panda-es',
    source: vcs.describeSource(requested.source),
    ...vcs.checkout(requested),
    target: 'a9hf',
    cbuild_job: 'gcc-linaro+bzr115123~user~topic',
    results_url: 'http://cbuild.validation.linaro.org/build/gcc-linaro+bzr115123~user~topic/logs/',
    request_id: '42',
  };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) values[k] = v;
  return values;
}
