// Environment markers (PEP 508, with PEP 685 extra normalisation and PEP 751's set-valued `extras`
// and `dependency_groups`): parsed once into a tree that prints in pypa/packaging's normal form and
// evaluates against any number of environments.
import { PyvouchError } from '../errors.js';
import { canonicalizeName } from './name.js';
import { Specifier } from './specifier.js';
import { Version } from './version.js';

/** The marker variables PEP 508 defines, as `platform`, `sys` and `os` report them. */
export interface MarkerEnvironment {
  implementation_name: string;
  implementation_version: string;
  os_name: string;
  platform_machine: string;
  platform_release: string;
  platform_system: string;
  platform_version: string;
  python_full_version: string;
  platform_python_implementation: string;
  python_version: string;
  sys_platform: string;
}

/**
 * What `Marker.evaluate` reads. Variables left out are undefined (evaluating a marker that uses
 * one fails), except `extra`, which defaults to "" as it does for a requirement read from core
 * metadata. `extras` and `dependency_groups` are PEP 751's lock-file variables.
 */
export interface MarkerEvaluationEnvironment extends Partial<MarkerEnvironment> {
  extra?: string | null;
  extras?: ReadonlySet<string> | readonly string[];
  dependency_groups?: ReadonlySet<string> | readonly string[];
}

export type MarkerVariable = keyof MarkerEnvironment | 'extra' | 'extras' | 'dependency_groups';
export type MarkerOperator = '===' | '==' | '~=' | '!=' | '<=' | '>=' | '<' | '>' | 'in' | 'not in';
export type MarkerOperand =
  | { readonly kind: 'variable'; readonly name: MarkerVariable }
  | { readonly kind: 'string'; readonly value: string };

export interface MarkerComparison {
  readonly kind: 'comparison';
  readonly left: MarkerOperand;
  readonly op: MarkerOperator;
  readonly right: MarkerOperand;
}

/**
 * Two or more nodes joined left to right by `and`/`or` (`connectives[i]` sits between `items[i]`
 * and `items[i + 1]`). The list stays flat, as written, because the normal form reproduces the
 * user's grouping; `and` binds tighter only when evaluating.
 */
export interface MarkerGroup {
  readonly kind: 'group';
  readonly items: readonly MarkerNode[];
  readonly connectives: readonly ('and' | 'or')[];
}

export type MarkerNode = MarkerComparison | MarkerGroup;

const SET_VARIABLES: ReadonlySet<string> = new Set<MarkerVariable>(['extras', 'dependency_groups']);
const NAME_VARIABLES: ReadonlySet<MarkerVariable> = new Set<MarkerVariable>(['extra', 'extras', 'dependency_groups']);
// The variables whose values are versions. Only these compare by PEP 440; everywhere else a value
// that happens to look like a version (an extra named "v2", a Windows build number) is a string.
const VERSION_VARIABLES: ReadonlySet<string> = new Set<MarkerVariable>([
  'python_version',
  'python_full_version',
  'implementation_version',
  'platform_release',
]);

// Every spelling the grammar accepts, with the variable it means. The dotted and
// `python_implementation` forms are legacy (PEP 345) aliases that pypa/packaging still reads.
const VARIABLE_SPELLINGS: ReadonlyArray<readonly [string, MarkerVariable]> = [
  ['python_version', 'python_version'],
  ['python_full_version', 'python_full_version'],
  ['os_name', 'os_name'],
  ['os.name', 'os_name'],
  ['sys_platform', 'sys_platform'],
  ['sys.platform', 'sys_platform'],
  ['platform_release', 'platform_release'],
  ['platform_system', 'platform_system'],
  ['platform_version', 'platform_version'],
  ['platform.version', 'platform_version'],
  ['platform_machine', 'platform_machine'],
  ['platform.machine', 'platform_machine'],
  ['platform_python_implementation', 'platform_python_implementation'],
  ['platform.python_implementation', 'platform_python_implementation'],
  ['python_implementation', 'platform_python_implementation'],
  ['implementation_name', 'implementation_name'],
  ['implementation_version', 'implementation_version'],
  ['extra', 'extra'],
  ['extras', 'extras'],
  ['dependency_groups', 'dependency_groups'],
];

