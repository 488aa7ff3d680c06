// Numbered schema migrations for both store backends, and the rule for refusing a store written by
// a newer pyvouch. Each backend applies the migrations it lacks, in order, in one transaction.

import { PyvouchError } from '../errors.js';

export interface Migration {
  version: number;
  name: string;
  /** SQL statements, run in order inside the migration transaction. */
  statements: readonly string[];
}

const KINDS = "('assess','review','vote','like','flag','trust','rotate')";
// Migration 3: retract statements (issue #10). `publish` statements are made by pyvouch from
// provenance and never stored as envelopes, so they are not admitted.
const KINDS_V3 = "('assess','review','vote','like','flag','trust','rotate','retract')";
const SOURCES = "('local','file','feed','provenance','scanner')";
const STATEMENT_COLUMNS = 'id, kind, predicate_type, agent, package_name, package_version, start_time, end_time, imported_at, envelope, statement';
const LEVELS = "('high','medium','low','distrust')";

/** The table that records applied migrations; it is created before any migration runs. */
export const MIGRATIONS_TABLE = 'pyvouch_migrations';

/**
 * The SQLite statements table as migration 1 made it, under `name` and admitting `kinds`
 * (migration 3 rebuilds it under another name with one more kind: SQLite cannot alter a CHECK).
 */
function sqliteStatementsTable(name: string, kinds: string): string {
  return `CREATE TABLE ${name} (
        id TEXT NOT NULL UNIQUE CHECK (length(id) = 64 AND id NOT GLOB '*[^0-9a-f]*'),
        kind TEXT NOT NULL CHECK (kind IN ${kinds}),
        predicate_type TEXT NOT NULL,
        agent TEXT NOT NULL,
        package_name TEXT,
        package_version TEXT,
        start_time TEXT NOT NULL,
        end_time TEXT,
        imported_at TEXT NOT NULL,
        envelope TEXT NOT NULL,
        statement TEXT NOT NULL
      )`;
}

/** The statements table's indexes (made by migration 1, made again by migration 3's rebuild). */
const SQLITE_STATEMENT_INDEXES = [
  'CREATE INDEX statements_package ON statements (package_name, package_version)',
  'CREATE INDEX statements_agent_kind ON statements (agent, kind)',
  'CREATE INDEX statements_kind ON statements (kind)',
  'CREATE INDEX statements_start_time ON statements (start_time)',
  'CREATE INDEX statements_end_time ON statements (end_time)',
  'CREATE INDEX statements_imported_at ON statements (imported_at)',
] as const;

// SQLite keeps times as UTC ISO 8601 text (`toISOString()`), which sorts in time order; the
// statements table keeps its rowid because rows are large (WITHOUT ROWID suits small rows).
//
// Migration 2 (both backends): ids and digests are random, so each batch dirties pages all over
// every index keyed by them, and a commit rewrites those pages: imports cost in proportion to the
// size of such index entries. Subjects keyed by (sha256, statement_id, filename), ~170 bytes an
// entry, become a plain appended table with one index on sha256 alone, ~70 bytes an entry; the
// store writes each statement's subjects once, deduplicated, when it inserts the statement.
// Nothing deletes statements yet; a migration that adds deletion should index statement_id.
//
// Migration 4 (both backends): `imported_at` is the time pyvouch first received a statement (it is
// written once: a repeat is a duplicate and changes nothing), returned as Statement.receivedAt;
// source_kind and source_name keep where that first receipt came from (Statement.source).
export const sqliteMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'statements, subjects and trust edges',
    statements: [
      sqliteStatementsTable('statements', KINDS),
      ...SQLITE_STATEMENT_INDEXES,
      `CREATE TABLE statement_subjects (
        statement_id TEXT NOT NULL REFERENCES statements (id) ON DELETE CASCADE,
        sha256 TEXT NOT NULL CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),
        filename TEXT NOT NULL,
        PRIMARY KEY (sha256, statement_id, filename)
      ) WITHOUT ROWID`,
      `CREATE TABLE trust_edges (
        statement_id TEXT NOT NULL PRIMARY KEY REFERENCES statements (id) ON DELETE CASCADE,
        agent TEXT NOT NULL,
        subject TEXT NOT NULL,
        relation TEXT NOT NULL CHECK (relation IN ('trust','rotate')),
        level TEXT CHECK (level IN ${LEVELS})
      ) WITHOUT ROWID`,
      'CREATE INDEX trust_edges_agent ON trust_edges (agent)',
      'CREATE INDEX trust_edges_subject ON trust_edges (subject)',
    ],
  },
  {
    version: 2,
    name: 'subjects indexed by sha256 alone',
    statements: [
      `CREATE TABLE statement_subjects_v2 (
        statement_id TEXT NOT NULL REFERENCES statements (id) ON DELETE CASCADE,
        sha256 TEXT NOT NULL CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),
        filename TEXT NOT NULL
      )`,
      'INSERT INTO statement_subjects_v2 (statement_id, sha256, filename) SELECT statement_id, sha256, filename FROM statement_subjects',
      'DROP TABLE statement_subjects',
      'ALTER TABLE statement_subjects_v2 RENAME TO statement_subjects',
      'CREATE INDEX statement_subjects_sha256 ON statement_subjects (sha256)',
    ],
  },
  {
    // SQLite cannot alter a CHECK constraint: the table is rebuilt (the runner turns foreign keys
    // off around migrations, so dropping the old table cascades nothing, and checks them after).
    version: 3,
    name: 'retract statements',
    statements: [
      sqliteStatementsTable('statements_v3', KINDS_V3),
      `INSERT INTO statements_v3 (rowid, ${STATEMENT_COLUMNS}) SELECT rowid, ${STATEMENT_COLUMNS} FROM statements`,
      'DROP TABLE statements',
      'ALTER TABLE statements_v3 RENAME TO statements',
      ...SQLITE_STATEMENT_INDEXES,
    ],
  },
  {
    version: 4,
    name: 'where each statement was first received from',
    statements: [
      `ALTER TABLE statements ADD COLUMN source_kind TEXT NOT NULL DEFAULT 'local' CHECK (source_kind IN ${SOURCES})`,
      'ALTER TABLE statements ADD COLUMN source_name TEXT',
    ],
  },

];

