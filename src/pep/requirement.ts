// Dependency specifiers (PEP 508): `name[extras] (specifiers) ; marker` or `name[extras] @ url ;
// marker`, parsed with pypa/packaging's grammar and printed in its normal form.
import { PyvouchError } from '../errors.js';
import { Marker, MarkerSyntaxError, Scanner, describeSyntaxError, parseMarkerExpression, type MarkerNode } from './marker.js';
import { canonicalizeName } from './name.js';
import { SpecifierSet } from './specifier.js';

// One version clause as PEP 440 spells it. The operator decides what may follow: `===` takes any
// text up to whitespace, `;` or `)`; only `==`/`!=` allow `.*` and local labels; `~=` needs two
// release numbers. Python's `\s` (which the grammar uses around the version) is spelled out, as
// JavaScript's differs from it in a few code points.
const PY_SPACE = '\\t\\n\\v\\f\\r \\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PRE = '(?:[-_.]?(?:alpha|beta|preview|pre|a|b|c|rc)[-_.]?[0-9]*)?';
const POST = '(?:-[0-9]+|[-_.]?(?:post|rev|r)[-_.]?[0-9]*)?';
const DEV = '(?:[-_.]?dev[-_.]?[0-9]*)?';
const LOCAL = '(?:\\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?';
const EPOCH = '(?:[0-9]+!)?';
const VERSION_CLAUSE = new RegExp(
  [
    `(===)[${PY_SPACE}]*([^${PY_SPACE};)]*)`,
    `(==|!=)[${PY_SPACE}]*(v?${EPOCH}[0-9]+(?:\\.[0-9]+)*(?:\\.\\*|${PRE}${POST}${DEV}${LOCAL})?)`,
    `(~=)[${PY_SPACE}]*(v?${EPOCH}[0-9]+(?:\\.[0-9]+)+${PRE}${POST}${DEV})`,
    `(<=|>=|<|>)[${PY_SPACE}]*(v?${EPOCH}[0-9]+(?:\\.[0-9]+)*${PRE}${POST}${DEV})`,
  ].join('|'),
  'iy',
);
// What a clause may not be followed by, named so the error says why.
const WILDCARD_TRAIL = /\.\*/y;
const LOCAL_TRAIL = /\+[a-z0-9]+(?:[-_.][a-z0-9]+)*/y;
const URL = /[^ \t]+/y;

/** A parsed PEP 508 dependency specifier. */
export class Requirement {
  /** The project name as written. */
  readonly name: string;
  /** The extras as written, without duplicates, sorted (pypa/packaging keeps a set). */
  readonly extras: string[];
  readonly specifier: SpecifierSet;
  /** The direct reference after `@`, or null. */
  readonly url: string | null;
  readonly marker: Marker | null;

  /** Parse `text`; throws PyvouchError INVALID_REQUIREMENT naming what was expected and where. */
  constructor(text: string) {
    const scanner = new Scanner(text);
    let clauses: string[];
    try {
      scanner.skipWhitespace();
      this.name = readIdentifier(scanner, 'package name at the start of dependency specifier');
      scanner.skipWhitespace();
      this.extras = [...new Set(readExtras(scanner))].sort();
      scanner.skipWhitespace();
      let tree: MarkerNode | null = null;
      if (scanner.take('@')) {
        scanner.skipWhitespace();
        const urlStart = scanner.pos;
        const url = scanner.takePattern(URL);
        if (url === null) scanner.fail('Expected URL after @');
        this.url = url;
        clauses = [];
        // The URL runs to the first space, so a marker needs whitespace before its ';'.
        if (!scanner.atEnd()) {
          scanner.skipWhitespace();
          if (!scanner.atEnd()) tree = readMarker(scanner, urlStart, 'semicolon (after URL and whitespace)');
        }
      } else {
        this.url = null;
        const start = scanner.pos;
        clauses = readSpecifier(scanner);
        scanner.skipWhitespace();
        if (!scanner.atEnd()) {
          const expected =
            clauses.length > 0
              ? 'comma (within version specifier), semicolon (after version specifier)'
              : 'semicolon (after name with no version specifier)';
          tree = readMarker(scanner, start, expected);
        }
      }
      if (!scanner.atEnd()) scanner.fail('Expected end of dependency specifier');
      this.marker = tree === null ? null : Marker.fromTree(tree);
    } catch (err) {
      if (!(err instanceof MarkerSyntaxError)) throw err;
      throw new PyvouchError('INVALID_REQUIREMENT', describeSyntaxError('requirement', text, err), {
        cause: err,
        help: 'Requirements follow PEP 508, e.g. requests[socks]>=2.31,<3; python_version >= "3.9".',
      });
    }
    try {
      this.specifier = new SpecifierSet(clauses.join(','));
    } catch (err) {
      if (!(err instanceof PyvouchError)) throw err;
      throw new PyvouchError('INVALID_REQUIREMENT', `Invalid requirement '${text}': ${err.message}`, {
        cause: err,
        help: 'Version specifiers follow PEP 440, e.g. >=1.2,<2 or ==1.4.*.',
      });
    }
  }

  /** The PEP 503 normal form of the name, the key for lookups and graph nodes. */
  get canonicalName(): string {
    return canonicalizeName(this.name);
  }