// Longest first, so `===` is not read as `==` followed by `=`.
const COMPARISON_OPERATORS: readonly MarkerOperator[] = ['===', '==', '~=', '!=', '<=', '>=', '<', '>'];

// ---------------------------------------------------------------------------------------------
// Scanning, shared with requirement.ts
// ---------------------------------------------------------------------------------------------

/** A syntax error at a span of the source; the caller turns it into a PyvouchError. */
export class MarkerSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly start: number,
    readonly end: number,
  ) {
    super(reason);
    this.name = 'MarkerSyntaxError';
  }
}

// Python's `\w` (which pypa/packaging's `\b` uses) counts any Unicode letter or digit as a word
// character, so `python_versioné` is not the variable followed by junk.
const WORD_CHAR = /[\p{L}\p{N}_]/u;

function isWordAt(source: string, index: number): boolean {
  if (index < 0 || index >= source.length) return false;
  const code = source.codePointAt(index)!;
  // A low surrogate belongs to the code point that started one unit earlier.
  if (code >= 0xdc00 && code <= 0xdfff && index > 0) {
    const lead = source.codePointAt(index - 1)!;
    if (lead > 0xffff) return WORD_CHAR.test(String.fromCodePoint(lead));
  }
  return WORD_CHAR.test(String.fromCodePoint(code));
}

/** A cursor over requirement or marker text; the grammar's tokens are read on demand. */
export class Scanner {
  pos = 0;
  /** How many parentheses are open at the cursor (bounded by MAX_MARKER_DEPTH). */
  depth = 0;

  constructor(readonly source: string) {}

  /** The end of the input; a trailing line break is not whitespace the grammar allows. */
  atEnd(): boolean {
    return this.pos === this.source.length;
  }

  /** Whitespace between tokens is spaces and tabs only; any other is an error. */
  skipWhitespace(): boolean {
    const start = this.pos;
    while (this.pos < this.source.length) {
      const c = this.source[this.pos];
      if (c !== ' ' && c !== '\t') break;
      this.pos++;
    }
    return this.pos > start;
  }

  peek(text: string): boolean {
    return this.source.startsWith(text, this.pos);
  }

  take(text: string): boolean {
    if (!this.peek(text)) return false;
    this.pos += text.length;
    return true;
  }

  boundaryAt(index: number): boolean {
    return isWordAt(this.source, index - 1) !== isWordAt(this.source, index);
  }

  /** Whether `word` stands here as a whole word (`and`, `or`, `in`, `not`); does not advance. */
  peekWord(word: string): boolean {
    return this.peek(word) && this.boundaryAt(this.pos) && this.boundaryAt(this.pos + word.length);
  }

  takeWord(word: string): boolean {
    if (!this.peekWord(word)) return false;
    this.pos += word.length;
    return true;
  }

  /** Whether a sticky regular expression matches at the cursor; does not advance. */
  lookingAt(pattern: RegExp): boolean {
    pattern.lastIndex = this.pos;
    return pattern.test(this.source);
  }

  /** Read a sticky regular expression at the cursor; returns the text or null. */
  takePattern(pattern: RegExp): string | null {
    pattern.lastIndex = this.pos;
    const m = pattern.exec(this.source);
    if (m === null) return null;
    this.pos += m[0].length;
    return m[0];
  }

  fail(reason: string, start: number = this.pos, end: number = this.pos): never {
    throw new MarkerSyntaxError(reason, start, end);
  }
}

/**
 * The message for a syntax error: what was expected, then the input with the bad span marked
 * underneath, the way pypa/packaging shows it.
 */
