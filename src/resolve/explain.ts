// Turns PubGrub's proof of failure (the derivation tree of the final incompatibility) into
// sentences a person can follow, the way pub and uv report it: each line says why one derived fact
// holds, lines that later lines refer back to get a number, and a linear chain reads as
// "Because …, … . And because …, … ." Hints then name releases the packaging rules kept out
// (pre-releases, yanked releases), since "there is no version" is confusing when one exists.

import type { Incompatibility, Package, Term } from './incompatibility.js';
import type { Version } from '../pep/version.js';
import type { VersionRange } from './ranges.js';
import type { ProjectUniverse, ResolverRules } from './universe.js';

export interface ExplanationLine {
  readonly text: string;
  /** Set when a later line refers back to this one as "(n)". */
  readonly number?: number;
}

/** A report value: render it with `formatExplanation`, or serialise it as JSON. */
export interface Explanation {
  readonly lines: readonly ExplanationLine[];
  readonly hints: readonly string[];
}

export interface ExplainContext {
  /** The releases the resolver saw of a project, to print ranges in terms of real versions. */
  universe(name: string): ProjectUniverse | undefined;
  rules: ResolverRules;
}

export function explainFailure(root: Incompatibility, context: ExplainContext): Explanation {
  return new Explainer(context).explain(root);
}

/** Plain text: one line per sentence, numbered lines marked "(n)" at the end, hints after. */
export function formatExplanation(explanation: Explanation): string {
  const out: string[] = [];
  for (const line of explanation.lines) {
    if (line.text === '') out.push('');
    else out.push(line.number === undefined ? line.text : `${line.text} (${line.number})`);
  }
  for (const hint of explanation.hints) out.push('', `hint: ${hint}`);
  return out.join('\n');
}

class Explainer {
  readonly #context: ExplainContext;
  readonly #lines: { text: string; number?: number }[] = [];
  readonly #numbers = new Map<Incompatibility, number>();
  /** How many derived facts each derived fact is a cause of. */
  readonly #uses = new Map<Incompatibility, number>();
  #nextNumber = 1;

  constructor(context: ExplainContext) {
    this.#context = context;
  }

  explain(root: Incompatibility): Explanation {
    if (root.cause.kind !== 'derived') {
      // Failing on an external fact alone: say that fact and what follows.
      this.#write(`Because ${this.#describe(root)}, ${this.#conclusion(root)}.`, root);
    } else {
      this.#countUses(root, new Set());
      this.#visit(root);
    }
    return { lines: this.#lines.map((l) => ({ ...l })), hints: this.#hints(root) };
  }

  #countUses(inc: Incompatibility, seen: Set<Incompatibility>): void {
    if (inc.cause.kind !== 'derived' || seen.has(inc)) return;
    seen.add(inc);
    for (const cause of [inc.cause.left, inc.cause.right]) {
      if (cause.cause.kind !== 'derived') continue;
      this.#uses.set(cause, (this.#uses.get(cause) ?? 0) + 1);
      this.#countUses(cause, seen);
    }
  }

  #write(text: string, inc: Incompatibility, forceNumber = false): void {
    const line: { text: string; number?: number } = { text };
    if (forceNumber || (this.#uses.get(inc) ?? 0) > 1) {
      const number = this.#numbers.get(inc) ?? this.#nextNumber++;
      line.number = number;
      this.#numbers.set(inc, number);
    }
    this.#lines.push(line);
  }

  /** Writes the lines proving `inc` (a derived fact), the last of which states it. */
  #visit(inc: Incompatibility, forceNumber = false): void {
    if (inc.cause.kind !== 'derived') return;
    const { left, right } = inc.cause;
    const conclusion = this.#conclusion(inc);
    const leftDerived = left.cause.kind === 'derived';
    const rightDerived = right.cause.kind === 'derived';

    if (leftDerived && rightDerived) {
      const l = this.#numbers.get(left);
      const r = this.#numbers.get(right);
      if (l !== undefined && r !== undefined) {
        this.#write(`Because ${this.#fact(left)} (${l}) and ${this.#fact(right)} (${r}), ${conclusion}.`, inc, forceNumber);
      } else if (l !== undefined || r !== undefined) {
        const numbered = l !== undefined ? left : right;
        const other = l !== undefined ? right : left;
        this.#visit(other);
        this.#write(`And because ${this.#fact(numbered)} (${this.#numbers.get(numbered)!}), ${conclusion}.`, inc, forceNumber);
      } else {
        const simple = isSimple(left) ? left : isSimple(right) ? right : null;
        if (simple !== null) {
          this.#visit(simple === left ? right : left);
          this.#visit(simple);
          this.#write(`Thus, ${conclusion}.`, inc, forceNumber);
        } else {
          this.#visit(left, true);
          this.#lines.push({ text: '' });
          this.#visit(right);
          this.#write(`And because ${this.#fact(left)} (${this.#numbers.get(left)!}), ${conclusion}.`, inc, forceNumber);
        }
      }
      return;
    }

