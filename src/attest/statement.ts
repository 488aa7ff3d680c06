// in-toto Statement v1 (in-toto/attestation spec/v1) for pyvouch: build a statement from what a
// user asserts, sign it into a DSSE envelope as RFC 8785 canonical JSON, and decode one back.
//
// Subjects. in-toto requires a digest on every subject (ResourceDescriptor with `digest` set):
//  - a statement about files names each one: {name: filename, uri: purl, digest: {sha256}}
//  - a statement about a release without files, and a trust or rotation statement, has one subject
//    naming the resource by URI, {uri, digest: {sha256: sha256 of the URI's UTF-8 bytes}}. The
//    DigestSet spec allows "another identifier if the underlying implementation ensures
//    immutability via other means": a pypi purl with a version never changes meaning (PyPI forbids
//    reuploads), and a did:key is its own public key.

import type { KeyObject } from 'node:crypto';
import { PyvouchError } from '../errors.js';
import { Version } from '../pep/version.js';
import { canonicalJson, sha256Hex } from './canonical.js';
import { isDidKey } from './did.js';
import { signEnvelope } from './dsse.js';
import {
  decodePredicateFields,
  FINDING_SEVERITIES,
  kindOfPredicateType,
  PACKAGE_KINDS,
  predicateFor,
  predicateTypeFor,
  REVIEW_RATINGS,
  STATEMENT_KINDS,
  TRUST_LEVELS,
  VOTE_OPTIONS,
  type StatementBody,
} from './predicate.js';
import { isObject, Problems, show, type JsonObject } from './problems.js';
import { normaliseRelease, purlFor } from './purl.js';
import type {
  Envelope,
  FindingSeverity,
  ReviewRating,
  StatementKind,
  StatementSubject,
  TrustLevel,
} from './types.js';

export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const IN_TOTO_STATEMENT_V1 = 'https://in-toto.io/Statement/v1';

export interface ResourceDescriptor {
  name?: string;
  uri?: string;
  digest: { sha256: string };
}

export interface InTotoStatement {
  _type: string;
  subject: ResourceDescriptor[];
  predicateType: string;
  predicate: JsonObject;
}

/** What a user asserts; `buildStatement` checks it and normalises names and versions. */
export interface StatementInput {
  kind: StatementKind;
  /** The signer: an Identity, or its did and display name. */
  agent: { did: string; name?: string };
  package?: { name: string; version: string };
  artifacts?: { filename: string; sha256: string }[];
  criteria?: string[];
  rating?: ReviewRating;
  vote?: 'for' | 'against';
  finding?: { kind: string; severity: FindingSeverity };
  /** The version a delta review or audit starts from. */
  deltaFrom?: string;
  description: string;
  /** RFC 3339 date-time; defaults to now. */
  startTime?: string;
  endTime?: string;
  trust?: { subject: string; level: TrustLevel; weight?: number; criteria?: string[] };
  rotation?: { from: string; to: string };
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** An RFC 3339 date-time with an explicit offset, naming a real calendar instant. */
export function isTimestamp(text: string): boolean {
  const m = RFC3339.exec(text);
  if (m === null || Number.isNaN(Date.parse(text))) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number, number, number, number, number, number,
  ];
  // Date.parse rolls 2024-02-30 over into March; the calendar check refuses it.
  const probe = new Date(Date.UTC(year, month - 1, day));
  return probe.getUTCDate() === day && probe.getUTCMonth() === month - 1 && hour < 24 && minute < 60 && second < 60;
}

/** A checked, normalised in-toto statement for `input`; STATEMENT_INVALID naming each bad field. */
export function buildStatement(input: StatementInput): InTotoStatement {
  const body = bodyFromInput(input);
  const statement = statementFor(body);
  // What is signed must decode to what was asked for; a disagreement here is a bug in this module.
  decodeStatementObject(statement);
  return statement;
}

