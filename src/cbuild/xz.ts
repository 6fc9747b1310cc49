/**
 * xz through the system `xz` binary (no npm dependency does LZMA2): CBuild
 * published `.sum` files as `*.sum.xz` (cbuild.md §5).
 */
import { spawn } from 'node:child_process';

/** Runs `xz <args>` with `input` on stdin and resolves with its stdout. */
function runXz(args: string[], input: Buffer, what: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('xz', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) => reject(new Error(`cannot run xz to ${what}: ${error.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`xz failed to ${what} (exit ${code}): ${Buffer.concat(err).toString('utf8').trim()}`));
    });
    // A broken pipe shows up as a non-zero exit above; keep it from becoming an unhandled error.
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}

/** `xz -dc`: decompresses `data`; `what` names the file in errors. */
export function xzDecompress(data: Buffer, what: string): Promise<Buffer> {
  return runXz(['-dc'], data, `decompress ${what}`);
}

/** `xz -c`: compresses `data`; `what` names the file in errors. */
export function xzCompress(data: Buffer, what: string): Promise<Buffer> {
  return runXz(['-c'], data, `compress ${what}`);
}
