// Reads statement envelopes from disk for `import` and `check --statements`: a .json file with one
// envelope (or an array of them), a .jsonl/.ndjson file with one per line, or a directory of such
// files. Each envelope is verified; a bad one becomes a rejection naming its file (and line) and
// the reason, and the others still load.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { PyvouchError, isPyvouchError } from '../errors.js';
import { parseEnvelopeJson, readEnvelope, verifyStatementEnvelope } from '../attest/verify.js';
import type { StoredStatement } from '../attest/types.js';
import { parseJsonBounded } from '../text/json-depth.js';

export interface Rejection {
  file: string;
  line?: number;
  error: PyvouchError;
}

export interface LoadedEnvelopes {
  accepted: StoredStatement[];
  rejected: Rejection[];
  files: number;
}

const ENVELOPE_EXTENSIONS = new Set(['.json', '.jsonl', '.ndjson', '.intoto', '.dsse']);

function listFiles(path: string): string[] {
  let stat;
  try {
    stat = statSync(path);
  } catch (err) {
    throw new PyvouchError('IO', `cannot read ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : String(err)}`, {
      file: path,
      cause: err,
    });
  }
  if (!stat.isDirectory()) return [path];
  const out: string[] = [];
  for (const entry of readdirSync(path, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = join(path, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(full));
    else if (entry.isFile() && ENVELOPE_EXTENSIONS.has(extname(entry.name).toLowerCase())) out.push(full);
  }
  return out;
}

export function asError(err: unknown): PyvouchError {
  return isPyvouchError(err) ? err : new PyvouchError('ENVELOPE_INVALID', err instanceof Error ? err.message : String(err), { cause: err });
}

/** Envelope values read from files (parsed JSON, not yet verified), with where each came from. */
export interface EnvelopeValues {
  values: { value: unknown; file: string; line?: number }[];
  /** Files or lines that are not JSON at all. */
  rejected: Rejection[];
  files: number;
}

export function readEnvelopeValues(paths: readonly string[]): EnvelopeValues {
  const result: EnvelopeValues = { values: [], rejected: [], files: 0 };
  for (const root of paths) {
    for (const file of listFiles(root)) {
      result.files++;
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        result.rejected.push({ file, error: new PyvouchError('IO', `cannot read: ${String(err)}`, { file, cause: err }) });
        continue;
      }
      const ext = extname(file).toLowerCase();
      if (ext === '.jsonl' || ext === '.ndjson') {
        text.split('\n').forEach((raw, i) => {
          if (raw.trim() === '') return;
          try {
            result.values.push({ value: parseJsonBounded(raw, 'the envelope', { file }), file, line: i + 1 });
          } catch (err) {
            result.rejected.push({
              file,
              line: i + 1,
              error: isPyvouchError(err)
                ? err.at({ file, line: i + 1 })
                : new PyvouchError('ENVELOPE_INVALID', `not a JSON document (truncated or corrupted?): ${(err as Error).message}`, { file, line: i + 1 }),
            });
          }
        });
        continue;
      }
      if (text.trimStart().startsWith('[')) {
        let values: unknown;
        try {
          values = parseJsonBounded(text, 'the file', { file });
        } catch (err) {
          const error = isPyvouchError(err) ? err.at({ file }) : new PyvouchError('ENVELOPE_INVALID', `not a JSON document: ${(err as Error).message}`, { file });
          result.rejected.push({ file, error });
          continue;
        }
        for (const value of values as unknown[]) result.values.push({ value, file });
        continue;
      }
      try {
        result.values.push({ value: readEnvelope(parseEnvelopeJson(text, file)), file });
      } catch (err) {
        result.rejected.push({ file, error: asError(err) });
      }
    }
  }
  return result;
}

/** Reads and verifies: the statements that pass, and every file or line that does not, with why. */
export function loadEnvelopes(paths: readonly string[], opts: { now?: Date } = {}): LoadedEnvelopes {
  const read = readEnvelopeValues(paths);
  const result: LoadedEnvelopes = { accepted: [], rejected: [...read.rejected], files: read.files };
  for (const v of read.values) {
    try {
      result.accepted.push(verifyStatementEnvelope(v.value, opts.now === undefined ? {} : { now: opts.now }));
    } catch (err) {
      result.rejected.push({ file: v.file, ...(v.line === undefined ? {} : { line: v.line }), error: asError(err) });
    }
  }
  return result;
}

export function describeRejection(r: Rejection): string {
  const where = r.line === undefined ? r.file : `${r.file}:${r.line}`;
  return `${where}: ${r.error.code}: ${r.error.message}`;
}

/** A rejection as JSON output: where, then the error's code, message and location. */
export function rejectionJson(r: Rejection): Record<string, unknown> {
  return { file: r.file, ...(r.line === undefined ? {} : { line: r.line }), ...r.error.toJSON() };
}