export function describeSyntaxError(what: string, source: string, err: MarkerSyntaxError): string {
  // A long input is shown as a window around the error, so the message stays a few lines long.
  let from = 0;
  let shown = source;
  if (source.length > SHOWN_SOURCE) {
    from = Math.max(0, Math.min(err.start, err.end - SHOWN_SOURCE / 2));
    shown = (from > 0 ? '…' : '') + source.slice(from, from + SHOWN_SOURCE) + (from + SHOWN_SOURCE < source.length ? '…' : '');
  }
  const lead = from > 0 ? 1 : 0;
  const start = err.start - from + lead;
  const width = Math.max(0, Math.min(err.end, from + SHOWN_SOURCE) - err.start);
  const pointer = ' '.repeat(start) + '~'.repeat(width) + '^';
  return `Invalid ${what}: ${err.reason} (at column ${err.end + 1})\n    ${shown}\n    ${pointer}`;
}

const SHOWN_SOURCE = 160;

/**
 * How deeply parentheses may nest in a marker. pypa/packaging's recursive parser stops near
 * Python's recursion limit (a few hundred levels); real markers nest two or three deep.
 */
export const MAX_MARKER_DEPTH = 64;

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

/**
 * marker     = atom (('and' | 'or') atom)*
 * atom       = WS? ('(' WS? marker WS? ')' | comparison) WS?
 * comparison = operand WS? operator WS? operand WS?
 * A group of one element is that element, so `(a)` and `((a or b))` add no structure.
 */
export function parseMarkerExpression(scanner: Scanner): MarkerNode {
  const items: MarkerNode[] = [parseAtom(scanner)];
  const connectives: ('and' | 'or')[] = [];
  for (;;) {
    const connective = scanner.takeWord('or') ? 'or' : scanner.takeWord('and') ? 'and' : null;
    if (connective === null) break;
    connectives.push(connective);
    items.push(parseAtom(scanner));
  }
  return items.length === 1 ? items[0]! : { kind: 'group', items, connectives };
}

function parseAtom(scanner: Scanner): MarkerNode {
  scanner.skipWhitespace();
  let node: MarkerNode;
  if (scanner.peek('(')) {
    const open = scanner.pos;
    scanner.pos++;
    if (++scanner.depth > MAX_MARKER_DEPTH) {
      const shown = scanner.source.length > SHOWN_SOURCE ? `${scanner.source.slice(0, SHOWN_SOURCE)}…` : scanner.source;
      throw new PyvouchError('MARKER_TOO_DEEP', `Marker nests parentheses more than ${MAX_MARKER_DEPTH} deep (at column ${open + 1}): '${shown}'`, {
        help: 'write the marker with fewer nested parentheses',
      });
    }
    scanner.skipWhitespace();
    node = parseMarkerExpression(scanner);
    scanner.depth--;
    scanner.skipWhitespace();
    if (!scanner.take(')')) scanner.fail("Expected matching ')' for '(', after marker expression", open);
  } else {
    node = parseComparison(scanner);
  }
  scanner.skipWhitespace();
  return node;
}

function parseComparison(scanner: Scanner): MarkerComparison {
  scanner.skipWhitespace();
  let left = parseOperand(scanner);
  scanner.skipWhitespace();
  const op = parseOperator(scanner);
  scanner.skipWhitespace();
  let right = parseOperand(scanner);
  scanner.skipWhitespace();
  // Extra and group names compare in normal form (PEP 685, PEP 735), so a literal compared with
  // one is normalised once, here, and prints that way. Two variables are left alone.
  if (left.kind === 'variable' && NAME_VARIABLES.has(left.name) && right.kind === 'string') {
    right = { kind: 'string', value: canonicalizeName(right.value) };
  } else if (right.kind === 'variable' && NAME_VARIABLES.has(right.name) && left.kind === 'string') {
    left = { kind: 'string', value: canonicalizeName(left.value) };
  }
  return { kind: 'comparison', left, op, right };
}

