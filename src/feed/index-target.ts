// The index target of a statement feed: a small JSON document (signed through targets.json like
// every target) naming the feed and listing its statement batches in publishing order.
import { PyvouchError } from '../errors.js';
import { isObject } from '../attest/problems.js';
import { BATCH_DIR } from './tuf.js';

export interface FeedIndex {
  format: 'pyvouch-feed-index';
  version: 1;
  name: string;
  description: string;
  /** Statements in all batches. */
  statements: number;
  batches: { path: string; count: number }[];
}

export function encodeIndex(index: FeedIndex): Buffer {
  return Buffer.from(JSON.stringify(index, null, 1) + '\n');
}

const BATCH_PATH = new RegExp(`^${BATCH_DIR}/\\d{6,}\\.jsonl$`);

/** Reads an index; FEED_INVALID naming the field otherwise. */
export function parseIndex(bytes: Uint8Array, file: string): FeedIndex {
  const bad = (message: string, path?: string): PyvouchError =>
    new PyvouchError('FEED_INVALID', `the feed index ${message}`, { file, ...(path === undefined ? {} : { path }) });
  let data: unknown;
  try {
    data = JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown;
  } catch (err) {
    throw bad(`is not JSON: ${(err as Error).message}`);
  }
  if (!isObject(data) || data.format !== 'pyvouch-feed-index' || data.version !== 1) throw bad('is not a "pyvouch-feed-index" version 1 document');
  if (typeof data.name !== 'string') throw bad('has no name', 'name');
  if (typeof data.description !== 'string') throw bad('has no description', 'description');
  if (typeof data.statements !== 'number' || !Number.isSafeInteger(data.statements) || data.statements < 0) throw bad('has no statement count', 'statements');
  if (!Array.isArray(data.batches)) throw bad('has no batches list', 'batches');
  const seen = new Set<string>();
  const batches = data.batches.map((b: unknown, i) => {
    if (!isObject(b) || typeof b.path !== 'string' || !BATCH_PATH.test(b.path)) throw bad(`batch ${i} has no valid path`, `batches[${i}].path`);
    if (typeof b.count !== 'number' || !Number.isSafeInteger(b.count) || b.count < 0) throw bad(`batch ${i} has no valid count`, `batches[${i}].count`);
    if (seen.has(b.path)) throw bad(`lists ${b.path} twice`, `batches[${i}].path`);
    seen.add(b.path);
    return { path: b.path, count: b.count };
  });
  return { format: 'pyvouch-feed-index', version: 1, name: data.name, description: data.description, statements: data.statements, batches };
}