    if (leftDerived || rightDerived) {
      const derived = leftDerived ? left : right;
      const external = leftDerived ? right : left;
      const number = this.#numbers.get(derived);
      if (number !== undefined) {
        this.#write(`Because ${this.#describe(external)} and ${this.#fact(derived)} (${number}), ${conclusion}.`, inc, forceNumber);
        return;
      }
      // A chain of one derived and one external fact twice over reads better as one sentence.
      if (derived.cause.kind === 'derived' && (this.#uses.get(derived) ?? 0) <= 1) {
        const { left: dl, right: dr } = derived.cause;
        const dlDerived = dl.cause.kind === 'derived';
        const drDerived = dr.cause.kind === 'derived';
        if (dlDerived !== drDerived) {
          const prior = dlDerived ? dl : dr;
          const priorExternal = dlDerived ? dr : dl;
          if (!this.#numbers.has(prior)) {
            this.#visit(prior);
            this.#write(`And because ${this.#describe(priorExternal)} and ${this.#describe(external)}, ${conclusion}.`, inc, forceNumber);
            return;
          }
        }
      }
      this.#visit(derived);
      this.#write(`And because ${this.#describe(external)}, ${conclusion}.`, inc, forceNumber);
      return;
    }

    this.#write(`Because ${this.#describe(left)} and ${this.#describe(right)}, ${conclusion}.`, inc, forceNumber);
  }

  /** A fact, as a clause: external facts say what they are, derived ones what they conclude. */
  #fact(inc: Incompatibility): string {
    return inc.cause.kind === 'derived' ? this.#conclusion(inc) : this.#describe(inc);
  }

  /** An external fact as a clause ("a==1.0 depends on b>=2"). */
  #describe(inc: Incompatibility): string {
    const cause = inc.cause;
    const terms = inc.terms;
    switch (cause.kind) {
      case 'root':
        return 'the requirements must be met';
      case 'dependency': {
        const depender = terms.find((t) => t.positive);
        const dependency = terms.find((t) => !t.positive);
        if (depender === undefined || dependency === undefined) break;
        const target = this.#term(dependency);
        if (depender.pkg.kind === 'root') return `you require ${target}`;
        return `${this.#subject(depender)} ${depender.range.isFull() ? 'depend' : 'depends'} on ${target}`;
      }
      case 'no-versions': {
        const t = terms[0]!;
        const universe = this.#context.universe(t.pkg.name);
        if (universe === undefined || universe.versions.length === 0) return `${t.pkg.name} was not found in the package index`;
        if (t.range.isFull()) return `there is no usable version of ${t.pkg.display}`;
        // "Only a<=1.0 is available" names what exists, which says more than what does not.
        // What the rules allow, not every release: excluded ones are named in a hint instead.
        const allowed = universe.allowedIndexes.map((i) => universe.versions[i]!.version);
        const available = simplify(t.range.complement(), allowed);
        if (available === null) return `there is no version of ${this.#term(t)}`;
        if (available !== '') return `only ${t.pkg.display}${available} is available`;
        // Every allowed release lies outside the range: name them when they are few.
        const known = allowed.map((v) => `${t.pkg.display}==${v.toString()}`);
        if (known.length > 3) return `there is no version of ${this.#term(t)}`;
        return `only ${joinWords(known, 'and')} ${known.length > 1 ? 'are' : 'is'} available`;
      }
      case 'unusable': {
        const t = terms[0]!;
        return `${this.#subject(t)} ${t.range.isFull() ? pluralVerb(cause.reason) : cause.reason}`;
      }
      case 'requires-python': {
        const t = terms[0]!;
        return `${this.#subject(t)} ${t.range.isFull() ? 'require' : 'requires'} Python${cause.requiresPython} (the target is Python ${cause.python})`;
      }
      case 'constraint': {
        const t = terms[0]!;
        return `your constraints allow only ${t.pkg.display}${this.#range(t.pkg, t.range.complement())}`;
      }
      case 'derived':
        return this.#conclusion(inc);
    }
    return this.#conclusion(inc);
  }

  /** What a derived fact says, as a clause ("a==1.0 cannot be used"). */
  #conclusion(inc: Incompatibility): string {
    if (inc.isTerminal()) return 'your requirements are unsatisfiable';
    const positives = inc.terms.filter((t) => t.positive && t.pkg.kind !== 'root');
    const negatives = inc.terms.filter((t) => !t.positive);
    if (positives.length === 0 && negatives.length === 1) return `you require ${this.#term(negatives[0]!)}`;
    if (positives.length === 0) return `you require one of ${joinWords(negatives.map((t) => this.#term(t)), 'or')}`;
    if (negatives.length === 0) {
      if (positives.length === 1) {
        const only = positives[0]!;
        return only.range.isFull() ? `no version of ${only.pkg.display} can be used` : `${this.#term(only)} cannot be used`;
      }
      return `${joinWords(positives.map((t) => this.#term(t)), 'and')} are incompatible`;
    }
    const subjects = joinWords(positives.map((t) => this.#subject(t)), 'and');
    const plural = positives.length > 1 || positives[0]!.range.isFull();
    return `${subjects} ${plural ? 'depend' : 'depends'} on ${joinWords(negatives.map((t) => this.#term(t)), 'or')}`;
  }

  /** A positive term as the subject of a sentence: "all versions of a" when the range is full. */
  #subject(t: Term): string {
    if (t.pkg.kind === 'root') return 'you';
    return t.range.isFull() ? `all versions of ${t.pkg.display}` : this.#term(t);
  }

  /** A term as `name` + range, the range simplified to the releases the index has. */
  #term(t: Term): string {
    if (t.pkg.kind === 'root') return 'your requirements';
    return `${t.pkg.display}${this.#range(t.pkg, t.range)}`;
  }

  #range(pkg: Package, range: VersionRange): string {
    if (range.isFull()) return '';
    const raw = range.toString();
    // A single interval reads fine as written; a union of holes reads better as the releases it keeps.
    if (!raw.includes('|')) return raw;
    const universe = this.#context.universe(pkg.name);
    if (universe === undefined || universe.versions.length === 0) return raw;
    const simple = simplify(range, universe.versions.map((v) => v.version));
    // '' means every release the index has: the bare name says that best.
    return simple !== null && simple.length < raw.length ? simple : raw;
  }

  #hints(root: Incompatibility): string[] {
    const hints = new Set<string>();
    const seen = new Set<Incompatibility>();
    const walk = (inc: Incompatibility): void => {
      if (seen.has(inc)) return;
      seen.add(inc);
      if (inc.cause.kind === 'derived') {
        walk(inc.cause.left);
        walk(inc.cause.right);
        return;
      }
      if (inc.cause.kind !== 'no-versions') return;
      const t = inc.terms[0]!;
      const universe = this.#context.universe(t.pkg.name);
      if (universe === undefined) return;
      const excluded = universe.excludedIn(t.range);
      const pre = excluded.filter((e) => e.why === 'pre-release').map((e) => e.version.toString());
      const yanked = excluded.filter((e) => e.why === 'yanked').map((e) => e.version.toString());
      if (pre.length > 0) {
        const when =
          this.#context.rules === 'uv'
            ? 'your own requirements or constraints name a pre-release of it (e.g. >=2.0b1) or it has no final release'
            : 'some requirement on it names a pre-release or matches only pre-releases';
        hints.add(
          `${t.pkg.name} has pre-releases in that range (${listSome(pre)}); they are considered only when ${when}. Pass --pre to allow pre-releases everywhere.`,
        );
      }
      if (yanked.length > 0) {
        const who = this.#context.rules === 'uv' ? 'your own requirements or constraints pin' : 'a requirement pins';
        hints.add(`${t.pkg.name} ${listSome(yanked)} ${yanked.length > 1 ? 'are' : 'is'} yanked (PEP 592); a yanked release is used only when ${who} it with ==.`);
      }
    };
    walk(root);
    return [...hints];
  }
}

