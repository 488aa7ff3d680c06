// The predicates of pyvouch statements: schema.org Actions in JSON-LD, one predicateType URI per
// kind, with a small pyvouch vocabulary for what schema.org lacks. Mapping of kinds:
//   assess -> schema:AssessAction with pyvouch:criteria (and pyvouch:deltaFrom for a delta audit)
//   review -> schema:ReviewAction whose schema:resultReview carries a schema:Rating
//   vote   -> schema:VoteAction with schema:actionOption "for" | "against"
//   like   -> schema:LikeAction
//   flag   -> schema:AssessAction whose schema:result is a pyvouch:Finding (kind + severity): a flag
//             is an assessment that came out negative, which keeps it inside schema.org's tree
//   trust  -> pyvouch:TrustAction: schema.org has no action that can carry distrust, so pyvouch
//             defines one; its object is the trusted identity
//   rotate -> schema:ReplaceAction, replacee = old identity, replacer = new one
// The same functions encode a predicate for signing and for the JSON-LD export, so both agree.

import type { FindingSeverity, ReviewRating, Statement, StatementKind, TrustLevel } from './types.js';
import { canonicalJson } from './canonical.js';
import { isDidKey } from './did.js';
import { parsePypiPurl, purlFor } from './purl.js';
import { show, type JsonObject, type Problems } from './problems.js';

export const STATEMENT_KINDS: readonly StatementKind[] = [
  'assess',
  'review',
  'vote',
  'like',
  'flag',
  'trust',
  'rotate',
];
export const PACKAGE_KINDS: readonly StatementKind[] = ['assess', 'review', 'vote', 'like', 'flag'];
export const REVIEW_RATINGS: readonly ReviewRating[] = ['negative', 'neutral', 'positive', 'strong'];
export const TRUST_LEVELS: readonly TrustLevel[] = ['high', 'medium', 'low', 'distrust'];
export const FINDING_SEVERITIES: readonly FindingSeverity[] = ['low', 'medium', 'high', 'critical'];
export const VOTE_OPTIONS = ['for', 'against'] as const;

export function predicateTypeFor(kind: StatementKind): string {
  return `https://pyvouch.dev/attestation/${kind}/v1`;
}

export function kindOfPredicateType(predicateType: unknown): StatementKind | undefined {
  return STATEMENT_KINDS.find((kind) => predicateTypeFor(kind) === predicateType);
}

export const SCHEMA_ORG_CONTEXT = 'https://schema.org';
export const PYVOUCH_VOCAB = 'https://pyvouch.dev/ns#';

/** Terms schema.org lacks; embedded in every predicate so no second context has to be fetched. */
export const PYVOUCH_TERMS = {
  pyvouch: PYVOUCH_VOCAB,
  criteria: { '@id': 'pyvouch:criteria' },
  deltaFrom: { '@id': 'pyvouch:deltaFrom' },
  Finding: { '@id': 'pyvouch:Finding' },
  findingKind: { '@id': 'pyvouch:findingKind' },
  severity: { '@id': 'pyvouch:severity' },
  TrustAction: { '@id': 'pyvouch:TrustAction' },
  trustLevel: { '@id': 'pyvouch:trustLevel' },
  // Not "weight": schema.org already uses that term for physical weight.
  trustWeight: { '@id': 'pyvouch:trustWeight' },
} as const;

export const PREDICATE_CONTEXT = [SCHEMA_ORG_CONTEXT, PYVOUCH_TERMS] as const;

export const ACTION_TYPES: Record<StatementKind, string> = {
  assess: 'AssessAction',
  review: 'ReviewAction',
  vote: 'VoteAction',
  like: 'LikeAction',
  flag: 'AssessAction',
  trust: 'TrustAction',
  rotate: 'ReplaceAction',
  // Never signed by pyvouch: 'publish' is not in STATEMENT_KINDS, so no envelope decodes to it.
  publish: 'CreateAction',
};

/** A statement before it has an id; what the builder produces and the decoder recovers. */
export type StatementBody = Omit<Statement, 'id' | 'predicateType'>;

