// The admin API of the gated index: POST /statements (signed statements, verified before they are
// stored; acknowledged with 201 only once the store committed them) and POST /policy/reload. Both
// need `Authorization: Bearer <token>` matching PYVOUCH_ADMIN_TOKEN; a server started without a
// token refuses every write. Reads elsewhere stay public.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { verifyStatementEnvelope } from '../attest/verify.js';
import type { StoredStatement } from '../attest/types.js';
import { isPyvouchError, PyvouchError } from '../errors.js';
import type { StatementStore } from '../store/store.js';
import { checkJsonTextDepth } from '../text/json-depth.js';
import type { PolicyHolder } from './decide.js';
import type { Freshness } from './freshness.js';
import type { Logger } from './log.js';
import type { ServerMetrics } from './metrics.js';
import { errorBody, HttpError, readBody, sendJson } from './respond.js';

/** A batch this large is a feed import; `pyvouch import` is the tool for that. */
export const MAX_STATEMENTS_PER_REQUEST = 10_000;
export const MAX_ADMIN_BODY_BYTES = 64 * 1024 * 1024;

export interface AdminContext {
  /** The configured token; undefined disables writes. */
  token: string | undefined;
  store: StatementStore;
  policy: PolicyHolder;
  freshness: Freshness;
  metrics: ServerMetrics;
  logger: Logger;
  now: () => Date;
  /** Tells other workers of `serve --workers` (cluster.ts) what this one changed. */
  announce?: (what: 'policy' | 'statements') => Promise<void>;
  /** Waits (bounded) until pages rendered for nginx show the change (`serve --render-to`). */
  settle?: () => Promise<void>;
}

/**
 * Throws 403 when writes are disabled (no token configured), 401 when the request carries no
 * token or the wrong one. Compared in constant time, so the token cannot be guessed byte by byte.
 */
export function authorize(req: IncomingMessage, token: string | undefined): void {
  const challenge = { 'WWW-Authenticate': 'Bearer realm="pyvouch"' };
  if (token === undefined || token === '') {
    throw new HttpError(403, 'the admin API is disabled: start the server with PYVOUCH_ADMIN_TOKEN set to enable writes', 'ADMIN_DISABLED');
  }
  const header = req.headers.authorization;
  const m = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (m === null) {
    throw new HttpError(401, 'this endpoint needs the admin token: send Authorization: Bearer <PYVOUCH_ADMIN_TOKEN>', 'UNAUTHORIZED', challenge);
  }
  const given = createHash('sha256').update(m[1]!).digest();
  const expected = createHash('sha256').update(token).digest();
  if (!timingSafeEqual(given, expected)) {
    throw new HttpError(401, 'the admin token is wrong', 'UNAUTHORIZED', { 'WWW-Authenticate': 'Bearer realm="pyvouch", error="invalid_token"' });
  }
}

interface Rejection {
  index: number;
  code: string;
  message: string;
  path?: string;
}

/** POST /statements: one envelope, or a JSON array of them. All are stored, or none. */
export async function postStatements(req: IncomingMessage, res: ServerResponse, ctx: AdminContext): Promise<void> {
  authorize(req, ctx.token);
  // The body is read as JSON whatever its Content-Type: `curl --data @envelope.json` sends a form type.
  const body = await readBody(req, MAX_ADMIN_BODY_BYTES);
  let value: unknown;
  const text = body.toString('utf8');
  checkJsonTextDepth(text, 'the request body');
  try {
    value = JSON.parse(text) as unknown;
  } catch (err) {
    throw new PyvouchError('ENVELOPE_INVALID', `the request body is not JSON: ${(err as Error).message}`, {
      help: 'send one DSSE envelope (a JSON object) or a JSON array of envelopes',
    });
  }
  const items = Array.isArray(value) ? value : [value];
  if (items.length === 0) throw new PyvouchError('ENVELOPE_INVALID', 'the request holds an empty array: no statements to store');
  if (items.length > MAX_STATEMENTS_PER_REQUEST) {
    throw new HttpError(413, `${items.length} statements in one request; at most ${MAX_STATEMENTS_PER_REQUEST} are accepted (use pyvouch import for feeds)`, 'TOO_LARGE');
  }

  const now = ctx.now();
  const verified: StoredStatement[] = [];
  const rejected: Rejection[] = [];
  items.forEach((item, index) => {
    try {
      verified.push(verifyStatementEnvelope(item, { now }));
    } catch (err) {
      if (!isPyvouchError(err)) throw err;
      rejected.push({ index, code: err.code, message: err.message, ...(err.path === undefined ? {} : { path: err.path }) });
    }
  });
  if (rejected.length > 0) {
    ctx.metrics.statements.inc({ result: 'rejected' }, rejected.length);
    const first = rejected[0]!;
    const where = Array.isArray(value) ? `statement [${first.index}]: ` : '';
    ctx.logger.log('warn', 'refused statements', { client: req.socket.remoteAddress, rejected: rejected.length, code: first.code });
    sendJson(res, 400, {
      error: { code: first.code, message: `${where}${first.message}`, ...(first.path === undefined ? {} : { path: first.path }) },
      rejected,
      stored: 0,
    });
    return;
  }

  let result;
  try {
    result = await ctx.store.put(verified);
  } catch (err) {
    // Not acknowledged: the client must retry, and nothing of the batch is stored.
    ctx.logger.log('error', 'cannot store statements', { error: err instanceof Error ? err.message : String(err) });
    sendJson(res, 503, errorBody(err), { headers: { 'Retry-After': '1' } });
    return;
  }
  // This process forgets its decisions at once; others learn it from the store (freshness.ts).
  ctx.freshness.bump();
  await ctx.announce?.('statements');
  // The 201 comes after the pages nginx serves were rendered again, so no client that saw the
  // answer is shown a page decided before it.
  await ctx.settle?.();
  ctx.metrics.statements.inc({ result: 'stored' }, result.inserted.length);
  ctx.metrics.statements.inc({ result: 'duplicate' }, result.duplicates.length);
  ctx.logger.log('info', 'stored statements', {
    client: req.socket.remoteAddress,
    inserted: result.inserted.length,
    duplicates: result.duplicates.length,
  });
  sendJson(res, 201, {
    ids: verified.map((s) => s.statement.id),
    inserted: result.inserted,
    duplicates: result.duplicates,
  });
}

/** POST /policy/reload: re-reads the policy file; a bad one leaves the policy in force. */
export async function reloadPolicy(req: IncomingMessage, res: ServerResponse, ctx: AdminContext): Promise<void> {
  authorize(req, ctx.token);
  // The body carries nothing, but is drained so the connection can be reused.
  await readBody(req, 64 * 1024);
  try {
    await ctx.policy.reload();
  } catch (err) {
    if (!isPyvouchError(err)) throw err;
    ctx.logger.log('warn', 'policy reload refused; the previous policy stays in force', { code: err.code, error: err.describe() });
    sendJson(res, 400, { error: { ...err.toJSON(), message: err.describe() } });
    return;
  }
  ctx.freshness.bump();
  await ctx.announce?.('policy');
  await ctx.settle?.();
  ctx.logger.log('info', 'policy reloaded', { policy: ctx.policy.path });
  sendJson(res, 200, { policy: ctx.policy.path ?? null, reloadedAt: ctx.now().toISOString() });
}
