// PEP 440 version specifiers (`>=1.0,!=1.3.*,<2`): parse, match and filter versions with the exact
// semantics of pypa/packaging's `Specifier` and `SpecifierSet`, pre-release rules included.

import { PyvouchError } from '../errors.js';
import {
  ALLOW_LOCAL,
  ALLOW_WILDCARD,
  REQUIRE_TWO_RELEASE_PARTS,
  Version,
  checkVersionGrammar,
  isPythonSpace,
  stripPython,
} from './version.js';

export type SpecifierOperator = '~=' | '==' | '!=' | '<=' | '>=' | '<' | '>' | '===';

export interface PrereleaseOption {
  /** true: accept pre-releases; false: reject them; unset: packaging's default for this specifier. */
  prereleases?: boolean | undefined;
}

const SPECIFIER_HELP =
  "write an operator (~=, ==, !=, <=, >=, <, >, ===) and a PEP 440 version, e.g. '>=1.0,<2' or '==1.4.*'";

function invalidSpecifier(text: string): PyvouchError {
  return new PyvouchError('INVALID_SPECIFIER', `Invalid specifier: '${text}'`, { help: SPECIFIER_HELP });
}

// How a compiled specifier tests a parsed version, all on sort keys (one string compare each).
const GE = 0; // key >= a
const LE = 1; // key <= a, or a local version of a
const LT = 2; // key < a
const GT = 3; // key > a, and not a post-release or local version of a (family prefix b)
const EQ_PUBLIC = 4; // same public version as a (local label ignored)
const NE_PUBLIC = 5;
const EQ_EXACT = 6; // identical, local label included
const NE_EXACT = 7;
const IN_RANGE = 8; // a <= key < b
const NOT_IN_RANGE = 9;
const ARBITRARY = 10; // `===`: case-insensitive string equality

/** "199" -> "200": exact for digit strings of any length. */
function incrementDigits(digits: string): string {
  let i = digits.length - 1;
  while (i >= 0 && digits[i] === '9') i--;
  if (i < 0) return '1' + '0'.repeat(digits.length);
  return digits.slice(0, i) + String.fromCharCode(digits.charCodeAt(i) + 1) + '0'.repeat(digits.length - i - 1);
}

/** The epoch prefix (`2!` or '') and release digit strings of a version, exactly. */
function releaseParts(version: Version): { epoch: string; release: string[] } {
  const base = version.baseVersion;
  const bang = base.indexOf('!');
  return { epoch: bang < 0 ? '' : base.slice(0, bang + 1), release: base.slice(bang + 1).split('.') };
}

/** Smallest version of the next release prefix: [1, 2] -> 1.3.dev0. */
function nextPrefixDev0(epoch: string, prefix: string[]): Version {
  const bumped = [...prefix.slice(0, -1), incrementDigits(prefix[prefix.length - 1] ?? '0')];
  return new Version(`${epoch}${bumped.join('.')}.dev0`);
}

/** Code-point order, as Python sorts strings (JS `<` compares UTF-16 units). */
function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(i)!;
    if (ca !== cb) return ca - cb;
    if (ca > 0xffff) i++;
  }
  return a.length - b.length;
}

/** Registered by Specifier's static block so SpecifierSet can match without a public hook. */
let matchItem!: (spec: Specifier, item: string | Version, parsed: Version | null) => boolean;

/**
 * One version specifier such as `>=1.0` or `==2.1.*`. `toString()` keeps the version as written
 * (as packaging does); equality compares the normalised form.
 */
export class Specifier {
  readonly operator: SpecifierOperator;
  /** The version part as written, `.*` included (`1.0.*`, `v1.0`, or any string after `===`). */
  readonly version: string;
  readonly #configured: boolean | undefined;
  readonly #specVersion: Version | null;
  readonly #kind: number;
  readonly #a: string;
  readonly #b: string;
  // What filter/contains use when the caller says nothing: packaging's resolved default.
  readonly #defaultPrereleases: boolean | undefined;

  static {
    matchItem = (spec, item, parsed) => spec.#matchItem(item, parsed);
  }