/** The schema.org action for a statement, without `@context` (the export shares one). */
export function actionFor(body: StatementBody): JsonObject {
  const action: JsonObject = {
    '@type': ACTION_TYPES[body.kind],
    agent: body.agentName === undefined ? { '@id': body.agent } : { '@id': body.agent, name: body.agentName },
  };
  if (body.package !== undefined) action.object = { '@id': body.package.purl };
  if (body.kind === 'trust' && body.trust !== undefined) action.object = { '@id': body.trust.subject };
  if (body.kind === 'rotate' && body.rotation !== undefined) {
    action.replacee = { '@id': body.rotation.from };
    action.replacer = { '@id': body.rotation.to };
  }
  action.description = body.description;
  action.startTime = body.startTime;
  if (body.endTime !== undefined) action.endTime = body.endTime;
  if (body.criteria.length > 0) action.criteria = [...body.criteria];
  if (body.deltaFrom !== undefined && body.package !== undefined) {
    action.deltaFrom = { '@id': purlFor(body.package.name, body.deltaFrom) };
  }
  if (body.rating !== undefined) {
    action.resultReview = { '@type': 'Review', reviewRating: { '@type': 'Rating', ratingValue: body.rating } };
  }
  if (body.vote !== undefined) action.actionOption = body.vote;
  if (body.finding !== undefined) {
    action.result = { '@type': 'Finding', findingKind: body.finding.kind, severity: body.finding.severity };
  }
  if (body.trust !== undefined) {
    action.trustLevel = body.trust.level;
    if (body.trust.weight !== undefined) action.trustWeight = body.trust.weight;
    if (body.trust.criteria.length > 0) action.criteria = [...body.trust.criteria];
  }
  return action;
}

/** The in-toto predicate: the action with its JSON-LD context. */
export function predicateFor(body: StatementBody): JsonObject {
  return { '@context': structuredClone(PREDICATE_CONTEXT), ...actionFor(body) };
}

/**
 * The kind-specific fields of a predicate, checked. The common fields (agent, times, description)
 * are read by the caller. Fields that do not belong to the kind are ignored, as in-toto's parsing
 * rules ask of unrecognised fields.
 */
