// The behavioural suite every StatementStore must pass. Each backend's test file calls
// storeSuite() with a factory of harnesses; each test gets a fresh, empty store of its own.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import type { StoredStatement } from '../../src/attest/types.js';
import { isPyvouchError } from '../../src/errors.js';
import { LATEST_SCHEMA_VERSION, type Migration } from '../../src/store/migrations.js';
import type { StatementStore } from '../../src/store/store.js';
import { memoryVerifiedCache, type VerifiedEnvelopeCache } from '../../src/store/verified.js';
import { corpusPackage, fakeAgent, fakeCorpus, fakeSha256, fakeStatement } from './fixtures.js';

/** A trust edge as the store indexes it. */
export interface EdgeRow {
  statementId: string;
  agent: string;
  subject: string;
  relation: string;
  level: string | null;
}

/** One isolated store (a fresh file, or a fresh schema) and raw access to its database. */
export interface StoreHarness {
  /**
   * Opens the store; every call reaches the same data (a reopen). `extra` adds migrations after
   * the ones the code knows, given a function that qualifies a table name for the backend;
   * `upTo` leaves out the known migrations above that version (an older pyvouch).
   */
  open(extra?: (table: (name: string) => string) => Migration[], upTo?: number, verifiedCache?: VerifiedEnvelopeCache): Promise<StatementStore>;
  /** What openStore() takes to reach this store, e.g. from a child process. */
  readonly spec: string;
  /** Versions recorded in the migrations table, ascending. */
  appliedMigrations(): Promise<number[]>;
  /** Records a migration as applied without running it: a store written by a newer pyvouch. */
  recordMigration(version: number): Promise<void>;
  tableExists(name: string): Promise<boolean>;
  trustEdges(): Promise<EdgeRow[]>;
  /** Writes a column of one statements row behind the store's back (an attacker with SQL access). */
  updateStatement(id: string, column: 'statement' | 'envelope', value: string): Promise<void>;
  /** Removes the store's file or schema. */
  dispose(): Promise<void>;
}

const byId = (a: StoredStatement, b: StoredStatement): number =>
  a.statement.id < b.statement.id ? -1 : a.statement.id > b.statement.id ? 1 : 0;
/** What a statement was before a store added its receipt (receivedAt, source). */
const unreceived = (s: StoredStatement | undefined): StoredStatement | undefined => {
  if (s === undefined) return undefined;
  const { receivedAt: _r, source: _s, ...statement } = s.statement;
  return { envelope: s.envelope, statement };
};
const ids = (list: readonly StoredStatement[]): string[] => list.map((s) => s.statement.id);
const sortedIds = (list: readonly StoredStatement[]): string[] => ids([...list].sort(byId));

function assertCode(code: string): (err: unknown) => boolean {
  return (err) => {
    assert.ok(isPyvouchError(err), `expected a PyvouchError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return true;
  };
}

const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Runs a child process that opens `spec`, starts putting `n` statements from `seed` in one batch,
 * and kills itself with SIGKILL while serialising statement `killAt`, inside the transaction:
 * the nearest a test can get to pulling the plug mid-import.
 */
async function importAndDie(spec: string, n: number, killAt: number, seed: string): Promise<NodeJS.Signals | null> {
  const code = `
    import { openStore } from ${JSON.stringify(`${root}src/store/open.ts`)};
    import { fakeCorpus } from ${JSON.stringify(`${root}test/store/fixtures.ts`)};
    const store = await openStore(process.argv[1], '/nonexistent');
    const batch = fakeCorpus(${n}, { seed: ${JSON.stringify(seed)} });
    Object.defineProperty(batch[${killAt}].envelope, 'toJSON', {
      value() { process.kill(process.pid, 'SIGKILL'); },
    });
    await store.put(batch);
    console.log('put finished without dying');
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code, spec], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, sig) => resolve(sig)));
  assert.equal(signal, 'SIGKILL', `the importing child should have been killed; it said:\n${output}`);
  return signal;
}