/** The in-toto statement of a checked body (also used to re-express a decoded statement). */
export function statementFor(body: StatementBody): InTotoStatement {
  return {
    _type: IN_TOTO_STATEMENT_V1,
    subject: subjectsFor(body),
    predicateType: predicateTypeFor(body.kind),
    predicate: predicateFor(body),
  };
}

/** Signs a statement as its signer: the identity must be the statement's agent (AGENT_MISMATCH). */
export function signStatement(statement: InTotoStatement, identity: { did: string; privateKey: KeyObject }): Envelope {
  const agent = agentOfStatement(statement);
  if (agent !== identity.did) {
    const message = `the statement's agent is ${show(agent)}, but the key signing it is ${identity.did}`;
    throw new PyvouchError('AGENT_MISMATCH', message, {
      help: 'build the statement with the identity that signs it (`pyvouch key show` prints yours)',
    });
  }
  return signEnvelope(statementPayload(statement), IN_TOTO_PAYLOAD_TYPE, identity.privateKey, identity.did);
}

/** The bytes that are signed: RFC 8785 canonical JSON, so equal statements sign identically. */
export function statementPayload(statement: InTotoStatement): Uint8Array {
  return new Uint8Array(Buffer.from(canonicalJson(statement), 'utf8'));
}

/** predicate.agent.@id if the statement has one; verification needs it before the full decode. */
export function agentOfStatement(value: unknown): string | undefined {
  if (!isObject(value) || !isObject(value.predicate) || !isObject(value.predicate.agent)) return undefined;
  const id = value.predicate.agent['@id'];
  return typeof id === 'string' ? id : undefined;
}

