// Small helpers for answering over node:http: plain-text and JSON answers with the headers every
// answer carries, errors as `{error: {code, message}}`, bounded request bodies, and status text
// safe for the status line (pip prints it, so refusals put their reason there).

import type { IncomingMessage, ServerResponse } from 'node:http';
import { PyvouchError, type ErrorCode } from '../errors.js';

/** A failure with the HTTP status to answer it with. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: ErrorCode = 'HTTP',
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** The code of a request whose client disconnected while sending it; answered with nothing. */
export const CLIENT_ABORTED = 'CLIENT_ABORTED';

const COMMON_HEADERS = { 'X-Content-Type-Options': 'nosniff' };

export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  options: { headers?: Record<string, string>; statusMessage?: string; head?: boolean } = {},
): void {
  const body = Buffer.from(text.endsWith('\n') ? text : `${text}\n`, 'utf8');
  const headers = { ...COMMON_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(body.length), ...options.headers };
  if (options.statusMessage !== undefined) res.writeHead(status, statusText(options.statusMessage), headers);
  else res.writeHead(status, headers);
  res.end(options.head === true ? undefined : body);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  options: { headers?: Record<string, string>; head?: boolean; maxBytes?: number } = {},
): void {
  // Large answers are written without indentation; past `maxBytes` the answer is refused instead.
  let text: string;
  try {
    text = options.maxBytes === undefined ? JSON.stringify(value, null, 2) : JSON.stringify(value);
  } catch (err) {
    if (err instanceof RangeError) throw new HttpError(422, 'the answer is too large to send', 'TOO_LARGE');
    throw err;
  }
  if (options.maxBytes !== undefined && text.length > options.maxBytes) {
    throw new HttpError(422, `the answer would be ${text.length} bytes, more than the ${options.maxBytes} sent; post a smaller lock file`, 'TOO_LARGE');
  }
  const body = Buffer.from(`${text}\n`, 'utf8');
  res.writeHead(status, {
    ...COMMON_HEADERS,
    'Content-Type': 'application/json',
    'Content-Length': String(body.length),
    'Cache-Control': 'no-store',
    ...options.headers,
  });
  res.end(options.head === true ? undefined : body);
}

/** The `{error}` body of a failure: the PyvouchError's code and message, or the HTTP error's. */
export function errorBody(err: unknown): { error: Record<string, unknown> } {
  if (err instanceof PyvouchError) return { error: err.toJSON() };
  if (err instanceof HttpError) return { error: { code: err.code, message: err.message } };
  return { error: { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) } };
}

/**
 * A reason phrase the status line can carry: printable ASCII on one line (RFC 9112 allows more,
 * but Node refuses anything beyond Latin-1 and clients decode it inconsistently), bounded length.
 */
export function statusText(text: string): string {
  const ascii = text
    .replace(/\u2026/g, '...')
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/[\u2013\u2014]/g, '-')
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?');
  return ascii.length > 400 ? `${ascii.slice(0, 397)}...` : ascii;
}

/** The request body, refusing more than `limit` bytes (413) without reading the rest. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) {
    throw new HttpError(413, `the request body is ${declared} bytes; at most ${limit} are accepted`, 'TOO_LARGE');
  }
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of req) {
      const buf = chunk as Buffer;
      length += buf.length;
      if (length > limit) throw new HttpError(413, `the request body is larger than the ${limit} bytes accepted`, 'TOO_LARGE');
      chunks.push(buf);
    }
  } catch (err) {
    if (err instanceof HttpError) throw err;
    // The client went away mid-body ("aborted", ECONNRESET): its problem, not a server fault.
    throw new HttpError(400, 'the client closed the connection before sending the whole body', CLIENT_ABORTED);
  }
  return Buffer.concat(chunks, length);
}

/** The client's address as this server sees it (no proxy headers are believed). */
export function clientAddress(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown';
}