export function storeSuite(name: string, factory: () => Promise<StoreHarness>): void {
  /** Runs `fn` against a fresh store, then closes and removes it whatever happened. */
  async function withStore(fn: (store: StatementStore, harness: StoreHarness) => Promise<void>): Promise<void> {
    const harness = await factory();
    let store: StatementStore | undefined;
    try {
      store = await harness.open();
      await fn(store, harness);
    } finally {
      await store?.close();
      await harness.dispose();
    }
  }

  describe(`${name} statement store`, () => {
    describe('put and get', () => {
      test('returns the envelope and statement exactly as stored', () =>
        withStore(async (store) => {
          const original = fakeStatement({ kind: 'review', endTime: '2026-01-01T00:00:00+02:00', criteria: ['safe-to-run'] });
          await store.put([original]);
          const back = await store.get(original.statement.id);
          assert.deepStrictEqual(unreceived(back), original);
          // Key order too: the envelope is kept as text, not re-encoded from columns.
          assert.equal(JSON.stringify(back?.envelope), JSON.stringify(original.envelope));
        }));

      test('keeps text with newlines, quotes, backslashes and non-ASCII exactly', () =>
        withStore(async (store) => {
          const original = fakeStatement({ nonce: 'tricky', description: 'line one\nline "two" \\ tab\t — ünïcødé 🐍 \u2028 end' });
          const plain = fakeStatement({ nonce: 'plain' });
          await store.put([original, plain]);
          assert.deepStrictEqual(unreceived(await store.get(original.statement.id)), original);
          assert.deepStrictEqual(unreceived(await store.get(plain.statement.id)), plain);
        }));

      test('answers undefined for an unknown id', () =>
        withStore(async (store) => {
          assert.equal(await store.get(fakeSha256('nothing')), undefined);
        }));

      test('reports what was inserted and what was already present', () =>
        withStore(async (store) => {
          const [a, b, c] = fakeCorpus(3);
          assert.ok(a && b && c);
          assert.deepEqual(await store.put([a, b]), { inserted: [a.statement.id, b.statement.id], duplicates: [] });
          assert.deepEqual(await store.put([b, c]), { inserted: [c.statement.id], duplicates: [b.statement.id] });
          assert.equal(await store.count(), 3);
        }));

      test('stores a statement repeated within one batch once', () =>
        withStore(async (store) => {
          const a = fakeStatement({ nonce: 1 });
          const b = fakeStatement({ nonce: 2 });
          assert.deepEqual(await store.put([a, b, a]), { inserted: [a.statement.id, b.statement.id], duplicates: [a.statement.id] });
          assert.equal(await store.count(), 2);
        }));

      test('accepts an empty batch', () =>
        withStore(async (store) => {
          assert.deepEqual(await store.put([]), { inserted: [], duplicates: [] });
          assert.equal(await store.count(), 0);
        }));

      test('stores a large batch in one call', () =>
        withStore(async (store) => {
          const corpus = fakeCorpus(2500);
          const result = await store.put(corpus);
          assert.equal(result.inserted.length, 2500);
          assert.equal(await store.count(), 2500);
          assert.deepStrictEqual(unreceived(await store.get(corpus[1777]?.statement.id ?? '')), corpus[1777]);
        }));
    });

    describe('receipt', () => {
      test('returns when it first stored a statement, and where that first copy came from', () =>
        withStore(async (store) => {
          const fromFeed = fakeStatement({ nonce: 'feed' });
          const local = fakeStatement({ nonce: 'local' });
          const before = Date.now();
          await store.put([
            { ...fromFeed, statement: { ...fromFeed.statement, source: { kind: 'feed', name: 'acme' } } },
            local,
          ]);
          const after = Date.now();
          // A later copy from elsewhere (and a receivedAt the caller claims) changes nothing.
          await new Promise((r) => setTimeout(r, 20));
          await store.put([{ ...fromFeed, statement: { ...fromFeed.statement, source: { kind: 'file' }, receivedAt: '2000-01-01T00:00:00Z' } }]);
          const back = await store.get(fromFeed.statement.id);
          assert.deepEqual(back?.statement.source, { kind: 'feed', name: 'acme' });
          const at = Date.parse(back?.statement.receivedAt ?? '');
          assert.ok(at >= before - 1000 && at <= after + 1000, `receivedAt ${back?.statement.receivedAt}`);
          assert.deepEqual((await store.get(local.statement.id))?.statement.source, { kind: 'local' });
          const found = await store.forPackages(['requests']);
          assert.ok(found.every((s) => s.statement.receivedAt !== undefined && s.statement.source !== undefined));
        }));
    });

    describe('what counts is what the signature covers', () => {
      test('editing the statement column turns nothing into an audit', () =>
        withStore(async (store, harness) => {
          const agent = fakeAgent('mallory');
          const like = fakeStatement({ kind: 'like', agent, name: 'evil', version: '1.0' });
          await store.put([like]);
          // Mallory rewrites her like as an audit by the trusted identity, in the column.
          const forged = { ...like.statement, kind: 'assess', agent: fakeAgent('security'), criteria: ['safe-to-deploy'] };
          await harness.updateStatement(like.statement.id, 'statement', JSON.stringify(forged));
          await store.close();
          const reopened = await harness.open();
          try {
            for (const got of [await reopened.get(like.statement.id), ...(await reopened.forPackages(['evil'])), ...(await reopened.find({})), ...((await reopened.statementsForPackages?.(['evil'])) ?? []).map((statement) => ({ statement }))]) {
              assert.equal(got?.statement.kind, 'like');
              assert.equal(got?.statement.agent, agent);
              assert.deepEqual(got?.statement.criteria, []);
            }
            assert.deepEqual(await reopened.find({ kind: 'assess' }), []);
          } finally {
            await reopened.close();
          }
        }));

      /** A cache kept across reopens (as the file cache is), counting what it was asked. */
      function watchedCache(): VerifiedEnvelopeCache & { hits: number; misses: number; added: number; size: () => number } {
        const inner = memoryVerifiedCache();
        let size = 0;
        const cache = {
          hits: 0,
          misses: 0,
          added: 0,
          size: () => size,
          has(d: Buffer) {
            const known = inner.has(d);
            if (known) cache.hits++;
            else cache.misses++;
            return known;
          },
          add(d: Buffer) {
            if (!inner.has(d)) size++;
            cache.added++;
            inner.add(d);
          },
          flush: () => undefined,
        };
        return cache;
      }

      /** Reads every way a store answers, from a store reopened with `cache`. */
      async function readBack(harness: StoreHarness, cache: VerifiedEnvelopeCache, name: string): Promise<{ got: StoredStatement[]; rejected: string[] }> {
        const store = await harness.open(undefined, undefined, cache);
        try {
          const about = await store.forPackages([name]);
          // The statements-only read (what `check` uses) answers exactly what forPackages does.
          if (store.statementsForPackages !== undefined) assert.deepEqual(await store.statementsForPackages([name]), about.map((s) => s.statement));
          const got = [...about, ...(await store.find({ name }))];
          for (const s of about) got.push((await store.get(s.statement.id))!);
          return { got, rejected: store.rejected().map((r) => r.code) };
        } finally {
          await store.close();
        }
      }

      test('a warm verified cache serves a row as its envelope decodes, without decoding it again', () =>
        withStore(async (store, harness) => {
          const statements = [fakeStatement({ name: 'warm', nonce: 1 }), fakeStatement({ name: 'warm', kind: 'review', nonce: 2 }), fakeStatement({ name: 'warm', kind: 'like', nonce: 3 })];
          await store.put(statements);
          await store.close();
          const cache = watchedCache();
          const cold = await readBack(harness, cache, 'warm');
          // Each row: its envelope verified once, and the row (envelope and column together) kept;
          // the row digest says the envelope verified, so the envelope's own digest is not kept.
          assert.equal(cache.size(), statements.length);
          const added = cache.added;
          cache.hits = 0;
          cache.misses = 0;
          const warm = await readBack(harness, cache, 'warm');
          assert.deepStrictEqual(warm, cold);
          assert.deepStrictEqual(cold.got.map(unreceived).slice(0, 3), [...statements].sort(byId));
          assert.equal(cache.added, added, 'a warm read verifies and adds nothing');
          assert.equal(cache.misses, 0, 'every row of a warm read is found by its row digest');
          assert.equal(JSON.stringify(warm.got[0]!.envelope), JSON.stringify([...statements].sort(byId)[0]!.envelope));
        }));

      test('editing the statement column after the cache vouched for the row turns nothing into an audit', () =>
        withStore(async (store, harness) => {
          const agent = fakeAgent('mallory');
          const like = fakeStatement({ kind: 'like', agent, name: 'evil', version: '1.0' });
          await store.put([like]);
          await store.close();
          const cache = watchedCache();
          const before = await readBack(harness, cache, 'evil');
          assert.equal(before.got[0]?.statement.kind, 'like');
          // With the row in the cache, Mallory rewrites the column as an audit by the trusted identity.
          const forged = { ...like.statement, kind: 'assess', agent: fakeAgent('security'), criteria: ['safe-to-deploy'] };
          await harness.updateStatement(like.statement.id, 'statement', JSON.stringify(forged));
          const after = await readBack(harness, cache, 'evil');
          assert.equal(after.got.length, 3);
          for (const got of after.got) {
            assert.equal(got.statement.kind, 'like');
            assert.equal(got.statement.agent, agent);
            assert.deepEqual(got.statement.criteria, []);
          }
          assert.deepStrictEqual(after, before);
        }));

      test('a column copied from another cached row does not replace the row\'s statement', () =>
        withStore(async (store, harness) => {
          const like = fakeStatement({ kind: 'like', agent: fakeAgent('mallory'), name: 'evil', version: '1.0' });
          const audit = fakeStatement({ kind: 'assess', agent: fakeAgent('security'), name: 'evil', version: '0.9', criteria: ['safe-to-deploy'] });
          await store.put([like, audit]);
          await store.close();
          const cache = watchedCache();
          await readBack(harness, cache, 'evil');
          // Both rows are vouched for; the audit's column is pasted into the like's row.
          await harness.updateStatement(like.statement.id, 'statement', JSON.stringify({ ...audit.statement, receivedAt: undefined, source: undefined }));
          const { got } = await readBack(harness, cache, 'evil');
          const likeRows = got.filter((s) => s.statement.id === like.statement.id);
          assert.equal(likeRows.length, 3);
          for (const s of likeRows) assert.deepStrictEqual(unreceived(s), like);
          assert.equal(got.filter((s) => s.statement.kind === 'assess').length, 3, 'only the audit row itself is an audit');
        }));

      test('an envelope edited after the cache vouched for the row is verified again and refused', () =>
        withStore(async (store, harness) => {
          const good = fakeStatement({ name: 'edited', nonce: 'good' });
          const victim = fakeStatement({ name: 'edited', nonce: 'victim' });
          await store.put([good, victim]);
          await store.close();
          const cache = watchedCache();
          assert.equal((await readBack(harness, cache, 'edited')).got.length, 3 * 2);
          const text = JSON.stringify(victim.envelope);
          const at = text.indexOf('"payload":"') + 11 + 40;
          await harness.updateStatement(victim.statement.id, 'envelope', text.slice(0, at) + String.fromCharCode(text.charCodeAt(at) ^ 1) + text.slice(at + 1));
          const { got, rejected } = await readBack(harness, cache, 'edited');
          assert.deepEqual([...new Set(ids(got))], [good.statement.id]);
          assert.ok(rejected.length === 1 && ['SIG_INVALID', 'ENVELOPE_INVALID', 'STATEMENT_INVALID'].includes(rejected[0]!), JSON.stringify(rejected));
        }));

      test('a flipped byte in a stored envelope makes it count for nothing, and is reported', () =>
        withStore(async (store, harness) => {
          const good = fakeStatement({ nonce: 'good' });
          const victim = fakeStatement({ nonce: 'victim' });
          const trust = fakeStatement({ kind: 'trust', nonce: 'trust' });
          await store.put([good, victim, trust]);
          const text = JSON.stringify(victim.envelope);
          // Flip one bit of one base64 character of the payload (still valid base64, other bytes).
          const at = text.indexOf('"payload":"') + 11 + 40;
          const flipped = text.slice(0, at) + String.fromCharCode(text.charCodeAt(at) ^ 1) + text.slice(at + 1);
          await harness.updateStatement(victim.statement.id, 'envelope', flipped);
          const trustText = JSON.stringify(trust.envelope);
          const sigAt = trustText.indexOf('"sig":"') + 7 + 10;
          await harness.updateStatement(trust.statement.id, 'envelope', trustText.slice(0, sigAt) + (trustText[sigAt] === 'A' ? 'B' : 'A') + trustText.slice(sigAt + 1));
          await store.close();
          const reopened = await harness.open();
          try {
            assert.deepEqual(ids(await reopened.forPackages(['requests'])), [good.statement.id]);
            assert.equal(await reopened.get(victim.statement.id), undefined);
            assert.deepEqual(await reopened.trustStatements(), []);
            const seen: string[] = [];
            for await (const s of reopened.all()) seen.push(s.statement.id);
            assert.deepEqual(seen, [good.statement.id]);
            const rejected = reopened.rejected();
            assert.deepEqual(rejected.map((r) => r.id).sort(), [victim.statement.id, trust.statement.id].sort());
            assert.ok(rejected.every((r) => ['SIG_INVALID', 'ENVELOPE_INVALID', 'STATEMENT_INVALID', 'AGENT_MISMATCH'].includes(r.code)), JSON.stringify(rejected));
          } finally {
            await reopened.close();
          }
        }));
    });

    describe('find', () => {
      const agentA = fakeAgent('a');
      const agentB = fakeAgent('b');
      const shared = fakeSha256('shared-wheel');
      const statements = [
        fakeStatement({ agent: agentA, name: 'requests', version: '2.32.3' }),
        fakeStatement({ agent: agentB, name: 'requests', version: '2.32.3', kind: 'review' }),
        fakeStatement({ agent: agentA, name: 'requests', version: '2.31.0' }),
        fakeStatement({
          agent: agentB,
          name: 'urllib3',
          version: '2.2.1',
          kind: 'flag',
          subjects: [
            { name: 'urllib3-2.2.1-py3-none-any.whl', sha256: shared },
            { name: 'urllib3-2.2.1.tar.gz', sha256: fakeSha256('urllib3-sdist') },
          ],
        }),
        fakeStatement({ agent: agentA, name: 'idna', version: '3.7', subjects: [{ name: 'idna-3.7-py3-none-any.whl', sha256: shared }] }),
        fakeStatement({ agent: agentA, kind: 'trust', trusts: agentB }),
      ];
      const where = (pred: (s: StoredStatement) => boolean): string[] => sortedIds(statements.filter(pred));

      const cases: { title: string; query: Parameters<StatementStore['find']>[0]; expect: string[] }[] = [
        { title: 'package name', query: { name: 'requests' }, expect: where((s) => s.statement.package?.name === 'requests') },
        {
          title: 'name and version',
          query: { name: 'requests', version: '2.32.3' },
          expect: where((s) => s.statement.package?.name === 'requests' && s.statement.package.version === '2.32.3'),
        },
        { title: 'artifact sha256', query: { sha256: shared }, expect: where((s) => s.statement.subjects.some((x) => x.sha256 === shared)) },
        { title: 'agent', query: { agent: agentB }, expect: where((s) => s.statement.agent === agentB) },
        { title: 'kind', query: { kind: 'flag' }, expect: where((s) => s.statement.kind === 'flag') },
        {
          title: 'several fields at once',
          query: { name: 'requests', agent: agentA, kind: 'assess' },
          expect: where((s) => s.statement.package?.name === 'requests' && s.statement.agent === agentA),
        },
        { title: 'a name nobody wrote about', query: { name: 'left-pad' }, expect: [] },
        { title: 'nothing (every statement)', query: {}, expect: sortedIds(statements) },
      ];
      for (const { title, query, expect } of cases) {
        test(`finds statements by ${title}, ordered by id`, () =>
          withStore(async (store) => {
            await store.put(statements);
            assert.deepEqual(ids(await store.find(query)), expect);
          }));
      }

      test('refuses a version without a package name', () =>
        withStore(async (store) => {
          await assert.rejects(store.find({ version: '1.0' }), assertCode('USAGE'));
        }));
    });

    describe('forPackages', () => {
      test('returns every statement about any of the names, and nothing else', () =>
        withStore(async (store) => {
          const corpus = fakeCorpus(3000, { packages: 600 });
          await store.put(corpus);
          const names = Array.from({ length: 300 }, (_, i) => corpusPackage(i * 2)).concat(['not-stored']);
          const wanted = new Set(names);
          const got = await store.forPackages(names);
          assert.deepEqual(
            ids(got),
            sortedIds(corpus.filter((s) => s.statement.package !== undefined && wanted.has(s.statement.package.name))),
          );
          assert.ok(got.length > 0);
        }));

      test('returns nothing for no names', () =>
        withStore(async (store) => {
          await store.put(fakeCorpus(10));
          assert.deepEqual(await store.forPackages([]), []);
        }));
    });

    describe('trust', () => {
      const alice = fakeAgent('alice');
      const bob = fakeAgent('bob');
      const carol = fakeAgent('carol');
      const aliceTrustsBob = fakeStatement({ kind: 'trust', agent: alice, trusts: bob, level: 'medium' });
      const aliceRotates = fakeStatement({ kind: 'rotate', agent: alice, rotatesTo: carol });
      const bobTrustsCarol = fakeStatement({ kind: 'trust', agent: bob, trusts: carol, level: 'distrust' });
      const aliceAssesses = fakeStatement({ kind: 'assess', agent: alice });
      const all = [aliceTrustsBob, aliceRotates, bobTrustsCarol, aliceAssesses];

      test('trustFrom returns the trust and rotation statements of one agent', () =>
        withStore(async (store) => {
          await store.put(all);
          assert.deepEqual(ids(await store.trustFrom(alice)), sortedIds([aliceTrustsBob, aliceRotates]));
          assert.deepEqual(ids(await store.trustFrom(carol)), []);
        }));

      test('trustStatements returns every trust and rotation statement', () =>
        withStore(async (store) => {
          await store.put(all);
          const got = await store.trustStatements();
          assert.deepEqual(ids(got), sortedIds([aliceTrustsBob, aliceRotates, bobTrustsCarol]));
          assert.deepStrictEqual(unreceived(got.find((s) => s.statement.id === aliceRotates.statement.id)), aliceRotates);
        }));

      test('indexes each trust and rotation as an edge from agent to subject', () =>
        withStore(async (store, harness) => {
          await store.put(all);
          const edges = (await harness.trustEdges()).sort((a, b) => (a.statementId < b.statementId ? -1 : 1));
          const expected = [
            { statementId: aliceTrustsBob.statement.id, agent: alice, subject: bob, relation: 'trust', level: 'medium' },
            { statementId: aliceRotates.statement.id, agent: alice, subject: carol, relation: 'rotate', level: null },
            { statementId: bobTrustsCarol.statement.id, agent: bob, subject: carol, relation: 'trust', level: 'distrust' },
          ].sort((a, b) => (a.statementId < b.statementId ? -1 : 1));
          assert.deepEqual(edges, expected);
        }));
    });

    describe('all and count', () => {
      test('streams every statement in id order across pages', () =>
        withStore(async (store) => {
          const corpus = fakeCorpus(2345);
          await store.put(corpus);
          const seen: string[] = [];
          for await (const s of store.all()) seen.push(s.statement.id);
          assert.deepEqual(seen, sortedIds(corpus));
          assert.equal(await store.count(), 2345);
        }));

      test('lets the consumer write to the store while streaming', () =>
        withStore(async (store) => {
          await store.put(fakeCorpus(1500, { seed: 'first' }));
          let n = 0;
          for await (const _ of store.all()) {
            if (n++ === 10) await store.put(fakeCorpus(5, { seed: 'during' }));
          }
          assert.ok(n >= 1500);
          assert.equal(await store.count(), 1505);
        }));

      test('streams nothing from an empty store', () =>
        withStore(async (store) => {
          for await (const _ of store.all()) assert.fail('an empty store streamed a statement');
          assert.equal(await store.count(), 0);
        }));
    });

    describe('atomic batches', () => {
      test('a batch with one bad row stores nothing of the batch and keeps what was stored before', () =>
        withStore(async (store) => {
          const before = fakeCorpus(5, { seed: 'before' });
          await store.put(before);
          const batch = fakeCorpus(6, { seed: 'failing' });
          // A subject digest that is not sha256 hex breaks a CHECK constraint at the fourth row,
          // after three rows were already written inside the transaction.
          const bad = batch[3];
          assert.ok(bad);
          bad.statement.subjects = [{ name: 'x.whl', sha256: 'NOT-A-DIGEST' }];
          await assert.rejects(store.put(batch), (err) => {
            assertCode('STORE')(err);
            assert.match((err as Error).message, /none of the batch was stored/);
            return true;
          });
          assert.equal(await store.count(), 5);
          for (const s of batch) assert.equal(await store.get(s.statement.id), undefined);
          assert.deepEqual(ids(await store.find({})), sortedIds(before));
          // The store is still usable, and the good rows go in once the bad one is left out.
          const result = await store.put(batch.filter((s) => s !== bad));
          assert.equal(result.inserted.length, 5);
        }));

      test('a statement with an unreadable time stores nothing of the batch', () =>
        withStore(async (store) => {
          const batch = fakeCorpus(3, { seed: 'time' });
          const last = batch[2];
          assert.ok(last);
          last.statement.startTime = 'yesterday-ish';
          await assert.rejects(store.put(batch), assertCode('STORE'));
          assert.equal(await store.count(), 0);
        }));

      test('an import killed mid-batch leaves nothing of the batch and keeps what was stored before', () =>
        withStore(async (store, harness) => {
          const before = fakeCorpus(7, { seed: 'before-crash' });
          await store.put(before);
          // 2500 statements, killed at 2200: for PostgreSQL two chunks were already sent.
          await importAndDie(harness.spec, 2500, 2200, 'crash');
          const reopened = await harness.open();
          try {
            assert.equal(await reopened.count(), 7);
            assert.deepEqual(ids(await reopened.find({})), sortedIds(before));
            const again = fakeCorpus(2500, { seed: 'crash' });
            assert.equal((await reopened.put(again)).inserted.length, 2500);
          } finally {
            await reopened.close();
          }
        }));
    });

    describe('persistence and migrations', () => {
      test('keeps statements across close and reopen', () =>
        withStore(async (store, harness) => {
          const corpus = fakeCorpus(20);
          await store.put(corpus);
          await store.close();
          const reopened = await harness.open();
          try {
            assert.equal(await reopened.count(), 20);
            assert.deepStrictEqual(unreceived(await reopened.get(corpus[4]?.statement.id ?? '')), corpus[4]);
            assert.deepEqual((await reopened.put(corpus)).duplicates.length, 20);
          } finally {
            await reopened.close();
          }
        }));

      test('applies each migration once, however often the store is opened', () =>
        withStore(async (store, harness) => {
          await store.close();
          for (let i = 0; i < 3; i++) await (await harness.open()).close();
          const applied = await harness.appliedMigrations();
          assert.deepEqual(applied, Array.from({ length: LATEST_SCHEMA_VERSION }, (_, i) => i + 1));
        }));

      // (This code writes the newest rows, so the old store is created empty at version 1.)
      test('upgrades a store written by an older pyvouch', () =>
        withStore(async (store, harness) => {
          await store.close();
          await harness.dispose();
          const old = await harness.open(undefined, 1);
          await old.close();
          assert.deepEqual(await harness.appliedMigrations(), [1]);
          const corpus = fakeCorpus(50, { seed: 'old', packages: 10 });
          const upgraded = await harness.open();
          try {
            await upgraded.put(corpus);
            assert.equal((await harness.appliedMigrations()).at(-1), LATEST_SCHEMA_VERSION);
            assert.equal(await upgraded.count(), 50);
            const sha = corpus[0]?.statement.subjects[0]?.sha256 ?? '';
            const expected = corpus.filter((s) => s.statement.subjects.some((x) => x.sha256 === sha));
            assert.deepEqual(ids(await upgraded.find({ sha256: sha })), sortedIds(expected));
            assert.equal((await upgraded.put(fakeCorpus(60, { seed: 'old', packages: 10 }))).inserted.length, 10);
          } finally {
            await upgraded.close();
          }
        }));

      test('applies a migration the store lacks on open', () =>
        withStore(async (store, harness) => {
          await store.put(fakeCorpus(3));
          await store.close();
          const next = LATEST_SCHEMA_VERSION + 1;
          const newer = (t: (name: string) => string): Migration[] => [
            { version: next, name: 'probe table', statements: [`CREATE TABLE ${t('probe')} (x integer)`] },
          ];
          await (await harness.open(newer)).close();
          assert.equal((await harness.appliedMigrations()).at(-1), next);
          assert.equal(await harness.tableExists('probe'), true);
          const again = await harness.open(newer);
          assert.equal(await again.count(), 3);
          await again.close();
          // The older code now meets a newer store, and says so.
          await assert.rejects(harness.open(), assertCode('STORE_MIGRATION'));
        }));

      test('rolls back a migration that fails part-way', () =>
        withStore(async (store, harness) => {
          await store.close();
          await assert.rejects(
            harness.open((t) => [
              {
                version: LATEST_SCHEMA_VERSION + 1,
                name: 'half',
                statements: [`CREATE TABLE ${t('half_done')} (x integer)`, 'SELECT no_such_function()'],
              },
            ]),
            assertCode('STORE_MIGRATION'),
          );
          assert.equal((await harness.appliedMigrations()).at(-1), LATEST_SCHEMA_VERSION);
          assert.equal(await harness.tableExists('half_done'), false);
        }));

      test('refuses a store whose schema is newer than the code', () =>
        withStore(async (store, harness) => {
          await store.close();
          await harness.recordMigration(99);
          await assert.rejects(harness.open(), (err) => {
            assertCode('STORE_MIGRATION')(err);
            assert.match((err as Error).message, /schema version 99/);
            assert.match((err as { help?: string }).help ?? '', /upgrade pyvouch/);
            return true;
          });
        }));

      test('refuses to work once closed', () =>
        withStore(async (store) => {
          await store.close();
          await assert.rejects(async () => store.count(), assertCode('STORE'));
          await assert.rejects(async () => store.put([fakeStatement()]), assertCode('STORE'));
          await store.close();
        }));
    });
  });
}