// PostgreSQL objects are qualified with the store's schema, so nothing depends on search_path.
// Ids use the "C" collation: byte order, the same order SQLite gives, and cheaper comparisons.
// A statement row (2 KB and up) passes the default TOAST threshold (~2 KB), and PostgreSQL would
// try to compress the envelope, whose base64 barely compresses; keeping rows up to a page inline
// measurably speeds imports. Larger rows are still compressed and moved out of line.
export function postgresMigrations(schema: string): readonly Migration[] {
  const s = quoteIdent(schema);
  return [
    {
      version: 1,
      name: 'statements, subjects and trust edges',
      statements: [
        `CREATE TABLE ${s}.statements (
          id text COLLATE "C" PRIMARY KEY CHECK (id ~ '^[0-9a-f]{64}$'),
          kind text NOT NULL CHECK (kind IN ${KINDS}),
          predicate_type text NOT NULL,
          agent text NOT NULL,
          package_name text,
          package_version text,
          start_time timestamptz NOT NULL,
          end_time timestamptz,
          imported_at timestamptz NOT NULL DEFAULT now(),
          envelope text NOT NULL,
          statement text NOT NULL
        ) WITH (toast_tuple_target = 8160)`,
        `CREATE INDEX statements_package ON ${s}.statements (package_name, package_version)`,
        `CREATE INDEX statements_agent_kind ON ${s}.statements (agent, kind)`,
        `CREATE INDEX statements_kind ON ${s}.statements (kind)`,
        `CREATE INDEX statements_start_time ON ${s}.statements (start_time)`,
        `CREATE INDEX statements_end_time ON ${s}.statements (end_time)`,
        `CREATE INDEX statements_imported_at ON ${s}.statements (imported_at)`,
        `CREATE TABLE ${s}.statement_subjects (
          statement_id text COLLATE "C" NOT NULL REFERENCES ${s}.statements (id) ON DELETE CASCADE,
          sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
          filename text NOT NULL,
          PRIMARY KEY (sha256, statement_id, filename)
        )`,
        `CREATE TABLE ${s}.trust_edges (
          statement_id text COLLATE "C" PRIMARY KEY REFERENCES ${s}.statements (id) ON DELETE CASCADE,
          agent text NOT NULL,
          subject text NOT NULL,
          relation text NOT NULL CHECK (relation IN ('trust','rotate')),
          level text CHECK (level IN ${LEVELS})
        )`,
        `CREATE INDEX trust_edges_agent ON ${s}.trust_edges (agent)`,
        `CREATE INDEX trust_edges_subject ON ${s}.trust_edges (subject)`,
      ],
    },
    {
      version: 2,
      name: 'subjects indexed by sha256 alone',
      statements: [
        `ALTER TABLE ${s}.statement_subjects DROP CONSTRAINT statement_subjects_pkey`,
        `CREATE INDEX statement_subjects_sha256 ON ${s}.statement_subjects (sha256)`,
      ],
    },
    {
      version: 3,
      name: 'retract statements',
      statements: [
        `ALTER TABLE ${s}.statements DROP CONSTRAINT statements_kind_check`,
        `ALTER TABLE ${s}.statements ADD CONSTRAINT statements_kind_check CHECK (kind IN ${KINDS_V3})`,
      ],
    },
    {
      version: 4,
      name: 'where each statement was first received from',
      statements: [
        `ALTER TABLE ${s}.statements ADD COLUMN source_kind text NOT NULL DEFAULT 'local' CHECK (source_kind IN ${SOURCES})`,
        `ALTER TABLE ${s}.statements ADD COLUMN source_name text`,
      ],
    },

  ];
}

/** The newest schema version this code knows (the same for both backends). */
export const LATEST_SCHEMA_VERSION = Math.max(...sqliteMigrations.map((m) => m.version));

/** The migrations a store at `current` still needs; refuses a store newer than this code. */
export function pendingMigrations(
  migrations: readonly Migration[],
  current: number,
  location: string,
): Migration[] {
  const known = Math.max(0, ...migrations.map((m) => m.version));
  if (current > known) {
    throw new PyvouchError(
      'STORE_MIGRATION',
      `the store at ${location} has schema version ${current}, but this pyvouch knows only up to version ${known}`,
      {
        file: location,
        help: 'upgrade pyvouch to a version that knows this store, or point pyvouch at another store',
      },
    );
  }
  return migrations.filter((m) => m.version > current).sort((a, b) => a.version - b.version);
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** A PostgreSQL schema name, checked so that it can be interpolated into SQL. */
export function quoteIdent(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) {
    throw new PyvouchError('STORE', `invalid PostgreSQL schema name '${schema}'`, {
      help: 'use lower-case letters, digits and underscores, starting with a letter (e.g. ?schema=pyvouch)',
    });
  }
  return `"${schema}"`;
}