  /** Parses one specifier; throws PyvouchError INVALID_SPECIFIER on bad syntax. */
  constructor(text: string, options: PrereleaseOption = {}) {
    if (typeof text !== 'string') throw invalidSpecifier(String(text));
    const spec = stripPython(text);
    let operator: SpecifierOperator;
    if (spec.startsWith('===')) operator = '===';
    else if (spec.startsWith('~=')) operator = '~=';
    else if (spec.startsWith('==')) operator = '==';
    else if (spec.startsWith('!=')) operator = '!=';
    else if (spec.startsWith('<=')) operator = '<=';
    else if (spec.startsWith('>=')) operator = '>=';
    else if (spec.startsWith('<')) operator = '<';
    else if (spec.startsWith('>')) operator = '>';
    else throw invalidSpecifier(text);
    const version = stripPython(spec.slice(operator.length));
    this.operator = operator;
    this.version = version;
    this.#configured = options.prereleases;

    let kind = ARBITRARY;
    let a = '';
    let b = '';
    let specVersion: Version | null = null;
    if (operator === '===') {
      // Anything but whitespace, `;` and `)` (they end a specifier inside a requirement).
      for (let i = 0; i < version.length; i++) {
        const c = version.charCodeAt(i);
        if (c === 59 || c === 41 || isPythonSpace(c)) throw invalidSpecifier(text);
      }
      a = version.toLowerCase();
      specVersion = Version.tryParse(version);
    } else {
      try {
        const flags =
          operator === '==' || operator === '!='
            ? ALLOW_LOCAL | ALLOW_WILDCARD
            : operator === '~='
              ? REQUIRE_TWO_RELEASE_PARTS
              : 0;
        const grammar = checkVersionGrammar(version, flags);
        if (grammar === false) throw invalidSpecifier(text);
        if (grammar === 'wildcard') {
          // ==1.2.* is [1.2.dev0, 1.3.dev0): every version whose release starts with 1.2.
          specVersion = new Version(version.slice(0, -2));
          const { epoch, release } = releaseParts(specVersion);
          kind = operator === '==' ? IN_RANGE : NOT_IN_RANGE;
          a = new Version(`${specVersion.toString()}.dev0`).sortKey;
          b = nextPrefixDev0(epoch, release).sortKey;
        } else {
          const v = new Version(version);
          specVersion = v;
          a = v.sortKey;
          switch (operator) {
            case '>=':
              kind = GE;
              break;
            case '<=':
              kind = LE;
              break;
            case '<':
              // <V excludes V's own pre-releases unless V is one: the bound is V.dev0.
              kind = LT;
              if (!v.isPrerelease) a = new Version(`${v.toString()}.dev0`).sortKey;
              break;
            case '>': {
              const normal = v.toString();
              if (v.dev !== null) {
                // Nothing but V's local versions lies between V.devN and V.dev(N+1).
                const at = normal.lastIndexOf('.dev');
                kind = GE;
                a = new Version(`${normal.slice(0, at)}.dev${incrementDigits(normal.slice(at + 4))}`).sortKey;
              } else if (v.post !== null) {
                // Likewise between V.postN and V.post(N+1).dev0.
                const at = normal.lastIndexOf('.post');
                kind = GE;
                a = new Version(`${normal.slice(0, at)}.post${incrementDigits(normal.slice(at + 5))}.dev0`).sortKey;
              } else {
                // >V must not admit V's post-releases nor V+local: they share V's post family.
                kind = GT;
                b = v.postFamilyKey;
              }
              break;
            }
            case '==':
            case '!=': {
              const exact = v.local !== null;
              kind = operator === '==' ? (exact ? EQ_EXACT : EQ_PUBLIC) : exact ? NE_EXACT : NE_PUBLIC;
              break;
            }
            case '~=': {
              // ~=1.4.5 is >=1.4.5, ==1.4.*; suffixes of the spec version do not shorten the prefix.
              const { epoch, release } = releaseParts(v);
              kind = IN_RANGE;
              b = nextPrefixDev0(epoch, release.slice(0, -1)).sortKey;
              break;
            }
          }
        }
      } catch (err) {
        // A bound derived from the spec (1.9 -> 2.dev0) can overflow the digit limit the user's own
        // version stayed under: name the specifier the user wrote, not the derived bound.
        if (err instanceof PyvouchError && err.code === 'INVALID_VERSION') {
          throw new PyvouchError('INVALID_SPECIFIER', `Invalid specifier: '${text}': its version has release numbers too long to compare`, {
            help: SPECIFIER_HELP,
            cause: err,
          });
        }
        throw err;
      }
    }
    this.#kind = kind;
    this.#a = a;
    this.#b = b;
    this.#specVersion = specVersion;
    const detected = this.#detectPrereleases();
    this.#defaultPrereleases = this.#configured ?? (detected === true ? true : undefined);
  }

