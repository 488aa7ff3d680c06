// Step 3 of a node's evaluation, the screening and file binding: retired keys, retractions,
// supersession by the same author, time (expiry, max-age), and whether a statement binds every
// locked file by sha256. What is left may count.

import type { Statement } from '../../attest/types.js';
import { cmp } from '../order.js';
import { shortStatementId } from '../report.js';
import { timeProblem } from '../statements.js';
import { isRetracted, signedBeforeRetirement, type TrustEntry } from '../web.js';
import { setAside, sortSmall, type EvaluationRun, type Item, type Usable, type NodeContext, type NodeState } from './run.js';

/** Retired keys, retractions, supersession, time and binding: what is left may count. */
export function screen(run: EvaluationRun, ctx: NodeContext, items: { item: Item; entry: TrustEntry }[], state: NodeState): Usable[] {
  const live: { item: Item; entry: TrustEntry }[] = [];
  for (const x of items) {
    const s = x.item.statement;
    if (!signedBeforeRetirement(x.entry.retiredAt, x.item.received)) {
      setAside(state, s, 'retired-key', `${s.kind} ${shortStatementId(s.id)} is signed with ${run.short(s.agent)}, a key rotated away, and pyvouch did not receive it before the rotation`);
      continue;
    }
    const r = isRetracted(x.item, run.index.retractions, run.now, x.entry.retiredAt);
    if (r !== undefined) {
      setAside(state, s, 'retracted', `${s.kind} ${shortStatementId(s.id)} was retracted by its author (statement ${shortStatementId(r.statement.id)})`, r.statement.id);
      continue;
    }
    live.push(x);
  }
  const current = supersede(run, live, state);
  const out: Usable[] = [];
  for (const x of current) {
    const s = x.item.statement;
    const isFlag = s.kind === 'flag';
    // A finding stays in force until its author ends it: max-age does not retire a malicious flag.
    const problem = timeProblem(x.item.start, x.item.end, run.now, isFlag ? undefined : run.policy.maxAge);
    if (problem !== undefined) {
      setAside(state, s, problem, `${s.kind} ${shortStatementId(s.id)} by ${run.short(s.agent)} ${TIME_WORDS[problem]}`);
      continue;
    }
    // A finding about the release counts whatever files it names: fail closed.
    if (isFlag) {
      out.push({ item: x.item, entry: x.entry, unbound: false });
      continue;
    }
    const bound = ctx.bindable && x.item.named === ctx.shas.size;
    if (bound) out.push({ item: x.item, entry: x.entry, unbound: false });
    else if (!run.policy.requireHashBinding && (x.item.named > 0 || s.subjects.length === 0 || !ctx.bindable)) {
      out.push({ item: x.item, entry: x.entry, unbound: true });
    } else {
      state.unboundCount++;
      setAside(state, s, 'unbound-file', `${s.kind} ${shortStatementId(s.id)} by ${run.short(s.agent)} ${unboundWhy(run, ctx, x.item)}`);
    }
  }
  return out;
}

export function unboundWhy(run: EvaluationRun, ctx: NodeContext, item: Item): string {
  if (ctx.node.artifacts.length === 0) return `cannot be bound to content: the lock records no files for ${ctx.id}`;
  if (ctx.unhashed.length > 0) return `cannot be bound to ${ctx.unhashed.join(', ')}: the lock records no sha256 for it`;
  if (item.named === 0) return 'names none of the locked files by sha256';
  return `names ${item.named} of the ${ctx.shas.size} files the lock allows for ${ctx.id}; every file that may be installed must be bound`;
}

/**
 * An author's newest word about the release replaces the older: a negative one (flag, negative
 * review, vote against) replaces everything older; any other replaces older statements of the
 * same kind and criteria, and older negative ones. Rotated keys are one author.
 */
function supersede(run: EvaluationRun, items: { item: Item; entry: TrustEntry }[], state: NodeState): { item: Item; entry: TrustEntry }[] {
  // Most authors say one thing about a release: an author's first item stands alone in `byAuthor`,
  // and a list is made only for an author with several (fewer small arrays per node).
  const byAuthor = new Map<string, { item: Item; entry: TrustEntry } | { item: Item; entry: TrustEntry }[]>();
  for (const x of items) {
    const cur = byAuthor.get(x.entry.canonical);
    if (cur === undefined) byAuthor.set(x.entry.canonical, x);
    else if (Array.isArray(cur)) cur.push(x);
    else byAuthor.set(x.entry.canonical, [cur, x]);
  }
  const out: { item: Item; entry: TrustEntry }[] = [];
  for (const list of byAuthor.values()) {
    if (!Array.isArray(list)) {
      out.push(list);
      continue;
    }
    // Newest first; on a tie the negative statement counts as the newer (fail closed). With a NaN
    // start time (set aside later as an invalid time) the comparator is not consistent, and
    // Array.prototype.sort's order for such ties must stay the one it always was; without one it
    // is a consistent order and sortSmall (stable too, no work copy) gives the same list.
    let nan = false;
    for (const x of list) if (Number.isNaN(x.item.start)) nan = true;
    if (nan) list.sort(newestFirst);
    else sortSmall(list, newestFirst);
    let negative: Statement | undefined;
    let positive: Statement | undefined;
    const keys = new Map<string, Statement>();
    for (const x of list) {
      const s = x.item.statement;
      const key = stanceKey(s);
      const neg = isNegative(s);
      const by = negative ?? keys.get(key) ?? (neg ? positive : undefined);
      if (by !== undefined) {
        setAside(state, s, 'superseded', `${s.kind} ${shortStatementId(s.id)} by ${run.short(s.agent)} is superseded by the same author's newer ${by.kind} ${shortStatementId(by.id)}`, by.id);
        continue;
      }
      out.push(x);
      keys.set(key, s);
      if (neg) negative = s;
      else positive ??= s;
    }
  }
  return out;
}

function newestFirst(a: { item: Item }, b: { item: Item }): number {
  return (
    b.item.start - a.item.start ||
    Number(isNegative(b.item.statement)) - Number(isNegative(a.item.statement)) ||
    cmp(b.item.statement.id, a.item.statement.id)
  );
}

const TIME_WORDS: Record<'invalid-time' | 'not-yet-valid' | 'expired' | 'too-old', string> = {
  'invalid-time': 'has an unreadable start or end time',
  'not-yet-valid': 'starts in the future',
  expired: 'has expired (past its endTime)',
  'too-old': 'is older than the policy max-age',
};

/** A statement that speaks against the release. */
function isNegative(s: Statement): boolean {
  return s.kind === 'flag' || (s.kind === 'review' && s.rating === 'negative') || (s.kind === 'vote' && s.vote === 'against');
}

/** What a newer statement of the same author replaces: the same kind of stance and criteria. */
function stanceKey(s: Statement): string {
  switch (s.kind) {
    case 'assess':
    case 'review':
      return `audit\u0000${[...s.criteria].sort().join('\u0000')}`;
    default:
      return s.kind;
  }
}
