// PEP 440 versions: parse every spelling pip accepts, print the normalised form, and order versions
// exactly as pypa/packaging's `Version` does. A hand-written scanner (no regex) keeps parsing linear.

import { PyvouchError } from '../errors.js';

export type PreLabel = 'a' | 'b' | 'rc';

/** Digit strings (no leading zeros) kept only for versions whose numbers do not fit a double. */
interface ExactDigits {
  epoch: string;
  release: string[];
  pre: string | null;
  post: string | null;
  dev: string | null;
}

// Python refuses to turn longer digit strings into ints, so packaging cannot read such versions
// either; refusing them here also bounds the work one hostile version string can cause.
const MAX_DIGITS = 4300;
// Up to 15 significant digits a double holds every integer exactly; longer ones take the exact path.
const SAFE_DIGITS = 15;

/** Scanner flags: what the grammar allows besides a plain public version. */
export const ALLOW_LOCAL = 1;
export const ALLOW_WILDCARD = 2;
export const REQUIRE_TWO_RELEASE_PARTS = 4;

// The scanner writes into these instead of allocating a result object: parsing is the hot path of
// the resolver and the policy, and tryParse must stay cheap on invalid input too.
let sEpoch = 0;
let sRelease: number[] = [];
let sPreLabel: PreLabel | null = null;
let sPreNumber = 0;
let sPost: number | null = null;
let sDev: number | null = null;
let sLocal: string | null = null;
let sWildcard = false;
let sExact: ExactDigits | null = null;
let sSawBig = false;
let sTooLong = false;
let exactMode = false;
// The last digit run read, as a number and (in exact mode) as a digit string.
let dNumber = 0;
let dDigits = '';
// Set by tryParse so the constructor reuses the scan it just did.
let handOff = false;

