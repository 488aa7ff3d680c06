// Verification of pyvouch statements: a DSSE envelope (secure-systems-lab/dsse) carrying an in-toto
// Statement v1 signed by the Ed25519 key its predicate names as agent. Every way an envelope can be
// wrong has its own error code, so callers and tests can tell a truncated file from a forgery.

import { PyvouchError } from '../errors.js';
import { checkJsonTextDepth, checkJsonValueDepth } from '../text/json-depth.js';
import { isDidKey } from './did.js';
import { decodeBase64, statementId, verifySignature, pae } from './dsse.js';
import { verificationKeyForDid } from './keys.js';
import { predicateTypeFor } from './predicate.js';
import { isObject, show } from './problems.js';
import {
  agentOfStatement,
  decodeStatementObject,
  IN_TOTO_PAYLOAD_TYPE,
  parseStatementPayload,
} from './statement.js';
import type { Envelope, Statement, StoredStatement } from './types.js';

export interface VerifyOptions {
  /** sha256 (lower-case hex) of artifacts at hand, by file name; a subject naming one must match. */
  artifactDigests?: ReadonlyMap<string, string>;
  /**
   * The verifier's clock. When given, a statement that starts more than five minutes after it is
   * refused: nobody can have observed the future. Without it verification does not depend on time
   * (expiry is for the policy to weigh, not a reason to refuse a signature).
   */
  now?: Date;
}

const CLOCK_SKEW_MS = 5 * 60 * 1000;

/** Parses the text of an envelope file; ENVELOPE_INVALID naming the file (and line) otherwise. */
export function parseEnvelopeJson(text: string, file: string): Envelope {
  let value: unknown;
  checkJsonTextDepth(text, 'the envelope', { file });
  try {
    value = JSON.parse(text) as unknown;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const position = /position (\d+)/.exec(message)?.[1];
    const line = position === undefined ? undefined : text.slice(0, Number(position)).split('\n').length;
    throw new PyvouchError('ENVELOPE_INVALID', `not a JSON document (truncated or corrupted?): ${message}`, {
      file,
      ...(line === undefined ? {} : { line }),
      help: 'fetch the statement again from its feed or publisher',
    });
  }
  try {
    return readEnvelope(value);
  } catch (err) {
    throw err instanceof PyvouchError ? err.at({ file }) : err;
  }
}

/**
 * Checks an envelope end to end and returns the statement it carries. Order: envelope shape
 * (ENVELOPE_INVALID), payload type (PAYLOAD_TYPE), the agent the payload names, the signature by
 * that agent's key (AGENT_MISMATCH if only someone else signed, SIG_INVALID if nobody validly
 * did), then the statement's schema (STATEMENT_INVALID) and the artifacts at hand (DIGEST_MISMATCH).
 */
export function verifyStatementEnvelope(value: unknown, options: VerifyOptions = {}): StoredStatement {
  const envelope = readEnvelope(value);
  const payload = payloadOf(envelope);
  const parsed = parseStatementPayload(payload);
  const agent = agentOfStatement(parsed);
  if (agent === undefined || !isDidKey(agent)) {
    throw new PyvouchError('STATEMENT_INVALID', `the statement names no valid did:key agent, got ${show(agent)}`, {
      path: 'predicate.agent.@id',
    });
  }
  const sig = checkSignedByAgent(envelope, payload, agent);
  const stored = storedStatement(canonicalEnvelope(envelope.payloadType, payload, [{ keyid: agent, sig }]), parsed);
  if (options.now !== undefined) checkNotFromTheFuture(stored.statement, options.now);
  if (options.artifactDigests !== undefined) checkArtifacts(stored.statement, options.artifactDigests);
  return stored;
}

/**
 * Decodes an envelope without checking its signature, for envelopes a store verified on import.
 * Produces exactly the Statement that verifyStatementEnvelope produced for the same envelope.
 */
export function decodeStatementEnvelope(value: unknown): StoredStatement {
  const envelope = readEnvelope(value);
  const payload = payloadOf(envelope);
  const signatures = envelope.signatures.map((s, i) => ({ ...(s.keyid === undefined ? {} : { keyid: s.keyid }), sig: decodeBase64(s.sig, `signatures[${i}].sig`) }));
  return storedStatement(canonicalEnvelope(envelope.payloadType, payload, signatures), parseStatementPayload(payload));
}

/**
 * The one spelling of a verified statement that pyvouch stores and names it by: standard padded
 * base64, and only the signature that verified under the agent's key, keyed by the agent. The id
 * is the digest of this envelope, so it follows from the signed content alone (payloadType, the
 * payload bytes, the signer, and the Ed25519 signature, which RFC 8032 makes deterministic):
 * re-sending a statement in url-safe base64, unpadded, or with extra signatures gives the same id.
 * An envelope pyvouch signed is already in this form, so the ids of stored statements do not change.
 */
export function canonicalEnvelope(payloadType: string, payload: Uint8Array, signatures: readonly { keyid?: string; sig: Uint8Array }[]): Envelope {
  return {
    payloadType,
    payload: Buffer.from(payload).toString('base64'),
    signatures: signatures.map((s) => ({ ...(s.keyid === undefined ? {} : { keyid: s.keyid }), sig: Buffer.from(s.sig).toString('base64') })),
  };
}

