// Maps what tuf-js throws during an update (TUF client workflow §5.3–5.7) to pyvouch's error
// codes, one per attack the spec defends against. tuf-js wraps snapshot and targets failures in a
// RuntimeError carrying only the original's message, so the classes are recovered from it.
import { PyvouchError, type ErrorCode } from '../errors.js';
import {
  BadVersionError,
  DownloadLengthMismatchError,
  EqualVersionError,
  ExpiredMetadataError,
} from 'tuf-js/dist/error.js';
import { LengthOrHashMismatchError, UnsignedMetadataError } from '@tufjs/models/dist/error.js';

const HELP: Record<string, string> = {
  FEED_ROLLBACK:
    'the feed offered metadata older than what this machine already trusts (rollback attack, or a stale mirror); nothing was imported',
  FEED_EXPIRED:
    'the newest metadata the feed offers has expired (freeze attack, or the publisher stopped re-signing): ask the publisher to run `pyvouch feed publish`',
  FEED_MISMATCH: 'the feed mixes files of different versions (mix-and-match attack, or a half-updated mirror); nothing was imported',
  FEED_THRESHOLD: 'the metadata lacks enough valid signatures from the keys root names; nothing was imported',
  FEED_ROOT_ROTATION:
    'a new root must be signed by a threshold of the old root keys and of its own, with the next version; nothing was imported',
  FEED_TOO_LARGE: 'a feed file past its declared length or size limit is refused (endless-data attack); nothing was imported',
  FEED_INVALID: 'the feed holds malformed metadata; tell its publisher (nothing was imported)',
};

/** A PyvouchError for what an update threw, with the feed's name and the file being read. */
export function feedErrorFrom(err: unknown, context: { feed: string; lastUrl?: string | undefined; lastError?: PyvouchError | undefined }): PyvouchError {
  if (err instanceof PyvouchError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (context.lastError !== undefined && message.includes(context.lastError.message)) return context.lastError;
  const duringRoot = context.lastUrl !== undefined && /\/\d+\.root\.json$/.test(context.lastUrl);
  const code = codeFor(err, message, duringRoot);
  return new PyvouchError(code, `feed '${context.feed}': ${message}`, {
    ...(context.lastUrl === undefined ? {} : { file: context.lastUrl }),
    cause: err,
    ...(HELP[code] === undefined ? {} : { help: HELP[code] }),
  });
}

function codeFor(err: unknown, message: string, duringRoot: boolean): ErrorCode {
  if (err instanceof ExpiredMetadataError || /\bis expired\b/.test(message)) return 'FEED_EXPIRED';
  if (duringRoot && (err instanceof UnsignedMetadataError || err instanceof BadVersionError || /signed by \d+\/\d+ keys|Expected version/.test(message))) {
    return 'FEED_ROOT_ROTATION';
  }
  if (err instanceof DownloadLengthMismatchError || /Max length reached/.test(message)) return 'FEED_TOO_LARGE';
  if (err instanceof UnsignedMetadataError || /was signed by \d+\/\d+ keys|multiple signatures found for keyid/.test(message)) {
    return 'FEED_THRESHOLD';
  }
  if (/is less than current version/.test(message)) return 'FEED_ROLLBACK';
  if (err instanceof EqualVersionError) return 'FEED_ROLLBACK';
  if (/does not match snapshot version|doesn't match timestamp/.test(message)) return 'FEED_MISMATCH';
  if (err instanceof LengthOrHashMismatchError || /Expected (length|hash) /.test(message)) return 'FEED_MISMATCH';
  if (err instanceof BadVersionError) return 'FEED_ROLLBACK';
  return 'FEED_INVALID';
}
