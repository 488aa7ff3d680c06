// Project and extra names: PEP 503 normalisation (the key every index, lock file and graph node
// uses), the PEP 508 rule for what a name may look like, and PEP 685's normalisation of extras.
import { PyvouchError } from '../errors.js';

// PEP 508: ASCII letters and digits, with '.', '_' and '-' allowed only between them.
const VALID_NAME = /^(?:[a-z0-9]|[a-z0-9][a-z0-9._-]*[a-z0-9])$/i;
// PEP 503: every run of separators counts as one, so `a._-b` and `a-b` are the same project.
const SEPARATOR_RUN = /[-_.]+/g;
const NORMALIZED_NAME = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** Whether `name` is a project (or extra) name PEP 508 allows. */
export function isValidName(name: string): boolean {
  return VALID_NAME.test(name);
}

/** Whether `name` is already in PEP 503 normal form (lower case, single '-' separators). */
export function isNormalizedName(name: string): boolean {
  return NORMALIZED_NAME.test(name);
}

export interface CanonicalizeOptions {
  /** Reject names PEP 508 does not allow (INVALID_NAME) instead of normalising whatever comes. */
  validate?: boolean;
}

/**
 * The PEP 503 normal form of a project name: runs of `-`, `_`, `.` become one `-`, and the name is
 * lower-cased. Without `validate` any string is accepted, as indexes and old metadata hold names
 * PEP 508 would reject and they must still compare equal to their normal form.
 */
export function canonicalizeName(name: string, options: CanonicalizeOptions = {}): string {
  if (options.validate === true && !isValidName(name)) {
    throw new PyvouchError('INVALID_NAME', `Invalid project name: '${name}'`, {
      help: 'A name is ASCII letters and digits, with ".", "_" or "-" only between them (PEP 508).',
    });
  }
  return name.replace(SEPARATOR_RUN, '-').toLowerCase();
}

/**
 * The PEP 685 form of an extra name, used whenever extras are compared (in markers, in
 * `name[extra]`, in lock files). PEP 685 reuses the PEP 503 rule.
 */
export function normalizeExtra(extra: string): string {
  return canonicalizeName(extra);
}
