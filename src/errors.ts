// The one error type of pyvouch. Every failure a user can meet carries a stable `code` (tests and
// JSON output rely on it, never on the wording), a message that quotes the bad input, and where it
// helps, the file/line/field it came from and a `help` line naming what to do next.

export type ErrorCode =
  // usage and plain I/O
  | 'USAGE'
  | 'IO'
  | 'CONFIG_INVALID'
  // packaging standards (src/pep)
  | 'INVALID_VERSION'
  | 'INVALID_SPECIFIER'
  | 'INVALID_MARKER'
  | 'MARKER_TOO_DEEP'
  | 'INVALID_REQUIREMENT'
  | 'INVALID_NAME'
  | 'INVALID_WHEEL_FILENAME'
  | 'INVALID_SDIST_FILENAME'
  | 'UNDEFINED_COMPARISON'
  | 'UNDEFINED_ENVIRONMENT_NAME'
  | 'INVALID_TARGET'
  | 'METADATA_PARSE'
  // lock files and the graph
  | 'LOCK_PARSE'
  | 'LOCK_UNSUPPORTED'
  | 'LOCK_WRITE' // a lock cannot be written as asked (a file without a hash)
  | 'INCLUDE_TOO_DEEP'
  // any input: bounds on size, nesting and problem counts (hostile input)
  | 'INPUT_TOO_LARGE'
  | 'JSON_TOO_DEEP'
  // keys, envelopes and statements
  | 'KEY_EXISTS'
  | 'KEY_MISSING'
  | 'KEY_INVALID'
  | 'ENVELOPE_INVALID'
  | 'PAYLOAD_TYPE'
  | 'SIG_INVALID'
  | 'STATEMENT_INVALID'
  | 'AGENT_MISMATCH'
  | 'DIGEST_MISMATCH'
  // storage
  | 'STORE'
  | 'STORE_MIGRATION'
  // policy
  | 'POLICY_INVALID'
  | 'POLICY_EXTENDS'
  // archives, index, resolver, sandbox
  | 'ARCHIVE_UNSAFE'
  | 'ARCHIVE_INVALID'
  | 'INDEX_HTTP'
  | 'INDEX_PARSE'
  | 'INDEX_NO_METADATA'
  | 'RESOLUTION_IMPOSSIBLE'
  | 'SANDBOX_UNAVAILABLE'
  | 'SANDBOX_FAILED'
  | 'BUILD_FAILED' // an sdist's metadata build failed: reported as such, never as an unsatisfiable resolution
  // feeds
  | 'FEED_ROLLBACK' // a timestamp, snapshot or targets version older than the one trusted
  | 'FEED_EXPIRED' // freeze: the newest metadata offered has expired
  | 'FEED_MISMATCH' // mix-and-match: metadata versions or hashes that do not agree
  | 'FEED_TARGET_MISMATCH' // a target whose length or hash is not what targets.json says
  | 'FEED_TOO_LARGE' // endless data: a file past its declared length or size limit
  | 'FEED_THRESHOLD' // fewer valid signatures than the role's threshold
  | 'FEED_ROOT_ROTATION' // a new root not signed by old and new keys, or out of sequence
  | 'FEED_UNREACHABLE' // the feed's files cannot be fetched
  | 'FEED_NOT_FOUND' // no followed feed (or registry entry) of that name
  | 'FEED_EXISTS' // a feed or repository of that name or directory already exists
  | 'FEED_INVALID'
  // PEP 740 provenance (src/provenance)
  | 'PROVENANCE_INVALID'
  | 'TRUSTED_ROOT_INVALID'
  | 'PINNING_STATE'
  // the server's answers (src/server/respond.ts)
  | 'HTTP'
  | 'BAD_REQUEST'
  | 'NOT_FOUND'
  | 'UNAUTHORIZED'
  | 'ADMIN_DISABLED'
  | 'BUSY'
  | 'TOO_LARGE'
  | 'TOO_COMPLEX' // a request whose graph is too large or too deep to answer (422)
  | 'TOO_DEEP' // request JSON nested past the limit (422)
  | 'CLIENT_ABORTED' // the client closed the connection mid-request
  | 'UNSUPPORTED_MEDIA_TYPE'
  // a bug: an error pyvouch did not expect (never IO, which is for files and streams)
  | 'INTERNAL';

/** Where in the input the problem is. Every field is optional: fill what is known. */
export interface ErrorLocation {
  /** The file (or URL) the input came from. */
  file?: string;
  /** 1-based line number in that file. */
  line?: number;
  /** Dotted path of the bad field, e.g. `packages[3].wheels[0].hashes.sha256`. */
  path?: string;
}

export interface PyvouchErrorOptions extends ErrorLocation {
  /** What the user can do about it: a command or flag to try. */
  help?: string;
  cause?: unknown;
  /** Further problems found in the same input (report every bad field, not only the first). */
  problems?: readonly PyvouchError[];
}

export class PyvouchError extends Error {
  readonly code: ErrorCode;
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly path: string | undefined;
  readonly help: string | undefined;
  readonly problems: readonly PyvouchError[];

  constructor(code: ErrorCode, message: string, options: PyvouchErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PyvouchError';
    this.code = code;
    this.file = options.file;
    this.line = options.line;
    this.path = options.path;
    this.help = options.help;
    this.problems = options.problems ?? [];
  }

  /** A copy of this error that also names the file (and line) it came from, unless already set. */
  at(location: ErrorLocation): PyvouchError {
    const err = new PyvouchError(this.code, this.message, {
      file: this.file ?? location.file,
      line: this.line ?? location.line,
      path: this.path ?? location.path,
      ...(this.help === undefined ? {} : { help: this.help }),
      cause: this.cause,
      problems: this.problems,
    } as PyvouchErrorOptions);
    return err;
  }

  /** `file:line: path: message` — the form compilers use, so editors can jump to it. */
  describe(): string {
    const where: string[] = [];
    if (this.file !== undefined) where.push(this.line !== undefined ? `${this.file}:${this.line}` : this.file);
    if (this.path !== undefined) where.push(this.path);
    const head = where.length > 0 ? `${where.join(': ')}: ${this.message}` : this.message;
    // The headline is usually the first problem: list the problems only when there are several.
    const rest = this.problems.length > 1 ? this.problems.map((p) => `\n  - ${p.describe()}`).join('') : '';
    return head + rest;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      ...(this.file === undefined ? {} : { file: this.file }),
      ...(this.line === undefined ? {} : { line: this.line }),
      ...(this.path === undefined ? {} : { path: this.path }),
      ...(this.help === undefined ? {} : { help: this.help }),
      ...(this.problems.length === 0 ? {} : { problems: this.problems.map((p) => p.toJSON()) }),
    };
  }
}

export function isPyvouchError(err: unknown): err is PyvouchError {
  return err instanceof PyvouchError;
}
