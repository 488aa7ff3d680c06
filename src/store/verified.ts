// Reading a statement back from a store: what counts is what the signature covers (issue #10,
// item 12). Every row's envelope is verified, or found in a cache of what was verified before:
//  - an envelope digest (sha256 of the envelope text) says the envelope verified, so it is only
//    decoded, not verified again;
//  - a row digest (sha256 of the envelope text and the `statement` column text together) says the
//    envelope verified AND the column holds exactly the statement decoding it gives, so the
//    column's JSON is read instead of decoding the envelope (ten times cheaper: a cold `check`).
// A row digest is added only after that comparison, so an edited column (or envelope) has another
// digest and goes the long way: the envelope decides, and a row whose envelope fails is set aside
// and recorded, so the caller can report it. The column alone is never believed.
import { hash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Envelope, Statement, StatementSource, StoredStatement } from '../attest/types.js';
import { decodeStatementEnvelope, verifyStatementEnvelope } from '../attest/verify.js';
import { isPyvouchError } from '../errors.js';

/** The envelope digests known to verify. A digest names the exact bytes of an envelope text. */
export interface VerifiedEnvelopeCache {
  has(digest: Buffer): boolean;
  add(digest: Buffer): void;
  /** Makes what was added durable (a no-op for memory caches). */
  flush(): void;
}

/** A cache for one process (the server keeps its store open, so this is all it needs). */
export function memoryVerifiedCache(): VerifiedEnvelopeCache {
  const seen = new Set<string>();
  return {
    has: (d) => seen.has(d.toString('latin1')),
    add: (d) => void seen.add(d.toString('latin1')),
    flush: () => undefined,
  };
}

const DIGEST_BYTES = 32;

/**
 * A cache kept in a local file of 32-byte digests, appended to on flush: a cold `check` then
 * verifies only envelopes it has never seen. The file lives in the user's cache directory, not in
 * the store, because whoever can write to a (shared) store must not be able to vouch for an
 * envelope by adding its digest. A damaged or unreadable file only costs speed.
 */
export function fileVerifiedCache(file: string): VerifiedEnvelopeCache {
  const memory = memoryVerifiedCache();
  let pending: Buffer[] = [];
  try {
    const bytes = readFileSync(file);
    const whole = bytes.length - (bytes.length % DIGEST_BYTES);
    for (let i = 0; i < whole; i += DIGEST_BYTES) memory.add(bytes.subarray(i, i + DIGEST_BYTES));
  } catch {
    // No cache yet, or unreadable: start empty.
  }
  return {
    has: (d) => memory.has(d),
    add(d) {
      if (memory.has(d)) return;
      memory.add(d);
      pending.push(Buffer.from(d));
    },
    flush() {
      if (pending.length === 0) return;
      const out = Buffer.concat(pending);
      pending = [];
      try {
        mkdirSync(dirname(file), { recursive: true });
        const fd = openSync(file, 'a');
        try {
          writeSync(fd, out);
        } finally {
          closeSync(fd);
        }
      } catch {
        // A cache that cannot be written only costs speed next time.
      }
    },
  };
}

/** A stored row set aside because its envelope does not verify. */
export interface StoreRejection {
  /** The row's id column (as stored: it may be wrong too). */
  id: string;
  code: string;
  message: string;
}

/** What a row carries besides the envelope: pyvouch's own receipt data. */
export interface RowReceipt {
  id: string;
  envelope: string;
  /**
   * The row's `statement` column (JSON of the statement as stored), when read: used only when a
   * row digest in the cache vouches for it together with the envelope.
   */
  statement?: string | null;
  receivedAt?: string | Date | null;
  sourceKind?: string | null;
  sourceName?: string | null;
}

const SOURCE_KINDS: ReadonlySet<string> = new Set(['local', 'file', 'feed', 'provenance', 'scanner']);

function sourceOf(row: RowReceipt): StatementSource {
  const kind = row.sourceKind ?? 'local';
  // An unknown kind would let a row pose as a feed or scanner party: take the plainest.
  const known = SOURCE_KINDS.has(kind) ? (kind as StatementSource['kind']) : 'local';
  return row.sourceName === undefined || row.sourceName === null ? { kind: known } : { kind: known, name: row.sourceName };
}

