// The import use case: envelopes read from files (src/app/envelope-files.ts) are verified and stored
// in batches (src/store/import.ts); every envelope refused, for not being JSON or for failing
// verification, comes back as a rejection naming its file and line. The store is injected.
import type { StatementStore } from '../store/store.js';
import { importEnvelopes } from '../store/import.js';
import { asError, type EnvelopeValues, type Rejection } from './envelope-files.js';

export interface ImportResult {
  /** Files read. */
  files: number;
  /** Statements newly stored. */
  imported: number;
  /** Statements the store held already. */
  duplicates: number;
  /** Everything refused, with its file (and line) and why; none of it was stored. */
  rejected: Rejection[];
}

export interface ImportInput {
  store: StatementStore;
  envelopes: EnvelopeValues;
  now: Date;
  /** Statements per transaction. */
  batch?: number;
}

export async function importStatements(input: ImportInput): Promise<ImportResult> {
  const { envelopes } = input;
  const outcome = await importEnvelopes(
    input.store,
    envelopes.values.map((v) => v.value),
    { now: input.now, ...(input.batch === undefined ? {} : { batch: input.batch }) },
  );
  return {
    files: envelopes.files,
    imported: outcome.inserted,
    duplicates: outcome.duplicates,
    rejected: [...envelopes.rejected, ...locateRejections(envelopes, outcome.rejected)],
  };
}

/**
 * Rejections by position in `envelopes.values` (what a verifier or feed publisher reports) as
 * rejections naming the file and line each came from; a position past the files is `fallback`'s.
 */
export function locateRejections(envelopes: EnvelopeValues, rejected: readonly { index: number; error: unknown }[], fallback = '(input)'): Rejection[] {
  return rejected.map((r) => {
    const from = envelopes.values[r.index];
    return { file: from?.file ?? fallback, ...(from?.line === undefined ? {} : { line: from.line }), error: asError(r.error) };
  });
}
