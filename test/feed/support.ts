// Shared helpers for the feed tests: signed statements, a loopback static HTTP server over a
// repository directory (as any web server would publish it), and throwaway directories and stores.
import { createServer, type Server } from 'node:http';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { generateIdentity, type Identity } from '../../src/attest/keys.js';
import { buildStatement, signStatement } from '../../src/attest/statement.js';
import type { Envelope } from '../../src/attest/types.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { StatementStore } from '../../src/store/store.js';

export const auditor: Identity = generateIdentity({ name: 'auditor' });

export function tempDir(prefix = 'pyvouch-feed-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function audit(name: string, version: string, opts: { criteria?: string[]; signer?: Identity; description?: string } = {}): Envelope {
  const file = `${name.replace(/-/g, '_')}-${version}-py3-none-any.whl`;
  const signer = opts.signer ?? auditor;
  return signStatement(
    buildStatement({
      kind: 'assess',
      agent: { did: signer.did, name: signer.name ?? 'auditor' },
      package: { name, version },
      artifacts: [{ filename: file, sha256: digest(file) }],
      criteria: opts.criteria ?? ['safe-to-deploy'],
      description: opts.description ?? 'audited',
      startTime: '2026-01-01T00:00:00Z',
    }),
    signer,
  );
}

export function flag(name: string, version: string, signer: Identity = auditor): Envelope {
  const file = `${name.replace(/-/g, '_')}-${version}-py3-none-any.whl`;
  return signStatement(
    buildStatement({
      kind: 'flag',
      agent: { did: signer.did },
      package: { name, version },
      artifacts: [{ filename: file, sha256: digest(file) }],
      finding: { kind: 'malicious', severity: 'critical' },
      description: 'exfiltrates credentials',
      startTime: '2026-01-02T00:00:00Z',
    }),
    signer,
  );
}

export function trustStatement(subject: string, signer: Identity = auditor): Envelope {
  return signStatement(
    buildStatement({ kind: 'trust', agent: { did: signer.did }, trust: { subject, level: 'high' }, description: 'trusted', startTime: '2026-01-01T00:00:00Z' }),
    signer,
  );
}

export function openTempStore(): { store: StatementStore; file: string } {
  const file = join(tempDir('pyvouch-feed-store-'), 'pyvouch.db');
  return { store: openSqliteStore(file), file };
}

/** Copies a directory (a "mirror" frozen at this moment: what an attacker would replay later). */
export function snapshotDir(dir: string): string {
  const copy = tempDir('pyvouch-feed-mirror-');
  rmSync(copy, { recursive: true, force: true });
  cpSync(dir, copy, { recursive: true });
  return copy;
}

export interface StaticServer {
  url: string;
  /** The directory served; change it to serve another (a mirror switching content). */
  root: string;
  /** Files fetched, in order (URL paths). */
  requests: string[];
  close(): Promise<void>;
}

/** A static file server on 127.0.0.1 (port chosen by the OS) over `root`. */
export async function serveDirectory(root: string): Promise<StaticServer> {
  const state: StaticServer = { url: '', root, requests: [], close: async () => undefined };
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    state.requests.push(path);
    const file = normalize(join(state.root, path));
    if (!file.startsWith(state.root)) {
      res.writeHead(403).end();
      return;
    }
    stat(file)
      .then(async (s) => {
        if (!s.isFile()) throw new Error('not a file');
        const body = await readFile(file);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }).end(body);
      })
      .catch(() => res.writeHead(404).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  state.url = `http://127.0.0.1:${port}`;
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}
