import assert from 'node:assert/strict';
import { firstErrors } from '../../src/results/build-log.js';

describe('results/build-log: the first errors of a failed build', () => {
  it('finds the first compiler error with the line that says where, then the make errors after it', () => {
    const log = [
      'make -C build/a9hf bootstrap',
      'gcc -c -O2 -Werror=format-security foo.c',
      "../../gcc/gcc/config/arm/arm.c: In function 'arm_expand_prologue':",
      "../../gcc/gcc/config/arm/arm.c:16231:7: error: 'saved_regs_mask' undeclared (first use in this function)",
      '   saved_regs_mask = 0;',
      '       ^',
      'make[3]: *** [arm.o] Error 1',
      'make[3]: Leaving directory `build/gcc`',
      'make: *** [bootstrap] Error 2',
    ].join('\n');
    assert.deepEqual(firstErrors(log), {
      found: true,
      lines: [
        "../../gcc/gcc/config/arm/arm.c: In function 'arm_expand_prologue':",
        "../../gcc/gcc/config/arm/arm.c:16231:7: error: 'saved_regs_mask' undeclared (first use in this function)",
        'make[3]: *** [arm.o] Error 1',
        'make: *** [bootstrap] Error 2',
      ],
    });
  });

  it('keeps at most the asked number of lines, and reads linker and assembler errors too', () => {
    const log = Array.from({ length: 30 }, (_, i) => `foo${i}.o: undefined reference to \`bar${i}'`).join('\n');
    assert.equal(firstErrors(log, 10).lines.length, 10);
    assert.deepEqual(firstErrors("x.s:3: Error: bad instruction `mvoz r0'\n").lines, ["x.s:3: Error: bad instruction `mvoz r0'"]);
  });

  it('gives the end of the log when no line looks like an error', () => {
    const log = 'configure: creating Makefile\nmake all\nKilled\n\n';
    assert.deepEqual(firstErrors(log), { found: false, lines: ['configure: creating Makefile', 'make all', 'Killed'] });
  });

  it('sanitises what goes into a comment: colours dropped, control characters escaped, long lines cut', () => {
    const log = `\u001b[01m\u001b[Kfoo.c:1:1:\u001b[m\u001b[K \u001b[01;31m\u001b[Kerror: \u001b[m\u001b[Kbad\u0007 \u001b]0;owned\u0007\tthing\r\nmake: *** [all] Error 1 ${'x'.repeat(500)}`;
    const { lines } = firstErrors(log);
    assert.equal(lines[0], 'foo.c:1:1: error: bad\\x07 \\x1b]0;owned\\x07 thing');
    assert.equal(lines[1].length, 200);
    assert.ok(lines[1].endsWith('…'));
  });
});