/** Python's str.isspace(), which is what `\s` and `str.strip()` mean to packaging. */
export function isPythonSpace(c: number): boolean {
  return (
    c === 32 ||
    (c >= 9 && c <= 13) ||
    (c >= 0x1c && c <= 0x1f) ||
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

/** `str.strip()` as Python does it (JS trim() differs on U+FEFF and U+001C..U+001F, U+0085). */
export function stripPython(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isPythonSpace(text.charCodeAt(start))) start++;
  while (end > start && isPythonSpace(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isSeparator(c: number): boolean {
  return c === 46 || c === 95 || c === 45; // . _ -
}

function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || ((c | 0x20) >= 97 && (c | 0x20) <= 122);
}

/** Case-insensitive match of an ASCII lower-case word at text[i..]. */
function matchWord(text: string, i: number, end: number, word: string): boolean {
  if (i + word.length > end) return false;
  for (let k = 0; k < word.length; k++) {
    if ((text.charCodeAt(i + k) | 0x20) !== word.charCodeAt(k)) return false;
  }
  return true;
}

function stripZeros(text: string, start: number, end: number): string {
  while (start < end - 1 && text.charCodeAt(start) === 48) start++;
  return text.slice(start, end);
}

/** Reads a run of ASCII digits from i; returns where it stopped (i when there were none). */
function readDigits(text: string, i: number, end: number): number {
  let n = 0;
  let k = i;
  while (k < end) {
    const c = text.charCodeAt(k);
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
    k++;
  }
  dNumber = n;
  if (k - i > SAFE_DIGITS) {
    if (k - i > MAX_DIGITS) sTooLong = true;
    const digits = stripZeros(text, i, k);
    if (digits.length > SAFE_DIGITS) {
      sSawBig = true;
      dNumber = Number(digits);
    }
  }
  if (exactMode && k > i) dDigits = stripZeros(text, i, k);
  return k;
}

function scanPre(text: string, i: number, end: number): number {
  let k = i;
  if (k < end && isSeparator(text.charCodeAt(k))) k++;
  if (k >= end) return i;
  let label: PreLabel;
  let length: number;
  switch (text.charCodeAt(k) | 0x20) {
    case 97: // a, alpha
      label = 'a';
      length = matchWord(text, k, end, 'alpha') ? 5 : 1;
      break;
    case 98: // b, beta
      label = 'b';
      length = matchWord(text, k, end, 'beta') ? 4 : 1;
      break;
    case 99: // c
      label = 'rc';
      length = 1;
      break;
    case 114: // rc (a lone r is a post-release)
      if (!matchWord(text, k, end, 'rc')) return i;
      label = 'rc';
      length = 2;
      break;
    case 112: // preview, pre (p could also start post)
      if (matchWord(text, k, end, 'preview')) length = 7;
      else if (matchWord(text, k, end, 'pre')) length = 3;
      else return i;
      label = 'rc';
      break;
    default:
      return i;
  }
  k += length;
  if (k < end && isSeparator(text.charCodeAt(k))) k++;
  const j = readDigits(text, k, end);
  sPreLabel = label;
  sPreNumber = j > k ? dNumber : 0;
  if (exactMode && sExact !== null) sExact.pre = j > k ? dDigits : '0';
  return j;
}

function scanPost(text: string, i: number, end: number): number {
  let k = i;
  if (k + 1 < end && text.charCodeAt(k) === 45 && isDigit(text.charCodeAt(k + 1))) {
    // `1.0-1`: the implicit post-release spelling.
    const j = readDigits(text, k + 1, end);
    sPost = dNumber;
    if (exactMode && sExact !== null) sExact.post = dDigits;
    return j;
  }
  if (k < end && isSeparator(text.charCodeAt(k))) k++;
  if (k >= end) return i;
  const c = text.charCodeAt(k) | 0x20;
  if (c === 112) {
    if (!matchWord(text, k, end, 'post')) return i;
    k += 4;
  } else if (c === 114) {
    k += matchWord(text, k, end, 'rev') ? 3 : 1;
  } else {
    return i;
  }
  if (k < end && isSeparator(text.charCodeAt(k))) k++;
  const j = readDigits(text, k, end);
  sPost = j > k ? dNumber : 0;
  if (exactMode && sExact !== null) sExact.post = j > k ? dDigits : '0';
  return j;
}

function scanDev(text: string, i: number, end: number): number {
  let k = i;
  if (k < end && isSeparator(text.charCodeAt(k))) k++;
  if (!matchWord(text, k, end, 'dev')) return i;
  k += 3;
  if (k < end && isSeparator(text.charCodeAt(k))) k++;
  const j = readDigits(text, k, end);
  sDev = j > k ? dNumber : 0;
  if (exactMode && sExact !== null) sExact.dev = j > k ? dDigits : '0';
  return j;
}

function localSegment(text: string, start: number, end: number, numeric: boolean): string {
  if (!numeric) return text.slice(start, end).toLowerCase();
  if (end - start > MAX_DIGITS) sTooLong = true;
  return stripZeros(text, start, end);
}

/** Reads `+label` from i (at the '+'); returns where it stopped, or -1 when no label follows. */
function scanLocal(text: string, i: number, end: number): number {
  let k = i + 1;
  let out = '';
  for (;;) {
    const start = k;
    let numeric = true;
    while (k < end) {
      const c = text.charCodeAt(k);
      if (!isAlnum(c)) break;
      if (!isDigit(c)) numeric = false;
      k++;
    }
    if (k === start) return -1;
    out += (out === '' ? '' : '.') + localSegment(text, start, k, numeric);
    // A separator belongs to the label only when another segment follows it.
    if (k + 1 < end && isSeparator(text.charCodeAt(k)) && isAlnum(text.charCodeAt(k + 1))) k++;
    else break;
  }
  sLocal = out;
  return k;
}

function scan(text: string, start: number, end: number, flags: number): boolean {
  sEpoch = 0;
  sRelease = [];
  sPreLabel = null;
  sPreNumber = 0;
  sPost = null;
  sDev = null;
  sLocal = null;
  sWildcard = false;
  sSawBig = false;
  sTooLong = false;
  sExact = exactMode ? { epoch: '0', release: [], pre: null, post: null, dev: null } : null;

  let i = start;
  if (i < end && (text.charCodeAt(i) | 0x20) === 118) i++; // v
  let j = readDigits(text, i, end);
  if (j === i) return false;
  if (j < end && text.charCodeAt(j) === 33) {
    // `N!`: what we read was the epoch.
    sEpoch = dNumber;
    if (sExact !== null) sExact.epoch = dDigits;
    i = j + 1;
    j = readDigits(text, i, end);
    if (j === i) return false;
  }
  sRelease.push(dNumber);
  if (sExact !== null) sExact.release.push(dDigits);
  i = j;
  while (i + 1 < end && text.charCodeAt(i) === 46 && isDigit(text.charCodeAt(i + 1))) {
    i = readDigits(text, i + 1, end);
    sRelease.push(dNumber);
    if (sExact !== null) sExact.release.push(dDigits);
  }
  if ((flags & REQUIRE_TWO_RELEASE_PARTS) !== 0 && sRelease.length < 2) return false;
  if (i < end) {
    if ((flags & ALLOW_WILDCARD) !== 0 && i + 2 === end && text.charCodeAt(i) === 46 && text.charCodeAt(i + 1) === 42) {
      sWildcard = true;
      i = end;
    } else {
      i = scanPre(text, i, end);
      i = scanPost(text, i, end);
      i = scanDev(text, i, end);
      if (i < end && text.charCodeAt(i) === 43 && (flags & ALLOW_LOCAL) !== 0) {
        i = scanLocal(text, i, end);
        if (i < 0) return false;
      }
    }
  }
  return i === end && !sTooLong;
}

/** Scans a whole version string with Python's surrounding-whitespace tolerance. */
function scanVersion(text: string): boolean {
  let start = 0;
  let end = text.length;
  while (start < end && isPythonSpace(text.charCodeAt(start))) start++;
  while (end > start && isPythonSpace(text.charCodeAt(end - 1))) end--;
  if (!scan(text, start, end, ALLOW_LOCAL)) return false;
  if (sSawBig) {
    // Rare: a number beyond 15 digits. Scan again keeping exact digit strings for printing and order.
    exactMode = true;
    try {
      scan(text, start, end, ALLOW_LOCAL);
    } finally {
      exactMode = false;
    }
  }
  return true;
}

/**
 * Checks `text` (no surrounding whitespace) against the version grammar with the given flags, as
 * specifiers need it. Returns 'wildcard' for `N.N.*`, true for a version, false when invalid.
 */
export function checkVersionGrammar(text: string, flags: number): boolean | 'wildcard' {
  if (!scan(text, 0, text.length, flags)) return false;
  return sWildcard ? 'wildcard' : true;
}

// Sort-key alphabet, all below U+0100 so keys are one-byte strings that V8 compares fast. Numbers
// below 192 are one unit; larger ones are a length prefix then their digits, so the code-unit order
// of two number tokens is numeric order. Markers sit below every number token, so a shorter release
// sorts first as in Python's tuple comparison.
const SMALL_BASE = 0x20;
const SMALL_LIMIT = 0xc0;
const LENGTH_BASE = 0xe0; // 0xe0 + (digits - 3) for up to 33 digits
const LONG_LENGTH = 0xff; // then two units of length, then the digits
const END_OF_RELEASE = 0x01;
const LOCAL_TEXT_END = 0x02;
const LOCAL_TEXT = 0x03;
const LOCAL_NUMBER = 0x04;
// Ranks as packaging orders them: dev-only < a < b < rc < none; no post < post; dev < no dev.
const RANK = 0x10;
const PRE_RANK: Record<PreLabel, number> = { a: 1, b: 2, rc: 3 };
const DEV_ONLY_RANK = 0;
const NO_PRE_RANK = 4;

// Key code units are gathered here, then turned into one flat string.
const units: number[] = [];

function pushDigits(digits: string): void {
  const n = digits.length;
  if (n <= 2 || (n === 3 && digits < '192')) {
    units.push(SMALL_BASE + Number(digits));
    return;
  }
  if (n <= 33) units.push(LENGTH_BASE + n - 3);
  else units.push(LONG_LENGTH, n >> 8, n & 0xff);
  for (let i = 0; i < n; i++) units.push(digits.charCodeAt(i));
}

function pushNumber(n: number): void {
  if (n < SMALL_LIMIT) units.push(SMALL_BASE + n);
  else pushDigits(String(n));
}

const TOKENS: string[] = Array.from({ length: SMALL_LIMIT }, (_, n) => String.fromCharCode(SMALL_BASE + n));
const PRE_MARKS: Record<PreLabel, string> = {
  a: String.fromCharCode(END_OF_RELEASE, RANK + 1),
  b: String.fromCharCode(END_OF_RELEASE, RANK + 2),
  rc: String.fromCharCode(END_OF_RELEASE, RANK + 3),
};
const DEV_ONLY_MARK = String.fromCharCode(END_OF_RELEASE, RANK + DEV_ONLY_RANK);
const NO_PRE_MARK = String.fromCharCode(END_OF_RELEASE, RANK + NO_PRE_RANK);
const NO_POST = String.fromCharCode(RANK);
const POST = String.fromCharCode(RANK + 1);
const NO_DEV = String.fromCharCode(RANK + 1);
const DEV = String.fromCharCode(RANK);

/** The gathered units as one string; chunked because `apply` has an argument limit (long labels). */
function takeUnits(): string {
  let out = '';
  for (let i = 0; i < units.length; i += 8192) out += String.fromCharCode.apply(null, units.slice(i, i + 8192));
  units.length = 0;
  return out;
}

function numberString(n: number): string {
  units.length = 0;
  pushNumber(n);
  return takeUnits();
}

function isDigitString(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (!isDigit(s.charCodeAt(i))) return false;
  return s.length > 0;
}

/**
 * A PEP 440 version. Fields and getters follow pypa/packaging's `Version`; `toString()` is the
 * normalised form. Construct with `new Version(text)`, `Version.parse(text)` or `Version.tryParse`.
 */
export class Version {
  readonly epoch: number;
  /** Release numbers as written (trailing zeros kept). Beyond 2^53 these are approximations;
   * `toString()` and comparison stay exact. */
  readonly release: readonly number[];
  readonly pre: readonly [PreLabel, number] | null;
  readonly post: number | null;
  readonly dev: number | null;
  /** Normalised local label (lower case, `.`-separated, numeric parts without leading zeros). */
  readonly local: string | null;
  readonly #exact: ExactDigits | null;
  #key: string | null = null;
  #preEnd = 0;
  #text: string | null = null;

  /** Parses `text`; throws PyvouchError INVALID_VERSION when it is not a PEP 440 version. */
  constructor(text: string) {
    if (handOff) handOff = false;
    else if (typeof text !== 'string' || !scanVersion(text)) {
      throw new PyvouchError('INVALID_VERSION', `Invalid version: '${String(text)}'`, {
        help: "use a PEP 440 version such as '1.0', '2.1.0rc1', '1!2.0.post1' or '1.0+local.1'",
      });
    }
    this.epoch = sEpoch;
    this.release = sRelease;
    this.pre = sPreLabel === null ? null : [sPreLabel, sPreNumber];
    this.post = sPost;
    this.dev = sDev;
    this.local = sLocal;
    this.#exact = sExact;
  }

  static parse(text: string): Version {
    return new Version(text);
  }

  /** Like the constructor, but returns null instead of throwing (no exception cost in hot loops). */
  static tryParse(text: string): Version | null {
    if (typeof text !== 'string' || !scanVersion(text)) return null;
    handOff = true;
    return new Version(text);
  }

  /** Total order of PEP 440 as packaging implements it; strings are parsed (and may throw). */
  static compare(this: void, a: Version | string, b: Version | string): -1 | 0 | 1 {
    const ka = (typeof a === 'string' ? new Version(a) : a).sortKey;
    const kb = (typeof b === 'string' ? new Version(b) : b).sortKey;
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  }

  compare(other: Version | string): -1 | 0 | 1 {
    return Version.compare(this, other);
  }

  /** PEP 440 equality: `1.0 == 1.0.0`, local labels compared normalised. */
  equals(other: Version | string): boolean {
    return Version.compare(this, other) === 0;
  }

  /**
   * An opaque string whose code-unit order is the PEP 440 order of versions, equal exactly when
   * the versions are equal: compare it with `<`, or use it as a Map key. Built once per instance.
   */
  get sortKey(): string {
    return this.#key ?? this.#buildKey();
  }

  #pushNumber(field: 'epoch' | 'pre' | 'post' | 'dev'): void {
    const exact = this.#exact;
    if (exact !== null) pushDigits(exact[field] ?? '0');
    else pushNumber(field === 'epoch' ? this.epoch : field === 'pre' ? (this.pre?.[1] ?? 0) : (this[field] ?? 0));
  }

  #buildKey(): string {
    const release = this.release;
    const exact = this.#exact;
    if (exact === null && this.local === null) return this.#buildSimpleKey();
    units.length = 0;
    // Trailing zeros do not count: 1.0.0 == 1.
    let last = release.length;
    if (exact !== null) while (last > 0 && exact.release[last - 1] === '0') last--;
    else while (last > 0 && release[last - 1] === 0) last--;
    this.#pushNumber('epoch');
    for (let i = 0; i < last; i++) {
      if (exact !== null) pushDigits(exact.release[i] ?? '0');
      else pushNumber(release[i] ?? 0);
    }
    units.push(END_OF_RELEASE);
    const pre = this.pre;
    if (pre !== null) {
      units.push(RANK + PRE_RANK[pre[0]]);
      this.#pushNumber('pre');
    } else {
      units.push(RANK + (this.post === null && this.dev !== null ? DEV_ONLY_RANK : NO_PRE_RANK));
    }
    this.#preEnd = units.length;
    if (this.post === null) units.push(RANK);
    else {
      units.push(RANK + 1);
      this.#pushNumber('post');
    }
    if (this.dev === null) units.push(RANK + 1);
    else {
      units.push(RANK);
      this.#pushNumber('dev');
    }
    if (this.local !== null) {
      // Local parts: text sorts before numbers, numbers numerically, a shorter label first.
      for (const part of this.local.split('.')) {
        if (isDigitString(part)) {
          units.push(LOCAL_NUMBER);
          pushDigits(part);
        } else {
          units.push(LOCAL_TEXT);
          for (let i = 0; i < part.length; i++) units.push(part.charCodeAt(i));
          units.push(LOCAL_TEXT_END);
        }
      }
    }
    const key = takeUnits();
    this.#key = key;
    return key;
  }

  // The common case (no local label, no huge numbers) straight from a table of one-unit tokens.
  #buildSimpleKey(): string {
    const release = this.release;
    let last = release.length;
    while (last > 0 && release[last - 1] === 0) last--;
    let key = this.epoch < SMALL_LIMIT ? TOKENS[this.epoch]! : numberString(this.epoch);
    for (let i = 0; i < last; i++) {
      const n = release[i]!;
      key += n < SMALL_LIMIT ? TOKENS[n]! : numberString(n);
    }
    const pre = this.pre;
    const post = this.post;
    const dev = this.dev;
    if (pre !== null) {
      key += PRE_MARKS[pre[0]] + (pre[1] < SMALL_LIMIT ? TOKENS[pre[1]]! : numberString(pre[1]));
    } else key += post === null && dev !== null ? DEV_ONLY_MARK : NO_PRE_MARK;
    this.#preEnd = key.length;
    key += post === null ? NO_POST : POST + (post < SMALL_LIMIT ? TOKENS[post]! : numberString(post));
    key += dev === null ? NO_DEV : DEV + (dev < SMALL_LIMIT ? TOKENS[dev]! : numberString(dev));
    this.#key = key;
    return key;
  }

  /** @internal Sort-key prefix shared by this version and its post-releases and local versions
   * (epoch, release, pre), for `>V` in specifier.ts. */
  get postFamilyKey(): string {
    const key = this.sortKey;
    return key.slice(0, this.#preEnd);
  }

  toString(): string {
    return this.#text ?? (this.#text = this.#format());
  }

  toJSON(): string {
    return this.toString();
  }

  #format(): string {
    const exact = this.#exact;
    let out = this.baseVersion;
    if (this.pre !== null) out += this.pre[0] + (exact?.pre ?? String(this.pre[1]));
    if (this.post !== null) out += '.post' + (exact?.post ?? String(this.post));
    if (this.dev !== null) out += '.dev' + (exact?.dev ?? String(this.dev));
    if (this.local !== null) out += '+' + this.local;
    return out;
  }

  /** The normalised version without its local label. */
  get public(): string {
    const text = this.toString();
    const plus = text.indexOf('+');
    return plus < 0 ? text : text.slice(0, plus);
  }

  /** Epoch and release only: `1!2.0rc1.post3+x` -> `1!2.0`. */
  get baseVersion(): string {
    const exact = this.#exact;
    const release = exact !== null ? exact.release.join('.') : this.release.join('.');
    const epoch = exact !== null ? exact.epoch : String(this.epoch);
    return epoch === '0' ? release : `${epoch}!${release}`;
  }

  /** True for a/b/rc and for dev releases (packaging counts `1.0.dev1` and `1.0.post1.dev1`). */
  get isPrerelease(): boolean {
    return this.pre !== null || this.dev !== null;
  }

  get isPostrelease(): boolean {
    return this.post !== null;
  }

  get isDevrelease(): boolean {
    return this.dev !== null;
  }

  get major(): number {
    return this.release[0] ?? 0;
  }

  get minor(): number {
    return this.release[1] ?? 0;
  }

  get micro(): number {
    return this.release[2] ?? 0;
  }
}
