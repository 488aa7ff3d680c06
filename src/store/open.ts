// Chooses and opens the statement store a user asked for: a PostgreSQL URL, or else a SQLite file
// (by default `pyvouch.db` in pyvouch's data directory).

import { join, resolve } from 'node:path';
import { PyvouchError } from '../errors.js';
import type { StatementStore } from './store.js';

export const DEFAULT_STORE_FILE = 'pyvouch.db';

/**
 * Opens (creating and migrating if needed) the store named by `spec`: a `postgres://` or
 * `postgresql://` URL, or a file path; no spec means `<defaultDir>/pyvouch.db`.
 */
export async function openStore(spec: string | undefined, defaultDir: string): Promise<StatementStore> {
  if (spec === undefined || spec.trim() === '') return sqlite(resolve(join(defaultDir, DEFAULT_STORE_FILE)));
  if (/^postgres(ql)?:\/\//i.test(spec)) return (await import('./postgres.js')).openPostgresStore(spec);
  // Any other scheme is a mistake; taken as a path it would create a directory named `mysql:`.
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(spec);
  if (scheme !== null) {
    throw new PyvouchError('STORE', `unsupported store URL scheme '${scheme[1] ?? ''}:' in '${spec.replace(/:[^:@/]*@/, ':***@')}'`, {
      help: 'use a postgres:// URL or the path of a SQLite file',
    });
  }
  return sqlite(resolve(spec));
}

// Each backend (and its driver) is loaded only when used: `pg` alone adds ~50 ms to every start.
async function sqlite(path: string): Promise<StatementStore> {
  return (await import('./sqlite.js')).openSqliteStore(path);
}
