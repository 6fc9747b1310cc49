/**
 * xz through the system `xz` binary (no npm dependency does LZMA2): CBuild
 * published `.sum` files as `*.sum.xz` (cbuild.md §5).
 */
import { spawn } from 'node:child_process';

/** Output past `maxBytes` (a `.xz` bomb): xz is stopped at once. */
export class XzTooLargeError extends Error {
  constructor(what: string, readonly maxBytes: number) {
    super(`${what} decompresses to more than the ${maxBytes}-byte limit`);
    this.name = 'XzTooLargeError';
  }
}

/** Runs `xz <args>` with `input` on stdin and resolves with its stdout (at most `maxBytes` of it). */
function runXz(args: string[], input: Buffer, what: string, maxBytes = Infinity): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('xz', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    child.stdout.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > maxBytes) {
        tooLarge = true;
        out.length = 0;
        child.kill();
        return;
      }
      out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) => reject(new Error(`cannot run xz to ${what}: ${error.message}`)));
    child.on('close', (code) => {
      if (tooLarge) reject(new XzTooLargeError(what.replace(/^decompress /, ''), maxBytes));
      else if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`xz failed to ${what} (exit ${code}): ${Buffer.concat(err).toString('utf8').trim()}`));
    });
    // A broken pipe shows up as a non-zero exit above; keep it from becoming an unhandled error.
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}

/** `xz -dc`: decompresses `data`, refusing more than `maxBytes` of output; `what` names the file in errors. */
export function xzDecompress(data: Buffer, what: string, maxBytes?: number): Promise<Buffer> {
  return runXz(['-dc'], data, `decompress ${what}`, maxBytes);
}

/** `xz -c`: compresses `data`; `what` names the file in errors. */
export function xzCompress(data: Buffer, what: string): Promise<Buffer> {
  return runXz(['-c'], data, `compress ${what}`);
}
