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

const DIGEST_BYTES = 32;

/**
 * A set of 32-byte digests kept as bytes: an open-addressing table of their positions in one
 * array, keyed by their first four bytes (sha256 digests are uniform). Built from a cache file in
 * one pass over its bytes, where a Set of strings made a string of every digest first (the cache
 * file of a 13k-statement `check` took ~20 ms to load that way). Hand-written: no well-kept
 * package holds fixed-size binary keys without a string each.
 */
class DigestSet {
  #bytes: Uint8Array;
  #count = 0;
  /** Position + 1 of the digest in each slot, 0 for none; the length is a power of two. */
  #slots: Int32Array;

  constructor(capacity = 0) {
    this.#bytes = new Uint8Array(Math.max(64, capacity) * DIGEST_BYTES);
    this.#slots = new Int32Array(slotsFor(Math.max(64, capacity)));
  }

  /** The digests of `bytes` (a cache file: digests end to end; a partial tail is ignored). */
  static from(bytes: Uint8Array): DigestSet {
    const n = Math.floor(bytes.length / DIGEST_BYTES);
    const set = new DigestSet(n);
    // The file's digests are copied in one go and put in their slots where they lie; a digest the
    // file holds twice (two processes appended it) is dropped and the ones after it moved down.
    set.#bytes.set(bytes.subarray(0, n * DIGEST_BYTES));
    for (let i = 0; i < n; i++) {
      const at = set.#count * DIGEST_BYTES;
      if (i !== set.#count) set.#bytes.copyWithin(at, i * DIGEST_BYTES, (i + 1) * DIGEST_BYTES);
      if (set.#find(set.#bytes, at) >= 0) continue;
      set.#count++;
      set.#place(set.#count);
    }
    // What a partial tail or a dropped duplicate left past the last digest is never read: #find
    // looks only at the positions of placed digests, and add() writes over it.
    return set;
  }

  has(d: Uint8Array): boolean {
    if (d.length < DIGEST_BYTES) return false;
    return this.#find(d, 0) >= 0;
  }

  /** Adds the digest `d`; false when it was there already. */
  add(d: Uint8Array): boolean {
    if (d.length < DIGEST_BYTES) return false;
    const slot = this.#find(d, 0);
    if (slot >= 0) return false;
    if ((this.#count + 1) * 2 > this.#slots.length) this.#grow();
    if ((this.#count + 1) * DIGEST_BYTES > this.#bytes.length) {
      const bytes = new Uint8Array(this.#bytes.length * 2);
      bytes.set(this.#bytes);
      this.#bytes = bytes;
    }
    this.#bytes.set(d.subarray(0, DIGEST_BYTES), this.#count * DIGEST_BYTES);
    this.#count++;
    this.#place(this.#count);
    return true;
  }

  /** The slot holding the digest, or -1. */
  #find(d: Uint8Array, at: number): number {
    const mask = this.#slots.length - 1;
    const bytes = this.#bytes;
    for (let slot = key(d, at) & mask; ; slot = (slot + 1) & mask) {
      const entry = this.#slots[slot]!;
      if (entry === 0) return -1;
      const from = (entry - 1) * DIGEST_BYTES;
      let i = 0;
      while (i < DIGEST_BYTES && bytes[from + i] === d[at + i]) i++;
      if (i === DIGEST_BYTES) return slot;
    }
  }

  /** Puts the digest numbered `entry` (position + 1) in the first free slot of its chain. */
  #place(entry: number): void {
    const mask = this.#slots.length - 1;
    let slot = key(this.#bytes, (entry - 1) * DIGEST_BYTES) & mask;
    while (this.#slots[slot] !== 0) slot = (slot + 1) & mask;
    this.#slots[slot] = entry;
  }

  #grow(): void {
    this.#slots = new Int32Array(this.#slots.length * 2);
    for (let entry = 1; entry <= this.#count; entry++) this.#place(entry);
  }
}

function slotsFor(count: number): number {
  let n = 64;
  while (n < count * 2) n *= 2;
  return n;
}

function key(d: Uint8Array, at: number): number {
  return (d[at]! | (d[at + 1]! << 8) | (d[at + 2]! << 16) | (d[at + 3]! << 24)) >>> 0;
}

/** A cache for one process (the server keeps its store open, so this is all it needs). */
export function memoryVerifiedCache(): VerifiedEnvelopeCache {
  const seen = new DigestSet();
  return {
    has: (d) => seen.has(d),
    add: (d) => void seen.add(d),
    flush: () => undefined,
  };
}

/**
 * A cache kept in a local file of 32-byte digests, appended to on flush: a cold `check` then
 * verifies only envelopes it has never seen. The file lives in the user's cache directory, not in
 * the store, because whoever can write to a (shared) store must not be able to vouch for an
 * envelope by adding its digest. A damaged or unreadable file only costs speed: a digest with a
 * flipped byte names no row, and that row is verified again the long way.
 */
export function fileVerifiedCache(file: string): VerifiedEnvelopeCache {
  let known: DigestSet;
  try {
    known = DigestSet.from(readFileSync(file));
  } catch {
    // No cache yet, or unreadable: start empty.
    known = new DigestSet();
  }
  let pending: Buffer[] = [];
  return {
    has: (d) => known.has(d),
    add(d) {
      if (known.add(d)) pending.push(Buffer.from(d));
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
  // hashing the row (13k rows in a `check`). The texts are written as UTF-8 into one reused buffer:
  // hashing their concatenation made a flat copy of each row's 2 KB in the heap first.
  const prefix = `pyvouch verified row v1\u0000${envelope.length}\u0000`;
  // At most 3 bytes of UTF-8 per UTF-16 code unit.
  const most = 3 * (prefix.length + envelope.length + 1 + statement.length);
  if (most > scratch.length) scratch = Buffer.allocUnsafe(Math.max(2 * scratch.length, most));
  let at = scratch.write(prefix, 0, 'utf8');
  at += scratch.write(envelope, at, 'utf8');
  scratch[at++] = 0;
  at += scratch.write(statement, at, 'utf8');
  return hash('sha256', scratch.subarray(0, at), 'buffer');
}

/** rowDigest's buffer, grown to the largest row seen. */
let scratch = Buffer.allocUnsafe(64 * 1024);

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
  // A store's rows come from a few sources: one object each, shared by their statements (nothing
  // changes a statement's source once read).
  readonly #sources = new Map<string, StatementSource>();
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
    let digest: Buffer;
    let verified: boolean;
    try {
      digest = envelopeDigest(row.envelope);
      value = JSON.parse(row.envelope) as unknown;
      verified = this.#cache.has(digest);
      stored = verified ? decodeStatementEnvelope(value) : verifyStatementEnvelope(value);
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
    // The row digest says the envelope verified too, so the envelope's own digest is kept only for
    // a row the short way cannot serve (no column, or one that differs): 32 bytes a row, not 64.
    if (pair !== undefined && sameJson(column!, stored.statement) && isDeepStrictEqual(value, stored.envelope)) this.#cache.add(pair);
    else if (!verified) this.#cache.add(digest);
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

  #sourceOf(row: RowReceipt): StatementSource {
    const key = `${row.sourceKind ?? ''}\u0000${row.sourceName ?? ''}\u0000${row.sourceName === null ? 'null' : typeof row.sourceName}`;
    let source = this.#sources.get(key);
    if (source === undefined) this.#sources.set(key, (source = sourceOf(row)));
    return source;
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
    statement.source = this.#sourceOf(row);
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
