/**
 * The simulated results host's files: `build/<job>/logs/<result dir>/<file>`
 * (cbuild.md §5), kept in memory. Names are validated here too, so nothing
 * can be stored outside that layout whichever door it comes through.
 */
import { fileNameProblem, jobNameProblem, resultDirProblem, type DirectoryEntry } from './wire.js';

interface StoredFile {
  body: Buffer;
  modified: Date;
}

export class ResultsTree {
  /** Keyed by `<job>/logs/<result dir>/<file>`. */
  private readonly files = new Map<string, StoredFile>();

  constructor(private readonly clock: () => Date) {}

  /** Why these names cannot be stored, or null if they can. */
  static problem(job: string, resultDir: string, file: string): string | null {
    return jobNameProblem(job) ?? resultDirProblem(resultDir) ?? fileNameProblem(file);
  }

  put(job: string, resultDir: string, file: string, body: Buffer): void {
    const problem = ResultsTree.problem(job, resultDir, file);
    if (problem) throw new Error(problem);
    this.files.set(`${job}/logs/${resultDir}/${file}`, { body, modified: this.clock() });
  }

  /** The file at `segments` (below `build/`), or null. */
  get(segments: readonly string[]): StoredFile | null {
    return this.files.get(segments.join('/')) ?? null;
  }

  /**
   * The entries of the directory at `segments` (below `build/`; empty for
   * `build/` itself), sorted by name, or null if no such directory exists.
   */
  list(segments: readonly string[]): DirectoryEntry[] | null {
    const prefix = segments.length === 0 ? '' : segments.join('/') + '/';
    const entries = new Map<string, DirectoryEntry>();
    for (const [path, file] of this.files) {
      if (!path.startsWith(prefix)) continue;
      const rest = path.slice(prefix.length).split('/');
      const name = rest[0];
      const modified = file.modified.toISOString();
      if (rest.length === 1) {
        entries.set(name, { name, type: 'file', size: file.body.length, modified });
      } else {
        const seen = entries.get(name);
        if (!seen || seen.modified < modified) entries.set(name, { name, type: 'directory', modified });
      }
    }
    if (entries.size === 0 && segments.length > 0) return null;
    return [...entries.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}