  #detectPrereleases(): boolean | undefined {
    if (this.operator === '!=') return false;
    if (this.operator === '==' && this.version.endsWith('.*')) return false;
    return this.#specVersion === null ? undefined : this.#specVersion.isPrerelease;
  }

  /**
   * Whether this specifier admits pre-releases: the explicit option if given, else inferred from
   * its version (`>=1.0a1` does, `!=` and `==X.*` never do, an unparsable `===` string is unknown).
   */
  get prereleases(): boolean | undefined {
    return this.#configured ?? this.#detectPrereleases();
  }

  #matchVersion(v: Version): boolean {
    const key = v.sortKey;
    const a = this.#a;
    switch (this.#kind) {
      case GE:
        return key >= a;
      case LE:
        return key <= a || key.startsWith(a);
      case LT:
        return key < a;
      case GT:
        return key > a && !key.startsWith(this.#b);
      case EQ_PUBLIC:
        return key.startsWith(a);
      case NE_PUBLIC:
        return !key.startsWith(a);
      case EQ_EXACT:
        return key === a;
      case NE_EXACT:
        return key !== a;
      case IN_RANGE:
        return key >= a && key < this.#b;
      case NOT_IN_RANGE:
        return key < a || key >= this.#b;
      default:
        return false;
    }
  }

  /** Matches without pre-release policy; `===` sees the item as written. */
  #matchItem(item: string | Version, parsed: Version | null): boolean {
    if (this.#kind === ARBITRARY) return (typeof item === 'string' ? item : item.toString()).toLowerCase() === this.#a;
    return parsed !== null && this.#matchVersion(parsed);
  }

  /**
   * Whether `version` satisfies this specifier. Invalid version strings give false (except an
   * exact `===` match). A lone pre-release matches unless pre-releases are turned off.
   */
  contains(version: string | Version, options?: PrereleaseOption): boolean {
    const prereleases = options?.prereleases ?? this.#defaultPrereleases;
    let parsed = typeof version === 'string' ? null : version;
    if (this.#kind === ARBITRARY) {
      if (!this.#matchItem(version, parsed)) return false;
      if (prereleases !== false) return true;
      parsed ??= Version.tryParse(version as string);
      return parsed === null || !parsed.isPrerelease;
    }
    parsed ??= Version.tryParse(version as string);
    if (parsed === null) return false;
    if (prereleases === false && parsed.isPrerelease) return false;
    return this.#matchVersion(parsed);
  }

  /** The versions that satisfy this specifier, in input order, with PEP 440 pre-release rules. */
  filter<T extends string | Version>(versions: Iterable<T>, options?: PrereleaseOption): T[] {
    const prereleases = options?.prereleases ?? this.#defaultPrereleases;
    return filterMatches(versions, prereleases, (item, parsed) => this.#matchItem(item, parsed));
  }

  /** Operator and version as written, whitespace removed: `>= 1.0` -> `>=1.0`. */
  toString(): string {
    return this.operator + this.version;
  }

  /** Identity used for equality and de-duplication: the version normalised, trailing zeros
   * dropped except for `~=` (where they matter); `===` and wildcards compare as written. */
  get canonical(): string {
    const v = this.#specVersion;
    if (this.operator === '===' || this.version.endsWith('.*') || v === null) return this.toString();
    const text = v.toString();
    if (this.operator === '~=') return this.operator + text;
    const base = v.baseVersion;
    const { epoch, release } = releaseParts(v);
    let last = release.length;
    while (last > 1 && release[last - 1] === '0') last--;
    return this.operator + epoch + release.slice(0, last).join('.') + text.slice(base.length);
  }

  /** Same operator and equivalent version (`==1.0` equals `==1.0.0`); the prereleases option is ignored. */
  equals(other: Specifier | string): boolean {
    const that = typeof other === 'string' ? new Specifier(other) : other;
    return this.canonical === that.canonical;
  }
}

/**
 * Keeps the matching items in order. With `prereleases` unset, PEP 440's rule applies: pre-releases
 * only when no final release matched (strings that are not versions count as finals).
 */
/** The version an item names (null when a string is not a valid version). */
function asVersion(item: string | Version): Version | null {
  return typeof item === 'string' ? Version.tryParse(item) : item;
}

function filterMatches<T extends string | Version>(
  versions: Iterable<T>,
  prereleases: boolean | undefined,
  matches: (item: T, parsed: Version | null) => boolean,
): T[] {
  const kept: T[] = [];
  if (prereleases === undefined) {
    const all: T[] = [];
    let sawFinal = false;
    for (const item of versions) {
      const parsed = asVersion(item);
      if (!matches(item, parsed)) continue;
      all.push(item);
      if (parsed === null || !parsed.isPrerelease) {
        kept.push(item);
        if (parsed !== null) sawFinal = true;
      }
    }
    return sawFinal ? kept : all;
  }
  for (const item of versions) {
    const parsed = asVersion(item);
    if (!matches(item, parsed)) continue;
    if (prereleases === false && parsed !== null && parsed.isPrerelease) continue;
    kept.push(item);
  }
  return kept;
}

/**
 * A comma-separated set of specifiers, all of which must hold (`>=1.0,!=1.3.*,<2`). The empty set
 * admits everything. Specifiers are kept de-duplicated and sorted by their text, the order
 * packaging prints them in; `toString()`, iteration and `length` all use that order.
 */
export class SpecifierSet implements Iterable<Specifier> {
  readonly #specs: readonly Specifier[];
  readonly #configured: boolean | undefined;
  readonly #prereleases: boolean | undefined;

  /**
   * Parses `text` (or takes already-parsed specifiers); throws PyvouchError INVALID_SPECIFIER
   * naming the first bad specifier.
   */
  constructor(text: string | Iterable<Specifier> = '', options: PrereleaseOption = {}) {
    const specs: Specifier[] = [];
    if (typeof text === 'string') {
      for (const part of text.split(',')) {
        const stripped = stripPython(part);
        if (stripped !== '') specs.push(new Specifier(stripped));
      }
    } else if (text !== null && typeof text === 'object' && Symbol.iterator in text) {
      for (const spec of text) {
        if (!(spec instanceof Specifier)) throw invalidSpecifier(String(spec));
        specs.push(spec);
      }
    } else {
      throw invalidSpecifier(String(text));
    }
    this.#specs = canonicalOrder(specs);
    this.#configured = options.prereleases;
    this.#prereleases =
      this.#configured ?? (this.#specs.some((spec) => spec.prereleases === true) ? true : undefined);
  }

  /**
   * The explicit option if given; otherwise true when any specifier names a pre-release
   * (`>=2.0b1`), else unset, which means PEP 440's default.
   */
  get prereleases(): boolean | undefined {
    return this.#prereleases;
  }

  /** Number of distinct specifiers. */
  get length(): number {
    return this.#specs.length;
  }

  [Symbol.iterator](): Iterator<Specifier> {
    return this.#specs[Symbol.iterator]();
  }

  /**
   * Whether `version` satisfies every specifier. A lone pre-release matches unless pre-releases are
   * turned off; an invalid version string matches only the empty set or an exact `===`.
   */
  contains(version: string | Version, options?: PrereleaseOption): boolean {
    const prereleases = options?.prereleases ?? this.#prereleases;
    const parsed = typeof version === 'string' ? Version.tryParse(version) : version;
    for (const spec of this.#specs) if (!matchItem(spec, version, parsed)) return false;
    return !(prereleases === false && parsed !== null && parsed.isPrerelease);
  }

  /** The versions that satisfy every specifier, in input order, with PEP 440 pre-release rules. */
  filter<T extends string | Version>(versions: Iterable<T>, options?: PrereleaseOption): T[] {
    const prereleases = options?.prereleases ?? this.#prereleases;
    const specs = this.#specs;
    return filterMatches(versions, prereleases, (item, parsed) => {
      for (const spec of specs) if (!matchItem(spec, item, parsed)) return false;
      return true;
    });
  }

  /**
   * The intersection: a set holding the specifiers of both. Explicit prereleases options combine
   * when they agree or one is unset; true against false is an error.
   */
  and(other: SpecifierSet | string): SpecifierSet {
    const that = typeof other === 'string' ? new SpecifierSet(other) : other;
    let prereleases: boolean | undefined;
    if (this.#configured === undefined || this.#configured === that.#configured) prereleases = that.#configured;
    else if (that.#configured === undefined) prereleases = this.#configured;
    else {
      throw new PyvouchError(
        'INVALID_SPECIFIER',
        `Cannot combine '${this.toString()}' (prereleases=${String(this.#configured)}) with '${that.toString()}' (prereleases=${String(that.#configured)})`,
        { help: 'give both specifier sets the same prereleases option, or leave one unset' },
      );
    }
    return new SpecifierSet([...this.#specs, ...that.#specs], prereleases === undefined ? {} : { prereleases });
  }

  /** Same distinct specifiers (compared normalised); the prereleases option is ignored. */
  equals(other: SpecifierSet | string): boolean {
    const that = typeof other === 'string' ? new SpecifierSet(other) : other;
    if (that.#specs.length !== this.#specs.length) return false;
    return this.#specs.every((spec, i) => spec.canonical === that.#specs[i]!.canonical);
  }

  toString(): string {
    return this.#specs.join(',');
  }
}

function canonicalOrder(specs: Specifier[]): Specifier[] {
  if (specs.length <= 1) return specs;
  // Each key is computed once, not once per comparison: a set of thousands stays n log n cheap.
  const sorted = specs
    .map((spec) => ({ spec, key: spec.toString() }))
    .sort((x, y) => compareCodePoints(x.key, y.key))
    .map((x) => x.spec);
  const seen = new Set<string>();
  const out: Specifier[] = [];
  for (const spec of sorted) {
    const id = spec.canonical;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(spec);
  }
  return out;
}