/** Parses a payload as UTF-8 JSON; STATEMENT_INVALID if it is neither. */
export function parseStatementPayload(payload: Uint8Array): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(payload);
  } catch {
    throw new PyvouchError('STATEMENT_INVALID', 'the payload is not UTF-8 text');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new PyvouchError('STATEMENT_INVALID', `the payload is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Checks a parsed statement against the pyvouch schema and reads it; STATEMENT_INVALID otherwise. */
export function decodeStatementObject(value: unknown): StatementBody {
  if (!isObject(value)) throw new PyvouchError('STATEMENT_INVALID', `the statement is not a JSON object: ${show(value)}`);
  const problems = new Problems('STATEMENT_INVALID');
  if (value._type !== IN_TOTO_STATEMENT_V1) {
    problems.add('_type', `expected '${IN_TOTO_STATEMENT_V1}', got ${show(value._type)}`);
  }
  const kind = kindOfPredicateType(value.predicateType);
  if (kind === undefined) {
    const example = predicateTypeFor('review');
    problems.add('predicateType', `expected a pyvouch predicate type such as '${example}', got ${show(value.predicateType)}`);
  }
  const predicate = problems.object(value, 'predicate', 'predicate');
  if (kind === undefined || predicate === undefined) {
    problems.throwIfAny();
    throw new Error('unreachable');
  }

  const agentNode = problems.object(predicate, 'agent', 'predicate.agent');
  const agent = agentNode && problems.string(agentNode, '@id', 'predicate.agent.@id');
  if (agent !== undefined && !isDidKey(agent)) {
    problems.add('predicate.agent.@id', `expected a did:key identity, got ${show(agent)}`);
  }
  const agentName = agentNode && problems.optionalString(agentNode, 'name', 'predicate.agent.name');
  const description = problems.string(predicate, 'description', 'predicate.description');
  const startTime = problems.string(predicate, 'startTime', 'predicate.startTime');
  if (startTime !== undefined && !isTimestamp(startTime)) {
    problems.add('predicate.startTime', `expected an RFC 3339 date-time, got ${show(startTime)}`);
  }
  const endTime = problems.optionalString(predicate, 'endTime', 'predicate.endTime');
  if (endTime !== undefined && !isTimestamp(endTime)) {
    problems.add('predicate.endTime', `expected an RFC 3339 date-time, got ${show(endTime)}`);
  } else if (endTime !== undefined && startTime !== undefined && Date.parse(endTime) <= Date.parse(startTime)) {
    problems.add('predicate.endTime', `ends (${endTime}) before it starts (${startTime})`);
  }

  const fields = decodePredicateFields(predicate, kind, agent, problems);
  const subjects = decodeSubjects(value.subject, kind, fields, problems);
  problems.throwIfAny();

  return {
    kind,
    agent: agent as string,
    ...(agentName === undefined ? {} : { agentName }),
    startTime: startTime as string,
    ...(endTime === undefined ? {} : { endTime }),
    description: description as string,
    subjects,
    ...fields,
  };
}

function subjectsFor(body: StatementBody): ResourceDescriptor[] {
  if (body.package !== undefined) {
    const purl = body.package.purl;
    if (body.subjects.length === 0) return [{ uri: purl, digest: { sha256: sha256Hex(purl) } }];
    return body.subjects.map((s) => ({ name: s.name, uri: purl, digest: { sha256: s.sha256 } }));
  }
  const target = body.trust?.subject ?? body.rotation?.to;
  if (target === undefined) throw new Error(`a ${body.kind} statement has nothing to be about`);
  return [{ uri: target, digest: { sha256: sha256Hex(target) } }];
}

function decodeSubjects(
  value: unknown,
  kind: StatementKind,
  fields: Pick<StatementBody, 'package' | 'trust' | 'rotation'>,
  problems: Problems,
): StatementSubject[] {
  if (!Array.isArray(value) || value.length === 0) {
    problems.add('subject', `expected a non-empty array of resource descriptors, got ${show(value)}`);
    return [];
  }
  const artifacts: StatementSubject[] = [];
  const isPackage = PACKAGE_KINDS.includes(kind);
  const uri = isPackage ? fields.package?.purl : kind === 'trust' ? fields.trust?.subject : fields.rotation?.to;
  if (!isPackage && value.length !== 1) {
    problems.add('subject', `a ${kind} statement has exactly one subject, got ${value.length}`);
  }
  value.forEach((item: unknown, i) => {
    const path = `subject[${i}]`;
    if (!isObject(item)) return problems.add(path, `expected an object, got ${show(item)}`);
    const digest = problems.object(item, 'digest', `${path}.digest`);
    const sha256 = digest && problems.string(digest, 'sha256', `${path}.digest.sha256`);
    if (sha256 !== undefined && !SHA256_HEX.test(sha256)) {
      return problems.add(`${path}.digest.sha256`, `expected 64 lower-case hex digits, got ${show(sha256)}`);
    }
    const itemUri = problems.optionalString(item, 'uri', `${path}.uri`);
    // Every subject must point at what the predicate is about, or a signed review of one release
    // could carry the digests of another's files.
    if (uri !== undefined && itemUri !== uri) {
      return problems.add(`${path}.uri`, `expected ${show(uri)} (what the predicate is about), got ${show(itemUri)}`);
    }
    const name = isPackage ? problems.optionalString(item, 'name', `${path}.name`) : undefined;
    if (sha256 === undefined || uri === undefined) return;
    if (name !== undefined) {
      if (name.length === 0 || /[/\\]/.test(name)) {
        return problems.add(`${path}.name`, `expected a file name, got ${show(name)}`);
      }
      if (artifacts.some((a) => a.name === name)) return problems.add(`${path}.name`, `file '${name}' is named twice`);
      artifacts.push({ name, sha256 });
    } else if (sha256 !== sha256Hex(uri)) {
      problems.add(`${path}.digest.sha256`, `a subject named only by URI carries the sha256 of that URI (${sha256Hex(uri)})`);
    }
  });
  return artifacts;
}

function bodyFromInput(input: StatementInput): StatementBody {
  const problems = new Problems('STATEMENT_INVALID');
  const { kind } = input;
  if (!STATEMENT_KINDS.includes(kind)) {
    const message = `unknown statement kind ${show(kind)}; expected one of ${STATEMENT_KINDS.join(', ')}`;
    throw new PyvouchError('STATEMENT_INVALID', message, { path: 'kind' });
  }
  const isPackage = PACKAGE_KINDS.includes(kind);
  const agent = input.agent.did;
  if (!isDidKey(agent)) problems.add('agent', `expected a did:key identity, got ${show(agent)}`);
  if (typeof input.description !== 'string') problems.add('description', `expected a string, got ${show(input.description)}`);
  const startTime = input.startTime ?? new Date().toISOString();
  if (!isTimestamp(startTime)) problems.add('startTime', `expected an RFC 3339 date-time, got ${show(startTime)}`);
  if (input.endTime !== undefined) {
    if (!isTimestamp(input.endTime)) {
      problems.add('endTime', `expected an RFC 3339 date-time, got ${show(input.endTime)}`);
    } else if (Date.parse(input.endTime) <= Date.parse(startTime)) {
      problems.add('endTime', `ends (${input.endTime}) before it starts (${startTime})`);
    }
  }

  const notFor = (field: keyof StatementInput): void => {
    if (input[field] !== undefined) problems.add(field, `does not apply to a ${kind} statement`);
  };
  const allowed: Record<StatementKind, (keyof StatementInput)[]> = {
    assess: ['package', 'artifacts', 'criteria', 'deltaFrom'],
    review: ['package', 'artifacts', 'criteria', 'deltaFrom', 'rating'],
    vote: ['package', 'artifacts', 'vote'],
    like: ['package', 'artifacts'],
    flag: ['package', 'artifacts', 'finding'],
    trust: ['trust'],
    rotate: ['rotation'],
    publish: [], // unreachable: rejected above (made only by src/provenance/)
  };
  const optional: (keyof StatementInput)[] = [
    'package', 'artifacts', 'criteria', 'deltaFrom', 'rating', 'vote', 'finding', 'trust', 'rotation',
  ];
  for (const field of optional) if (!allowed[kind].includes(field)) notFor(field);

  const body: StatementBody = {
    kind,
    agent,
    ...(input.agent.name === undefined ? {} : { agentName: input.agent.name }),
    startTime,
    ...(input.endTime === undefined ? {} : { endTime: input.endTime }),
    description: input.description,
    subjects: [],
    criteria: [],
  };

  if (isPackage) {
    if (input.package === undefined) {
      problems.add('package', `a ${kind} statement is about a package release: give its name and version`);
    } else {
      // Normalisation errors (INVALID_NAME, INVALID_VERSION) are more precise than ours: let them out.
      const release = normaliseRelease(input.package.name, input.package.version);
      body.package = { ...release, purl: purlFor(release.name, release.version) };
      if (input.deltaFrom !== undefined) {
        const from = new Version(input.deltaFrom).toString();
        if (from === release.version) problems.add('deltaFrom', `a delta from ${from} to itself covers nothing`);
        else body.deltaFrom = from;
      }
    }
    (input.artifacts ?? []).forEach((artifact, i) => {
      const path = `artifacts[${i}]`;
      if (typeof artifact.filename !== 'string' || artifact.filename.length === 0 || /[/\\]/.test(artifact.filename)) {
        problems.add(`${path}.filename`, `expected a file name, got ${show(artifact.filename)}`);
      } else if (body.subjects.some((s) => s.name === artifact.filename)) {
        problems.add(`${path}.filename`, `file '${artifact.filename}' is named twice`);
      } else if (typeof artifact.sha256 !== 'string' || !SHA256_HEX.test(artifact.sha256)) {
        problems.add(`${path}.sha256`, `expected 64 lower-case hex digits, got ${show(artifact.sha256)}`);
      } else {
        body.subjects.push({ name: artifact.filename, sha256: artifact.sha256 });
      }
    });
  }

  const checkCriteria = (criteria: string[] | undefined, path: string): string[] => {
    const out: string[] = [];
    (criteria ?? []).forEach((c, i) => {
      if (typeof c !== 'string' || c.length === 0) problems.add(`${path}[${i}]`, `expected a criterion name, got ${show(c)}`);
      else if (out.includes(c)) problems.add(`${path}[${i}]`, `criterion '${c}' is named twice`);
      else out.push(c);
    });
    return out;
  };

  switch (kind) {
    case 'assess':
      body.criteria = checkCriteria(input.criteria, 'criteria');
      if (body.criteria.length === 0) {
        problems.add('criteria', 'an assessment names at least one criterion, e.g. ["safe-to-deploy"]');
      }
      break;
    case 'review':
      body.criteria = checkCriteria(input.criteria, 'criteria');
      if (input.rating === undefined || !REVIEW_RATINGS.includes(input.rating)) {
        problems.add('rating', `expected one of ${REVIEW_RATINGS.join(', ')}, got ${show(input.rating)}`);
      } else body.rating = input.rating;
      break;
    case 'vote':
      if (input.vote === undefined || !VOTE_OPTIONS.includes(input.vote)) {
        problems.add('vote', `expected one of ${VOTE_OPTIONS.join(', ')}, got ${show(input.vote)}`);
      } else body.vote = input.vote;
      break;
    case 'like':
      break;
    case 'flag': {
      const finding = input.finding;
      if (finding === undefined) {
        problems.add('finding', 'a flag names its finding: a kind (e.g. "malicious") and a severity');
        break;
      }
      if (typeof finding.kind !== 'string' || finding.kind.length === 0) {
        problems.add('finding.kind', `expected a finding kind, got ${show(finding.kind)}`);
      }
      if (!FINDING_SEVERITIES.includes(finding.severity)) {
        problems.add('finding.severity', `expected one of ${FINDING_SEVERITIES.join(', ')}, got ${show(finding.severity)}`);
      }
      body.finding = { kind: finding.kind, severity: finding.severity };
      break;
    }
    case 'trust': {
      const trust = input.trust;
      if (trust === undefined) {
        problems.add('trust', 'a trust statement names the identity it trusts and a level');
        break;
      }
      if (!isDidKey(trust.subject)) problems.add('trust.subject', `expected a did:key identity, got ${show(trust.subject)}`);
      if (!TRUST_LEVELS.includes(trust.level)) {
        problems.add('trust.level', `expected one of ${TRUST_LEVELS.join(', ')}, got ${show(trust.level)}`);
      }
      if (trust.weight !== undefined && !(Number.isFinite(trust.weight) && trust.weight >= 0)) {
        problems.add('trust.weight', `expected a finite number >= 0, got ${show(trust.weight)}`);
      }
      body.trust = {
        subject: trust.subject,
        level: trust.level,
        ...(trust.weight === undefined ? {} : { weight: trust.weight }),
        criteria: checkCriteria(trust.criteria, 'trust.criteria'),
      };
      break;
    }
    case 'rotate': {
      const rotation = input.rotation;
      if (rotation === undefined) {
        problems.add('rotation', 'a rotation names the old identity (the signer) and the new one');
        break;
      }
      if (rotation.from !== agent) {
        const why = `a rotation must be signed by the identity it retires: expected ${agent}, got ${show(rotation.from)}`;
        problems.add('rotation.from', why);
      }
      if (!isDidKey(rotation.to)) problems.add('rotation.to', `expected a did:key identity, got ${show(rotation.to)}`);
      else if (rotation.to === rotation.from) problems.add('rotation.to', 'a key cannot be rotated to itself');
      body.rotation = { from: rotation.from, to: rotation.to };
      break;
    }
  }
  problems.throwIfAny();
  return body;
}