function parseOperand(scanner: Scanner): MarkerOperand {
  if (scanner.boundaryAt(scanner.pos)) {
    for (const [spelling, name] of VARIABLE_SPELLINGS) {
      if (scanner.peek(spelling) && scanner.boundaryAt(scanner.pos + spelling.length)) {
        scanner.pos += spelling.length;
        return { kind: 'variable', name };
      }
    }
  }
  const quote = scanner.source[scanner.pos];
  if (quote === '"' || quote === "'") {
    const start = scanner.pos;
    const close = scanner.source.indexOf(quote, start + 1);
    if (close >= 0) {
      scanner.pos = close + 1;
      const value = scanner.source.slice(start + 1, close);
      // PEP 508 strings have no escapes; a backslash would mean one thing to Python's literal
      // syntax and another to a plain reader, so it is refused rather than guessed.
      if (value.includes('\\')) scanner.fail('Invalid quoted string', start, scanner.pos);
      return { kind: 'string', value };
    }
  }
  return scanner.fail('Expected a marker variable or quoted string');
}

function parseOperator(scanner: Scanner): MarkerOperator {
  if (scanner.takeWord('in')) return 'in';
  if (scanner.takeWord('not')) {
    if (!scanner.skipWhitespace()) scanner.fail("Expected whitespace after 'not'");
    if (!scanner.takeWord('in')) scanner.fail("Expected 'in' after 'not'");
    return 'not in';
  }
  for (const op of COMPARISON_OPERATORS) {
    if (scanner.take(op)) return op;
  }
  return scanner.fail('Expected marker operator, one of <=, <, !=, ==, >=, >, ~=, ===, in, not in');
}

// ---------------------------------------------------------------------------------------------
// Printing
// ---------------------------------------------------------------------------------------------

function formatOperand(operand: MarkerOperand): string {
  if (operand.kind === 'variable') return operand.name;
  const value = operand.value;
  if (!value.includes('"')) return `"${value}"`;
  if (!value.includes("'")) return `'${value}'`;
  throw new PyvouchError('INVALID_MARKER', `Cannot write a marker string containing both quote characters: ${value}`);
}

function formatNode(node: MarkerNode, outermost: boolean): string {
  if (node.kind === 'comparison') {
    return `${formatOperand(node.left)} ${node.op} ${formatOperand(node.right)}`;
  }
  let text = formatNode(node.items[0]!, false);
  node.items.slice(1).forEach((item, i) => {
    text += ` ${node.connectives[i]!} ${formatNode(item, false)}`;
  });
  return outermost ? text : `(${text})`;
}

// ---------------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------------

// Markers are evaluated for every edge of a graph against a handful of environments, so the same
// few strings are parsed again and again; bounded caches keep that cheap.
const CACHE_LIMIT = 4096;
const specifiers = new Map<string, Specifier | null>();
const versions = new Map<string, Version | null>();

function specifierFor(op: MarkerOperator, version: string): Specifier | null {
  const text = op + version;
  let spec = specifiers.get(text);
  if (spec === undefined) {
    if (specifiers.size >= CACHE_LIMIT) specifiers.clear();
    try {
      spec = new Specifier(text);
    } catch (err) {
      if (!(err instanceof PyvouchError)) throw err;
      spec = null;
    }
    specifiers.set(text, spec);
  }
  return spec;
}

/** The parsed version, or the text itself when it is not one (a specifier then rejects it). */
function versionFor(text: string): Version | string {
  let version = versions.get(text);
  if (version === undefined) {
    if (versions.size >= CACHE_LIMIT) versions.clear();
    version = Version.tryParse(text);
    versions.set(text, version);
  }
  return version ?? text;
}

/** Reads one evaluation's environment, normalising only the values a marker asks for. */
class EnvironmentReader {
  private extra: string | undefined;
  private readonly sets = new Map<string, ReadonlySet<string>>();

  constructor(private readonly environment: MarkerEvaluationEnvironment) {}