function receivedAtOf(value: string | Date | null | undefined): string | undefined {
  if (value === undefined || value === null) return undefined;
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** sha256 of the envelope text: the cache entry that says this envelope verified. */
function envelopeDigest(envelope: string): Buffer {
  return hash('sha256', envelope, 'buffer');
}

/**
 * sha256 of envelope and statement texts together, length-prefixed and under a label of its own,
 * so no row digest is an envelope digest and no split of the two texts gives another pair.
 */
function rowDigest(envelope: string, statement: string): Buffer {
  // One-shot hash of the same bytes as the streaming form: a Hash object per row cost more than
  // hashing the row (13k rows in a `check`).
  return hash('sha256', `pyvouch verified row v1\u0000${envelope.length}\u0000${envelope}\u0000${statement}`, 'buffer');
}

function sameJson(text: string, statement: Statement): boolean {
  try {
    return isDeepStrictEqual(JSON.parse(text), statement);
  } catch {
    return false;
  }
}

/** Verifies and decodes rows for one store, remembering what it set aside. */
export class RowVerifier {
  readonly #cache: VerifiedEnvelopeCache;
  readonly #rejected = new Map<string, StoreRejection>();
  // Rows imported in one batch share their receipt time: its ISO form is computed once per text.
  readonly #receivedIso = new Map<string, string | undefined>();

  constructor(cache: VerifiedEnvelopeCache = memoryVerifiedCache()) {
    this.#cache = cache;
  }

  /** The statement the row's envelope carries, or undefined (recorded) when it does not verify. */
  read(row: RowReceipt): StoredStatement | undefined {
    const column = typeof row.statement === 'string' ? row.statement : undefined;
    const pair = column === undefined ? undefined : rowDigest(row.envelope, column);
    if (pair !== undefined && this.#cache.has(pair)) return this.#fromColumn(row, column!);
    return this.#verify(row, column, pair);
  }

  /**
   * read() for a caller that needs only the statement (policy evaluation): the same checks, but
   * a row served from its column keeps no hold on the envelope text, so a large read (a `check`
   * of 13k rows) leaves far less behind for the garbage collector.
   */
  readStatement(row: RowReceipt): Statement | undefined {
    const column = typeof row.statement === 'string' ? row.statement : undefined;
    const pair = column === undefined ? undefined : rowDigest(row.envelope, column);
    if (pair !== undefined && this.#cache.has(pair)) return this.#receipt(JSON.parse(column!) as Statement, row);
    return this.#verify(row, column, pair)?.statement;
  }

  /** The long way: the envelope is decoded (and verified unless its digest is cached). */
  #verify(row: RowReceipt, column: string | undefined, pair: Buffer | undefined): StoredStatement | undefined {
    let stored: StoredStatement;
    let value: unknown;
    try {
      const digest = envelopeDigest(row.envelope);
      value = JSON.parse(row.envelope) as unknown;
      if (this.#cache.has(digest)) stored = decodeStatementEnvelope(value);
      else {
        stored = verifyStatementEnvelope(value);
        this.#cache.add(digest);
      }
    } catch (err) {
      this.#rejected.set(row.id, {
        id: row.id,
        code: isPyvouchError(err) ? err.code : 'ENVELOPE_INVALID',
        message: err instanceof Error ? err.message : String(err),
      });
      return undefined;
    }
    // The column may serve next time only if parsing it gives exactly this decoding, and parsing the
    // envelope text gives the canonical envelope: the short way then returns what this one does.
    if (pair !== undefined && sameJson(column!, stored.statement) && isDeepStrictEqual(value, stored.envelope)) this.#cache.add(pair);
    return { statement: this.#receipt(stored.statement, row), envelope: stored.envelope };
  }

  /** A row whose envelope and column were verified together before: the column is the statement. */
  #fromColumn(row: RowReceipt, column: string): StoredStatement {
    const statement = this.#receipt(JSON.parse(column) as Statement, row);
    const text = row.envelope;
    let envelope: Envelope | undefined;
    return {
      statement,
      // Most readers (policy evaluation) never look at the envelope: parse it when asked.
      get envelope(): Envelope {
        return (envelope ??= JSON.parse(text) as Envelope);
      },
    };
  }

  /** Adds pyvouch's receipt data (unsigned, from the row's own columns) to a fresh statement. */
  #receipt(statement: Statement, row: RowReceipt): Statement {
    const at = row.receivedAt;
    let iso: string | undefined;
    if (typeof at === 'string') {
      iso = this.#receivedIso.get(at);
      if (iso === undefined && !this.#receivedIso.has(at)) {
        iso = receivedAtOf(at);
        this.#receivedIso.set(at, iso);
      }
    } else iso = receivedAtOf(at);
    if (iso !== undefined) statement.receivedAt = iso;
    statement.source = sourceOf(row);
    return statement;
  }

  readAll(rows: readonly RowReceipt[]): StoredStatement[] {
    const out: StoredStatement[] = [];
    for (const row of rows) {
      const s = this.read(row);
      if (s !== undefined) out.push(s);
    }
    return out;
  }

  /** Rows set aside since the store was opened (one entry per row). */
  rejected(): StoreRejection[] {
    return [...this.#rejected.values()];
  }

  flush(): void {
    this.#cache.flush();
  }
}