/** "has no wheel …" -> "have no wheel …", for "all versions of a" as the subject. */
function pluralVerb(predicate: string): string {
  const [verb, ...rest] = predicate.split(' ');
  const plural: Record<string, string> = { has: 'have', is: 'are', depends: 'depend', requires: 'require' };
  const replaced = verb === undefined ? undefined : plural[verb];
  return replaced === undefined ? predicate : [replaced, ...rest].join(' ');
}

function isSimple(inc: Incompatibility): boolean {
  return inc.cause.kind === 'derived' && inc.cause.left.cause.kind !== 'derived' && inc.cause.right.cause.kind !== 'derived';
}

function joinWords(items: readonly string[], word: 'and' | 'or'): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} ${word} ${items[items.length - 1]!}`;
}

function listSome(items: readonly string[]): string {
  return items.length <= 5 ? items.join(', ') : `${items.slice(0, 5).join(', ')} and ${items.length - 5} more`;
}

/**
 * The range written with the releases that exist: each run of consecutive releases it holds
 * becomes `==v`, `>=v`, `<=v` or `>=v,<=w`. Null when it holds none of them.
 */
function simplify(range: VersionRange, releases: readonly Version[]): string | null {
  const parts: string[] = [];
  let start = -1;
  const last = releases.length - 1;
  const flush = (end: number): void => {
    const lo = releases[start]!.toString();
    const hi = releases[end]!.toString();
    if (start === 0 && end === last) parts.push('*');
    else if (start === end) parts.push(`==${lo}`);
    else if (start === 0) parts.push(`<=${hi}`);
    else if (end === last) parts.push(`>=${lo}`);
    else parts.push(`>=${lo},<=${hi}`);
  };
  for (let i = 0; i <= last; i++) {
    const inside = range.contains(releases[i]!);
    if (inside && start < 0) start = i;
    if (!inside && start >= 0) {
      flush(i - 1);
      start = -1;
    }
  }
  if (start >= 0) flush(last);
  if (parts.length === 0) return null;
  if (parts.length === 1 && parts[0] === '*') return '';
  return parts.join(' | ');
}