  get(name: string): string | ReadonlySet<string> | undefined {
    if (name === 'extra') {
      const extra = this.environment.extra;
      return (this.extra ??= typeof extra === 'string' && extra !== '' ? canonicalizeName(extra) : '');
    }
    if (!Object.hasOwn(this.environment, name)) return undefined;
    const value: unknown = (this.environment as Record<string, unknown>)[name];
    if (SET_VARIABLES.has(name)) {
      if (typeof value !== 'object' || value === null || !(Symbol.iterator in value)) return undefined;
      let set = this.sets.get(name);
      if (set === undefined) {
        set = new Set(Array.from(value as Iterable<string>, (v) => canonicalizeName(v)));
        this.sets.set(name, set);
      }
      return set;
    }
    if (typeof value !== 'string') return undefined;
    // A Python built from an untagged checkout reports e.g. "3.13.0+", which is not PEP 440;
    // "+local" makes it a local version of the same release, as pypa/packaging does.
    if (name === 'python_full_version' && value.endsWith('+')) return `${value}local`;
    return value;
  }
}

/** A parsed PEP 508 environment marker. */
export class Marker {
  /** The parsed expression; a group's items keep the order and grouping of the source. */
  readonly tree: MarkerNode;
  private text: string | undefined;

  /** Parse `text`; throws PyvouchError INVALID_MARKER naming what was expected and where. */
  constructor(text: string) {
    const scanner = new Scanner(text);
    try {
      this.tree = parseMarkerExpression(scanner);
      if (!scanner.atEnd()) scanner.fail('Expected end of marker expression');
    } catch (err) {
      if (!(err instanceof MarkerSyntaxError)) throw err;
      throw new PyvouchError('INVALID_MARKER', describeSyntaxError('marker', text, err), {
        cause: err,
        help: 'Markers follow PEP 508, e.g. python_version >= "3.9" and sys_platform == "linux".',
      });
    }
  }

  /** Wrap an already parsed tree (from a requirement, or from `and`/`or`). */
  static fromTree(tree: MarkerNode): Marker {
    // Skips the constructor: the tree is already parsed (and its extras normalised).
    return Object.assign(Object.create(Marker.prototype) as Marker, { tree, text: undefined });
  }

  /** Both markers must hold. */
  and(other: Marker): Marker {
    return Marker.fromTree({ kind: 'group', items: [this.tree, other.tree], connectives: ['and'] });
  }

  /** Either marker may hold. */
  or(other: Marker): Marker {
    return Marker.fromTree({ kind: 'group', items: [this.tree, other.tree], connectives: ['or'] });
  }

  /** pypa/packaging's normal form: single spaces, double quotes, no parentheses around the whole. */
  toString(): string {
    if (this.text === undefined) this.text = formatNode(this.tree, true);
    return this.text;
  }

  toJSON(): string {
    return this.toString();
  }

  equals(other: Marker): boolean {
    return this.toString() === other.toString();
  }

  /** The variables the marker reads, sorted. */
  variables(): MarkerVariable[] {
    const found = new Set<MarkerVariable>();
    visitComparisons(this.tree, (c) => {
      if (c.left.kind === 'variable') found.add(c.left.name);
      if (c.right.kind === 'variable') found.add(c.right.name);
    });
    return [...found].sort();
  }

  /** The (normalised) extra names the marker compares `extra` with, sorted. */
  extras(): string[] {
    const found = new Set<string>();
    visitComparisons(this.tree, (c) => {
      if (c.left.kind === 'variable' && c.left.name === 'extra' && c.right.kind === 'string') found.add(c.right.value);
      if (c.right.kind === 'variable' && c.right.name === 'extra' && c.left.kind === 'string') found.add(c.left.value);
    });
    return [...found].sort();
  }

  /**
   * Whether the marker holds in `environment`. As in pypa/packaging every comparison is evaluated
   * (no short-circuit), so a comparison that cannot be decided fails the whole marker:
   * UNDEFINED_ENVIRONMENT_NAME for a variable the environment lacks, UNDEFINED_COMPARISON for an
   * operator that is neither a PEP 440 comparison (on the version variables) nor a string one.
   */
  evaluate(environment: MarkerEvaluationEnvironment = {}): boolean {
    return this.evaluateNode(this.tree, new EnvironmentReader(environment));
  }

