/**
 * The sandbox's simulated GCC: what building a revision of a scenario branch
 * produces on each target. Deterministic, so both backends agree unless the
 * scenario says otherwise, and small (~150 results per build) but in the real
 * DejaGnu format.
 */
import { createHash } from 'node:crypto';
import type { BuildOutcome, BuildSpec, Toolchain } from '../cbuild/toolchain.js';
import { renderSum } from '../results/index.js';

type Status = 'PASS' | 'FAIL' | 'XFAIL' | 'XPASS' | 'UNSUPPORTED' | 'UNRESOLVED';
interface Result { status: Status; name: string }

const C_TESTS = [
  'gcc.c-torture/compile/20000105-1.c', 'gcc.c-torture/compile/pr34029-1.c', 'gcc.c-torture/execute/pr43220.c',
  'gcc.c-torture/execute/20020402-3.c', 'gcc.c-torture/execute/builtins/memcpy-chk.c', 'gcc.dg/vect/vect-1.c',
  'gcc.dg/vect/vect-42.c', 'gcc.dg/vect/vect-reduc-2char.c', 'gcc.dg/torture/pr51106-1.c', 'gcc.dg/tree-ssa/ssa-dom-thread-4.c',
  'gcc.dg/pr52283.c', 'gcc.target/arm/neon-vadds64.c', 'gcc.target/arm/pr51835.c', 'gcc.dg/lto/20090914-2_0.c',
];
const CXX_TESTS = ['g++.dg/cpp0x/lambda/lambda-conv.C', 'g++.dg/opt/pr47615.C', 'g++.dg/torture/pr49115.C', 'g++.old-deja/g++.other/inline7.C'];
const OPT_LEVELS = ['-O0', '-O1', '-O2', '-O3 -fomit-frame-pointer', '-Os'];

/** Results the trunk produces; branches apply their changes on top. */
function baseline(target: string): { gcc: Result[]; 'g++': Result[] } {
  const gcc: Result[] = [];
  for (const file of C_TESTS) {
    if (file.includes('/arm/') && target === 'x86_64') {
      gcc.push({ status: 'UNSUPPORTED', name: file });
      continue;
    }
    if (file.includes('c-torture/execute')) {
      for (const opt of OPT_LEVELS) {
        gcc.push({ status: 'PASS', name: `${file}  ${opt}  (test for excess errors)` });
        gcc.push({ status: 'PASS', name: `${file}  ${opt}  execution test` });
      }
    } else {
      gcc.push({ status: 'PASS', name: `${file} (test for excess errors)` });
      if (file.includes('vect')) gcc.push({ status: 'PASS', name: `${file} scan-tree-dump-times vect "vectorized 1 loops" 1` });
    }
  }
  // Known failures of the trunk, as real testsuites always have.
  gcc.push({ status: 'FAIL', name: 'gcc.dg/vect/vect-42.c execution test' });
  gcc.push({ status: 'XFAIL', name: 'gcc.dg/tree-ssa/ssa-dom-thread-4.c scan-tree-dump-times dom1 "Threaded" 1' });
  gcc.push({ status: 'FAIL', name: 'gcc.dg/lto/20090914-2 c_lto_20090914-2_0.o-c_lto_20090914-2_0.o link, -O2 -flto' });
  const cxx: Result[] = CXX_TESTS.flatMap((file) => [
    { status: 'PASS' as Status, name: `${file} -std=gnu++98 (test for excess errors)` },
    { status: 'PASS' as Status, name: `${file} -std=gnu++11 (test for excess errors)` },
  ]);
  cxx.push({ status: 'XPASS', name: 'g++.dg/opt/pr47615.C -std=gnu++11 execution test' });
  return { gcc, 'g++': cxx };
}

function flip(results: Result[], name: string, status: Status): void {
  const r = results.find((x) => x.name === name);
  if (r) r.status = status;
}

function jitter(key: string, spread: number): number {
  return createHash('sha1').update(key).digest().readUInt16BE(0) % spread;
}

export class SandboxToolchain implements Toolchain {
  /** Revisions (bzr ids or git commits) that regress pr43220 at -O2. */
  private readonly regressing = new Set<string>();

  constructor(private readonly baseDurationMs = 3000) {}

  /** From now on, builds of this revision regress a test (the scenario's bad push). */
  regress(revision: string): void {
    this.regressing.add(revision);
  }

  build(spec: BuildSpec): BuildOutcome {
    // Outcomes follow the branch or ref name, so a bzr and a git proposal of the same work agree.
    const name = `${spec.source} ${spec.ref ?? ''}`;
    const durationMs = this.baseDurationMs + jitter(`${name}${spec.revision}${spec.target}${spec.backend}`, 1500);
    const header = `make -C build/${spec.target} bootstrap\n# ${name.trim()} at ${spec.revision ?? `r${spec.revno}`} on ${spec.target} via ${spec.backend}\n`;
    if (name.includes('pr54321')) {
      return {
        result: 'build-failure',
        durationMs: Math.round(durationMs / 3),
        files: {
          'make.log':
            header +
            '../../gcc/gcc/config/arm/arm.c: In function \'arm_expand_prologue\':\n' +
            "../../gcc/gcc/config/arm/arm.c:16231:7: error: 'saved_regs_mask' undeclared (first use in this function)\n" +
            'make[3]: *** [arm.o] Error 1\nmake[2]: *** [all-stage2-gcc] Error 2\nmake: *** [bootstrap] Error 2\n',
        },
      };
    }
    const results = baseline(spec.target);
    if (name.includes('neon-vectorize')) {
      flip(results.gcc, 'gcc.dg/vect/vect-42.c execution test', 'PASS');
      results.gcc.push({ status: 'PASS', name: 'gcc.dg/vect/vect-neon-1.c (test for excess errors)' });
      results.gcc.push({ status: 'PASS', name: 'gcc.dg/vect/vect-neon-1.c execution test' });
    }
    if (spec.revision !== null && this.regressing.has(spec.revision)) {
      flip(results.gcc, 'gcc.c-torture/execute/pr43220.c  -O2  execution test', 'FAIL');
    }
    const files: Record<string, string> = { 'make.log': header + 'make: Leaving directory `build\'\nmake check-gcc check-g++\n' };
    for (const [tool, list] of Object.entries(results)) {
      files[`${tool}.sum`] = renderSum({ tool, target: spec.target, results: list });
    }
    return { result: 'pass', durationMs, files };
  }
}
