/**
 * Reading `.sum` files from disk: plain, `.xz` (CBuild published `*.sum.xz`,
 * cbuild.md §5; streamed through the system `xz -dc`, no npm package does
 * LZMA2) or `.gz`. The format is recognised by its magic bytes, not the name.
 */
import { open } from 'node:fs/promises';
import { SumParseError, parseSum, parseSumIncrementally, type SumFile } from './sum.js';

/** A `.sum` file could not be read; the message names the file and the problem. */
export class SumReadError extends Error {
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(`${path}: ${problem}`);
    this.name = 'SumReadError';
  }
}

export interface ReadOptions {
  /** Refuse inputs (after decompression) larger than this; default 1 GiB. */
  maxBytes?: number;
  /** Refuse a longer line (see ParseOptions.maxLineBytes). */
  maxLineBytes?: number;
}

const DEFAULT_MAX_BYTES = 1 << 30;
const XZ_MAGIC = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory, not a .sum file';
  if (code === 'EACCES') return 'permission denied';
  return error instanceof Error ? error.message : String(error);
}

async function openSumFile(path: string) {
  try {
    return await open(path, 'r');
  } catch (error) {
    throw new SumReadError(path, describe(error));
  }
}

/** The bytes of a `.sum`, `.sum.xz` or `.sum.gz` file, decompressed. */
export async function readSumBytes(path: string, options: ReadOptions = {}): Promise<Buffer> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const handle = await openSumFile(path);
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new SumReadError(path, 'not a regular file');
    const head = Buffer.alloc(6);
    const { bytesRead } = await handle.read(head, 0, 6, 0);
    if (bytesRead === 6 && head.equals(XZ_MAGIC)) return await decompress(path, 'xz', maxBytes);
    if (bytesRead >= 2 && head.subarray(0, 2).equals(GZIP_MAGIC)) return await decompress(path, 'gzip', maxBytes);
    if (stat.size > maxBytes) throw new SumReadError(path, `${stat.size} bytes is more than the ${maxBytes}-byte limit`);
    // One read of the whole file: the thread pool does it while the caller parses the other file.
    const buf = Buffer.allocUnsafe(stat.size);
    let filled = 0;
    while (filled < buf.length) {
      const { bytesRead: n } = await handle.read(buf, filled, buf.length - filled, filled);
      if (n === 0) break;
      filled += n;
    }
    return filled === buf.length ? buf : buf.subarray(0, filled);
  } catch (error) {
    throw error instanceof SumReadError ? error : new SumReadError(path, describe(error));
  } finally {
    await handle.close();
  }
}

/** Streams the file through `xz -dc` or zlib, stopping at `maxBytes`. */
async function decompress(path: string, format: 'xz' | 'gzip', maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  const take = (chunk: Buffer): boolean => {
    total += chunk.length;
    chunks.push(chunk);
    return total <= maxBytes;
  };
  const tooLarge = () => new SumReadError(path, `decompresses to more than the ${maxBytes}-byte limit`);
  if (format === 'gzip') {
    const { createGunzip } = await import('node:zlib');
    const { createReadStream } = await import('node:fs');
    await new Promise<void>((resolve, reject) => {
      const gunzip = createGunzip();
      const input = createReadStream(path);
      input.on('error', (error) => reject(new SumReadError(path, describe(error))));
      gunzip.on('error', (error) => reject(new SumReadError(path, `gzip data is corrupt: ${error.message}`)));
      gunzip.on('data', (chunk: Buffer) => {
        if (!take(chunk)) {
          input.destroy();
          gunzip.destroy();
          reject(tooLarge());
        }
      });
      gunzip.on('end', () => resolve());
      input.pipe(gunzip);
    });
    return Buffer.concat(chunks, total);
  }
  const { spawn } = await import('node:child_process');
  await new Promise<void>((resolve, reject) => {
    const child = spawn('xz', ['-dc', '--', path], { stdio: ['ignore', 'pipe', 'pipe'] });
    const stderr: Buffer[] = [];
    let failed = false;
    const fail = (error: SumReadError): void => {
      if (failed) return;
      failed = true;
      child.kill();
      reject(error);
    };
    child.on('error', (error) => fail(new SumReadError(path, `cannot run xz to decompress it (is xz-utils installed?): ${error.message}`)));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.stdout.on('data', (chunk: Buffer) => {
      if (!take(chunk)) fail(tooLarge());
    });
    child.on('close', (code, signal) => {
      if (failed) return;
      if (code === 0) resolve();
      else {
        const why = Buffer.concat(stderr).toString('utf8').trim() || (signal ? `killed by ${signal}` : `exit status ${code}`);
        fail(new SumReadError(path, `xz -dc failed: ${why}`));
      }
    });
  });
  return Buffer.concat(chunks, total);
}

/** Chunk of a plain file read while the previous one is parsed. */
const CHUNK_BYTES = 4 << 20;

/**
 * Reads and parses a `.sum[.xz|.gz]` file (see parseSum for `like`). A plain
 * file is parsed while it is read: the thread pool reads the next chunk
 * while this thread parses the last one.
 */
export async function readSum(path: string, options: ReadOptions & { like?: SumFile } = {}): Promise<SumFile> {
  const { maxLineBytes } = options;
  if (options.like !== undefined) return parseSum(await readSumBytes(path, options), { source: path, like: options.like, maxLineBytes });
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const handle = await openSumFile(path);
  let compressed = false;
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new SumReadError(path, 'not a regular file');
    const head = Buffer.alloc(6);
    const { bytesRead } = await handle.read(head, 0, 6, 0);
    compressed = (bytesRead === 6 && head.equals(XZ_MAGIC)) || (bytesRead >= 2 && head.subarray(0, 2).equals(GZIP_MAGIC));
    if (!compressed) {
      if (stat.size > maxBytes) throw new SumReadError(path, `${stat.size} bytes is more than the ${maxBytes}-byte limit`);
      const buf = Buffer.allocUnsafe(stat.size);
      const parse = parseSumIncrementally(buf, { source: path, maxLineBytes });
      let filled = 0;
      let reading = handle.read(buf, 0, Math.min(CHUNK_BYTES, buf.length), 0);
      while (filled < buf.length) {
        const { bytesRead: n } = await reading;
        if (n === 0) throw new SumReadError(path, `file shrank while being read (${filled} of ${buf.length} bytes)`);
        filled += n;
        if (filled < buf.length) reading = handle.read(buf, filled, Math.min(CHUNK_BYTES, buf.length - filled), filled);
        parse.advance(filled);
      }
      return parse.end();
    }
  } catch (error) {
    throw error instanceof SumReadError || error instanceof SumParseError ? error : new SumReadError(path, describe(error));
  } finally {
    await handle.close();
  }
  return parseSum(await readSumBytes(path, options), { source: path, maxLineBytes });
}