function storedStatement(envelope: Envelope, parsed: unknown): StoredStatement {
  const body = decodeStatementObject(parsed);
  const statement: Statement = { id: statementId(envelope), predicateType: predicateTypeFor(body.kind), ...body };
  return { statement, envelope };
}

/**
 * The envelope's fields as DSSE defines them, copied into a fresh object. Unknown fields are dropped
 * (consumers must ignore them), so they can neither reach the store nor change the statement id.
 */
export function readEnvelope(value: unknown): Envelope {
  const bad = (message: string, path?: string): PyvouchError =>
    new PyvouchError('ENVELOPE_INVALID', message, {
      ...(path === undefined ? {} : { path }),
      help: 'a statement file holds one DSSE envelope: {"payloadType", "payload", "signatures": [{"keyid", "sig"}]}',
    });
  checkJsonValueDepth(value, 'the envelope');
  if (!isObject(value)) throw bad(`expected a DSSE envelope object, got ${show(value)}`);
  if (typeof value.payloadType !== 'string') {
    throw bad(`payloadType: expected a string, got ${show(value.payloadType)}`, 'payloadType');
  }
  if (value.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    throw new PyvouchError('PAYLOAD_TYPE', `expected payloadType '${IN_TOTO_PAYLOAD_TYPE}', got ${show(value.payloadType)}`, {
      path: 'payloadType',
      help: 'pyvouch reads in-toto statements only',
    });
  }
  if (typeof value.payload !== 'string') throw bad(`payload: expected a base64 string, got ${show(value.payload)}`, 'payload');
  const signatures = value.signatures;
  if (!Array.isArray(signatures)) throw bad(`signatures: expected an array, got ${show(signatures)}`, 'signatures');
  if (signatures.length === 0) throw bad('the envelope carries no signatures', 'signatures');
  const envelope: Envelope = { payloadType: value.payloadType, payload: value.payload, signatures: [] };
  signatures.forEach((signature: unknown, i) => {
    const path = `signatures[${i}]`;
    if (!isObject(signature)) throw bad(`${path}: expected an object, got ${show(signature)}`, path);
    if (typeof signature.sig !== 'string') {
      throw bad(`${path}.sig: expected a base64 string, got ${show(signature.sig)}`, `${path}.sig`);
    }
    decodeBase64(signature.sig, `${path}.sig`);
    if (signature.keyid !== undefined && typeof signature.keyid !== 'string') {
      throw bad(`${path}.keyid: expected a string, got ${show(signature.keyid)}`, `${path}.keyid`);
    }
    envelope.signatures.push(
      signature.keyid === undefined ? { sig: signature.sig } : { keyid: signature.keyid, sig: signature.sig },
    );
  });
  return envelope;
}

function payloadOf(envelope: Envelope): Uint8Array {
  return decodeBase64(envelope.payload, 'payload');
}

// The key is taken from the agent the payload names, never from a keyid (DSSE: keyids are
// unauthenticated hints). Returns the signature that verified. Keyids only sharpen the error: a signature that verifies under the key
// its keyid names, when that is not the agent, is someone signing a statement in another's name.
function checkSignedByAgent(envelope: Envelope, payload: Uint8Array, agent: string): Uint8Array {
  const message = pae(envelope.payloadType, payload);
  const agentKey = verificationKeyForDid(agent);
  const sigs = envelope.signatures.map((s, i) => ({ keyid: s.keyid ?? '', sig: decodeBase64(s.sig, `signatures[${i}].sig`) }));
  const good = sigs.find((s) => (s.keyid === '' || s.keyid === agent) && verifySignature(message, s.sig, agentKey));
  if (good !== undefined) return good.sig;
  const other = sigs.find(
    (s) =>
      s.keyid !== '' &&
      s.keyid !== agent &&
      isDidKey(s.keyid) &&
      verifySignature(message, s.sig, verificationKeyForDid(s.keyid)),
  );
  if (other !== undefined) {
    throw new PyvouchError('AGENT_MISMATCH', `the statement is signed by ${other.keyid}, but its agent is ${agent}`, {
      help: 'a statement counts only when signed by the identity it names as agent',
    });
  }
  throw new PyvouchError('SIG_INVALID', `no signature verifies under the agent's key ${agent}`, {
    help: 'the statement was changed after signing or signed with another key; get a fresh copy from its publisher',
  });
}

function checkNotFromTheFuture(statement: Statement, now: Date): void {
  if (Date.parse(statement.startTime) > now.getTime() + CLOCK_SKEW_MS) {
    const message = `the statement starts at ${statement.startTime}, after now (${now.toISOString()})`;
    throw new PyvouchError('STATEMENT_INVALID', message, {
      path: 'predicate.startTime',
      help: "check the signer's clock (and yours)",
    });
  }
}

function checkArtifacts(statement: Statement, digests: ReadonlyMap<string, string>): void {
  for (const subject of statement.subjects) {
    const actual = digests.get(subject.name);
    if (actual !== undefined && actual.toLowerCase() !== subject.sha256) {
      throw new PyvouchError(
        'DIGEST_MISMATCH',
        `${subject.name}: the statement vouches for sha256 ${subject.sha256}, but the file has ${actual.toLowerCase()}`,
        { help: 'the file is not the one that was reviewed; do not install it, and check where it came from' },
      );
    }
  }
}