export function decodePredicateFields(
  predicate: JsonObject,
  kind: StatementKind,
  agent: string | undefined,
  problems: Problems,
): Omit<StatementBody, 'kind' | 'agent' | 'agentName' | 'startTime' | 'endTime' | 'description' | 'subjects'> {
  const at = (field: string): string => `predicate.${field}`;
  // The context fixes what every term means; a predicate that brings its own could make the JSON-LD
  // say something other than what this decoder reads, so only the v1 context is accepted.
  if (canonicalJson(predicate['@context'] ?? null) !== canonicalJson(PREDICATE_CONTEXT)) {
    problems.add(at('@context'), `expected the pyvouch v1 context ${canonicalJson(PREDICATE_CONTEXT)}`);
  }
  if (predicate['@type'] !== ACTION_TYPES[kind]) {
    problems.add(at('@type'), `expected '${ACTION_TYPES[kind]}' for a ${kind} statement, got ${show(predicate['@type'])}`);
  }

  const out: ReturnType<typeof decodePredicateFields> = { criteria: [] };
  if (PACKAGE_KINDS.includes(kind)) {
    const purl = problems.nodeId(predicate, 'object', at('object'));
    if (purl !== undefined) {
      try {
        out.package = { ...parsePypiPurl(purl), purl };
      } catch (err) {
        problems.add(at('object.@id'), err instanceof Error ? err.message : String(err));
      }
    }
  }

  switch (kind) {
    case 'assess':
      out.criteria = decodeCriteria(predicate, at('criteria'), problems, { required: true });
      decodeDeltaFrom(predicate, out, problems);
      break;
    case 'review': {
      out.criteria = decodeCriteria(predicate, at('criteria'), problems, { required: false });
      decodeDeltaFrom(predicate, out, problems);
      const review = problems.object(predicate, 'resultReview', at('resultReview'));
      const rating = review && problems.object(review, 'reviewRating', at('resultReview.reviewRating'));
      const value =
        rating && problems.oneOf(rating, 'ratingValue', at('resultReview.reviewRating.ratingValue'), REVIEW_RATINGS);
      if (value !== undefined) out.rating = value;
      break;
    }
    case 'vote': {
      const vote = problems.oneOf(predicate, 'actionOption', at('actionOption'), VOTE_OPTIONS);
      if (vote !== undefined) out.vote = vote;
      break;
    }
    case 'like':
      break;
    case 'flag': {
      const result = problems.object(predicate, 'result', at('result'));
      if (result !== undefined) {
        if (result['@type'] !== 'Finding') {
          problems.add(at('result.@type'), `expected 'Finding', got ${show(result['@type'])}`);
        }
        const findingKind = problems.string(result, 'findingKind', at('result.findingKind'), { nonEmpty: true });
        const severity = problems.oneOf(result, 'severity', at('result.severity'), FINDING_SEVERITIES);
        if (findingKind !== undefined && severity !== undefined) out.finding = { kind: findingKind, severity };
      }
      break;
    }
    case 'trust': {
      const subject = problems.nodeId(predicate, 'object', at('object'));
      if (subject !== undefined && !isDidKey(subject)) {
        problems.add(at('object.@id'), `expected the trusted identity's did:key, got ${show(subject)}`);
      }
      const level = problems.oneOf(predicate, 'trustLevel', at('trustLevel'), TRUST_LEVELS);
      const weight = predicate.trustWeight;
      if (weight !== undefined && !(typeof weight === 'number' && Number.isFinite(weight) && weight >= 0)) {
        problems.add(at('trustWeight'), `expected a finite number >= 0, got ${show(weight)}`);
      }
      const criteria = decodeCriteria(predicate, at('criteria'), problems, { required: false });
      if (subject !== undefined && level !== undefined) {
        out.trust = { subject, level, criteria, ...(typeof weight === 'number' ? { weight } : {}) };
      }
      break;
    }
    case 'rotate': {
      const from = problems.nodeId(predicate, 'replacee', at('replacee'));
      const to = problems.nodeId(predicate, 'replacer', at('replacer'));
      if (from !== undefined && !isDidKey(from)) problems.add(at('replacee.@id'), `expected a did:key, got ${show(from)}`);
      if (to !== undefined && !isDidKey(to)) problems.add(at('replacer.@id'), `expected a did:key, got ${show(to)}`);
      // Only the old key can hand its standing over; a rotation signed by anyone else is a hijack.
      if (from !== undefined && agent !== undefined && from !== agent) {
        problems.add(at('replacee.@id'), `a rotation must be signed by the identity it retires (${agent}), not ${from}`);
      }
      if (from !== undefined && from === to) problems.add(at('replacer.@id'), 'a key cannot be rotated to itself');
      if (from !== undefined && to !== undefined) out.rotation = { from, to };
      break;
    }
  }
  return out;
}

function decodeCriteria(
  predicate: JsonObject,
  path: string,
  problems: Problems,
  { required }: { required: boolean },
): string[] {
  const value = predicate.criteria;
  if (value === undefined) {
    if (required) problems.add(path, 'an assessment names at least one criterion, e.g. ["safe-to-deploy"]');
    return [];
  }
  if (!Array.isArray(value) || value.length === 0) {
    problems.add(path, `expected a non-empty array of criteria names, got ${show(value)}`);
    return [];
  }
  const criteria: string[] = [];
  value.forEach((item: unknown, i) => {
    if (typeof item !== 'string' || item.length === 0) {
      problems.add(`${path}[${i}]`, `expected a criterion name, got ${show(item)}`);
    } else if (criteria.includes(item)) {
      problems.add(`${path}[${i}]`, `criterion '${item}' is named twice`);
    } else {
      criteria.push(item);
    }
  });
  return criteria;
}

function decodeDeltaFrom(
  predicate: JsonObject,
  out: { package?: Statement['package']; deltaFrom?: string },
  problems: Problems,
): void {
  if (!('deltaFrom' in predicate)) return;
  const purl = problems.nodeId(predicate, 'deltaFrom', 'predicate.deltaFrom');
  if (purl === undefined) return;
  try {
    const from = parsePypiPurl(purl);
    if (out.package !== undefined && from.name !== out.package.name) {
      problems.add('predicate.deltaFrom.@id', `a delta must start from a release of ${out.package.name}, not ${from.name}`);
    } else if (out.package !== undefined && from.version === out.package.version) {
      problems.add('predicate.deltaFrom.@id', `a delta from ${from.version} to itself covers nothing`);
    } else {
      out.deltaFrom = from.version;
    }
  } catch (err) {
    problems.add('predicate.deltaFrom.@id', err instanceof Error ? err.message : String(err));
  }
}