  /** The extras in PEP 685 normal form, without duplicates, sorted. */
  get canonicalExtras(): string[] {
    return [...new Set(this.extras.map((extra) => canonicalizeName(extra)))].sort();
  }

  /** pypa/packaging's normal form, e.g. `name[a,b]<2,>=1; python_version >= "3.9"`. */
  toString(): string {
    let text = this.name;
    if (this.extras.length > 0) text += `[${this.extras.join(',')}]`;
    text += this.specifier.toString();
    if (this.url !== null) {
      text += ` @ ${this.url}`;
      // Without the space the ';' would be read back as part of the URL.
      if (this.marker !== null) text += ' ';
    }
    if (this.marker !== null) text += `; ${this.marker.toString()}`;
    return text;
  }

  toJSON(): string {
    return this.toString();
  }

  /**
   * Whether both ask for the same thing: names equal in PEP 503 form (`scikit_learn` is
   * `scikit-learn`), the same extras, equivalent specifiers, the same URL and marker.
   */
  equals(other: Requirement): boolean {
    return (
      this.canonicalName === other.canonicalName &&
      this.extras.join(',') === other.extras.join(',') &&
      this.specifier.equals(other.specifier) &&
      this.url === other.url &&
      (this.marker === null ? other.marker === null : other.marker !== null && this.marker.equals(other.marker))
    );
  }
}

/**
 * A name or extra: ASCII letters and digits, with `.`, `_`, `-` inside, ending where a word ends
 * (pypa/packaging's `\b[a-zA-Z0-9][a-zA-Z0-9._-]*\b`, so a trailing `-` or `.` is left unread).
 */
function matchIdentifier(scanner: Scanner): number | null {
  const { source, pos } = scanner;
  if (!/[a-zA-Z0-9]/.test(source[pos] ?? '') || !scanner.boundaryAt(pos)) return null;
  let end = pos + 1;
  while (end < source.length && /[a-zA-Z0-9._-]/.test(source[end]!)) end++;
  for (; end > pos; end--) {
    if (scanner.boundaryAt(end)) return end;
  }
  return null;
}

function readIdentifier(scanner: Scanner, expected: string): string {
  const end = matchIdentifier(scanner);
  if (end === null) scanner.fail(`Expected ${expected}`);
  const text = scanner.source.slice(scanner.pos, end);
  scanner.pos = end;
  return text;
}

/** extras = ('[' WS? (name (WS? ',' WS? name)*)? WS? ']')? */
function readExtras(scanner: Scanner): string[] {
  const extras: string[] = [];
  if (!scanner.peek('[')) return extras;
  const open = scanner.pos;
  scanner.pos++;
  scanner.skipWhitespace();
  if (matchIdentifier(scanner) !== null) {
    extras.push(readIdentifier(scanner, 'extra name'));
    for (;;) {
      scanner.skipWhitespace();
      if (matchIdentifier(scanner) !== null) scanner.fail('Expected comma between extra names');
      if (!scanner.take(',')) break;
      scanner.skipWhitespace();
      extras.push(readIdentifier(scanner, 'extra name after comma'));
    }
  }
  scanner.skipWhitespace();
  if (!scanner.take(']')) scanner.fail("Expected matching ']' for '[', after extras", open);
  return extras;
}

/**
 * specifier = '(' WS? clauses WS? ')' | WS? clauses WS?, with clauses = (clause (WS? ',' WS? clause)*)?
 * Returns the clauses with the space after the operator removed; a trailing comma is allowed.
 */
function readSpecifier(scanner: Scanner): string[] {
  const open = scanner.peek('(') ? scanner.pos : null;
  if (open !== null) scanner.pos++;
  scanner.skipWhitespace();
  const clauses: string[] = [];
  for (;;) {
    const start = scanner.pos;
    VERSION_CLAUSE.lastIndex = start;
    const m = VERSION_CLAUSE.exec(scanner.source);
    if (m === null) break;
    scanner.pos += m[0].length;
    const op = m[1] ?? m[3] ?? m[5] ?? m[7] ?? '';
    const version = m[2] ?? m[4] ?? m[6] ?? m[8] ?? '';
    if (scanner.lookingAt(WILDCARD_TRAIL)) {
      scanner.fail(
        op === '==' || op === '!='
          ? '.* suffix cannot be used with pre-release, post-release, dev or local versions'
          : '.* suffix can only be used with `==` or `!=` operators',
        start,
        scanner.pos + 1,
      );
    }
    if (scanner.lookingAt(LOCAL_TRAIL)) {
      scanner.fail('Local version label can only be used with `==` or `!=` operators', start);
    }
    clauses.push(op + version);
    scanner.skipWhitespace();
    if (!scanner.take(',')) break;
    scanner.skipWhitespace();
  }
  scanner.skipWhitespace();
  if (open !== null && !scanner.take(')')) {
    scanner.fail("Expected matching ')' for '(', after version specifier", open);
  }
  return clauses;
}

/** requirement_marker = ';' marker WS? */
function readMarker(scanner: Scanner, spanStart: number, expected: string): MarkerNode {
  if (!scanner.take(';')) scanner.fail(`Expected ${expected} or end`, spanStart);
  const tree = parseMarkerExpression(scanner);
  scanner.skipWhitespace();
  return tree;
}