  private evaluateNode(node: MarkerNode, env: EnvironmentReader): boolean {
    if (node.kind === 'comparison') return this.evaluateComparison(node, env);
    const values = node.items.map((item) => this.evaluateNode(item, env));
    // `and` binds tighter than `or`: the result is whether any and-run is all true.
    let any = false;
    let run = values[0]!;
    node.connectives.forEach((connective, i) => {
      const value = values[i + 1]!;
      if (connective === 'and') {
        run = run && value;
      } else {
        any = any || run;
        run = value;
      }
    });
    return any || run;
  }

  private lookup(name: string, env: EnvironmentReader): string | ReadonlySet<string> {
    const value = env.get(name);
    if (value === undefined) {
      throw new PyvouchError(
        'UNDEFINED_ENVIRONMENT_NAME',
        `Marker '${this.toString()}' reads '${name}', which the evaluation environment does not define`,
        SET_VARIABLES.has(name)
          ? { help: `'${name}' is only defined when evaluating a lock file's markers (PEP 751).` }
          : {},
      );
    }
    return value;
  }

  private evaluateComparison(c: MarkerComparison, env: EnvironmentReader): boolean {
    // As in pypa/packaging, the environment is read on one side only: the left variable, else
    // whatever stands on the right. A variable on the right of a variable therefore compares as
    // its own name, and in a comparison of two strings the right one names the variable.
    let key: string;
    let lhs: string | ReadonlySet<string>;
    let rhs: string | ReadonlySet<string>;
    if (c.left.kind === 'variable') {
      key = c.left.name;
      lhs = this.lookup(key, env);
      rhs = operandText(c.right);
    } else {
      key = operandText(c.right);
      lhs = c.left.value;
      rhs = this.lookup(key, env);
    }

    if (typeof lhs !== 'string' || (typeof rhs !== 'string' && c.op !== 'in' && c.op !== 'not in')) {
      throw this.undefinedComparison(c, `${key} is a set of names, usable only as in "name" in ${key}`);
    }
    if (typeof rhs !== 'string') {
      const member = rhs.has(canonicalizeName(lhs));
      return c.op === 'in' ? member : !member;
    }

    if (VERSION_VARIABLES.has(key) && c.op !== 'in' && c.op !== 'not in') {
      const spec = specifierFor(c.op, rhs);
      // `===` compares the text as written, so only the other operators get the parsed version.
      if (spec !== null) return spec.contains(c.op === '===' ? lhs : versionFor(lhs), { prereleases: true });
    }
    // Plain strings have no meaningful order, so (as in pypa/packaging) `<` and `>` never hold and
    // `<=`/`>=` hold only for equal strings; `~=` and `===` mean nothing for them at all.
    switch (c.op) {
      case 'in':
        return rhs.includes(lhs);
      case 'not in':
        return !rhs.includes(lhs);
      case '==':
      case '<=':
      case '>=':
        return lhs === rhs;
      case '!=':
        return lhs !== rhs;
      case '<':
      case '>':
        return false;
      default:
        throw this.undefinedComparison(
          c,
          `${key} is not compared as a PEP 440 version here, and '${c.op}' has no meaning for plain strings`,
        );
    }
  }

  private undefinedComparison(c: MarkerComparison, why: string): PyvouchError {
    return new PyvouchError(
      'UNDEFINED_COMPARISON',
      `Marker '${this.toString()}' cannot evaluate ${formatNode(c, true)}: ${why}`,
    );
  }
}

function operandText(operand: MarkerOperand): string {
  return operand.kind === 'variable' ? operand.name : operand.value;
}

function visitComparisons(node: MarkerNode, visit: (c: MarkerComparison) => void): void {
  if (node.kind === 'comparison') visit(node);
  else for (const item of node.items) visitComparisons(item, visit);
}
