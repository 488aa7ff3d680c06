// Converts Poetry's version constraint syntax (poetry-core: `^1.2`, `~1.2.3`, `*`, `1.2.*`, `>=1,<2`,
// `>=1 <2`, `A || B`) into PEP 440 specifier sets, so lock edges and Python checks speak PEP 440.

import { PyvouchError } from '../errors.js';
import { SpecifierSet } from '../pep/specifier.js';

const OPERATOR = /^(===|==|!=|<=|>=|~=|<|>|=|\^|~)?(.*)$/;

/**
 * The PEP 440 specifier sets a Poetry constraint stands for, one per `||` alternative (PEP 440 has
 * no "or"). `*` and the empty constraint give `['']` (any version). Throws INVALID_SPECIFIER.
 */
export function poetryConstraintToPep440(text: string): string[] {
  const alternatives = text.split(/\s*\|\|?\s*/);
  const out: string[] = [];
  for (const alt of alternatives) {
    // Operators may be followed by spaces (`>= 1.0`); glue them so whitespace only separates clauses.
    const glued = alt.trim().replace(/(===|==|!=|<=|>=|~=|<|>|=|\^|~)\s+/g, '$1');
    const clauses = glued.split(/[\s,]+/).filter((c) => c !== '');
    const parts: string[] = [];
    for (const clause of clauses) parts.push(...convertClause(clause, text));
    const joined = parts.join(',');
    let normalised: string;
    try {
      normalised = new SpecifierSet(joined).toString();
    } catch (err) {
      throw new PyvouchError('INVALID_SPECIFIER', `Invalid Poetry constraint: '${text}'`, {
        cause: err,
        help: 'Poetry constraints look like ^1.2, ~1.2.3, >=1.0,<2.0, 1.2.* or *',
      });
    }
    if (!out.includes(normalised)) out.push(normalised);
  }
  // One alternative that allows anything makes the whole constraint allow anything.
  return out.includes('') ? [''] : out;
}

function convertClause(clause: string, whole: string): string[] {
  if (clause === '*' || clause.toLowerCase() === 'x') return [];
  const m = OPERATOR.exec(clause)!;
  const op = m[1] ?? '';
  const version = m[2]!.replace(/\.[xX*]$/, '.*').replace(/^v/i, '');
  if (version === '') throw invalid(whole);
  switch (op) {
    case '^':
      return [`>=${version}`, `<${bump(version, caretIndex(release(version, whole)), whole)}`];
    case '~': {
      const r = release(version, whole);
      return [`>=${version}`, `<${bump(version, r.length === 1 ? 0 : 1, whole)}`];
    }
    case '':
    case '=':
      return [`==${version}`];
    default:
      return [`${op}${version}`];
  }
}

function release(version: string, whole: string): number[] {
  const m = /^(\d+(?:\.\d+)*)/.exec(version);
  if (m === null) throw invalid(whole);
  return m[1]!.split('.').map(Number);
}

/** Caret allows changes that do not modify the left-most non-zero part (all zeros: the last given part). */
function caretIndex(parts: number[]): number {
  const i = parts.findIndex((p) => p !== 0);
  return i < 0 ? parts.length - 1 : i;
}

/** The version with part `index` incremented and the later parts zeroed, as long as the original's release. */
function bump(version: string, index: number, whole: string): string {
  const parts = release(version, whole);
  while (parts.length <= index) parts.push(0);
  parts[index] = parts[index]! + 1;
  for (let i = index + 1; i < parts.length; i++) parts[i] = 0;
  return parts.join('.');
}

function invalid(text: string): PyvouchError {
  return new PyvouchError('INVALID_SPECIFIER', `Invalid Poetry constraint: '${text}'`, {
    help: 'Poetry constraints look like ^1.2, ~1.2.3, >=1.0,<2.0, 1.2.* or *',
  });
}

/** Whether a version satisfies a Poetry constraint (any of its alternatives). */
export function poetryConstraintAllows(constraint: string, version: string): boolean {
  return poetryConstraintToPep440(constraint).some((spec) => new SpecifierSet(spec).contains(version, { prereleases: true }));
}
