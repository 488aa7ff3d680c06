// Chooses and opens the statement store a user asked for: a PostgreSQL URL, or else a SQLite file
// (by default `pyvouch.db` in pyvouch's data directory).

import { join, resolve } from 'node:path';
import { PyvouchError } from '../errors.js';
import type { StatementStore } from './store.js';
import { fileVerifiedCache, type VerifiedEnvelopeCache } from './verified.js';

export interface OpenStoreOptions {
  /** Envelopes already verified, so that reads check only new ones (default: this process only). */
  verifiedCache?: VerifiedEnvelopeCache;
}

/** The file of verified-envelope digests in a cache directory (not beside a shared store). */
export function verifiedCacheIn(cacheDir: string): VerifiedEnvelopeCache {
  return fileVerifiedCache(join(cacheDir, 'verified-envelopes.bin'));
}

export const DEFAULT_STORE_FILE = 'pyvouch.db';

/**
 * Opens (creating and migrating if needed) the store named by `spec`: a `postgres://` or
 * `postgresql://` URL, or a file path; no spec means `<defaultDir>/pyvouch.db`.
 */
export async function openStore(spec: string | undefined, defaultDir: string, options: OpenStoreOptions = {}): Promise<StatementStore> {
  if (spec === undefined || spec.trim() === '') return sqlite(resolve(join(defaultDir, DEFAULT_STORE_FILE)), options);
  if (/^postgres(ql)?:\/\//i.test(spec)) return (await import('./postgres.js')).openPostgresStore(spec, options);
  // Any other scheme is a mistake; taken as a path it would create a directory named `mysql:`.
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(spec);
  if (scheme !== null) {
    throw new PyvouchError('STORE', `unsupported store URL scheme '${scheme[1] ?? ''}:' in '${spec.replace(/:[^:@/]*@/, ':***@')}'`, {
      help: 'use a postgres:// URL or the path of a SQLite file',
    });
  }
  return sqlite(resolve(spec), options);
}

// Each backend (and its driver) is loaded only when used: `pg` alone adds ~50 ms to every start.
async function sqlite(path: string, options: OpenStoreOptions): Promise<StatementStore> {
  return (await import('./sqlite.js')).openSqliteStore(path, options);
}
