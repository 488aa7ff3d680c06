import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateIdentity } from '../../src/attest/keys.js';
import { buildStatement, signStatement } from '../../src/attest/statement.js';
import type { Envelope } from '../../src/attest/types.js';
import { importEnvelopes } from '../../src/store/import.js';
import { openSqliteStore } from '../../src/store/sqlite.js';

function envelopes(count: number): Envelope[] {
  const me = generateIdentity();
  return Array.from({ length: count }, (_, i) =>
    signStatement(
      buildStatement({
        kind: 'like',
        agent: { did: me.did },
        package: { name: `pkg-${i}`, version: '1.0' },
        artifacts: [{ filename: `pkg_${i}-1.0-py3-none-any.whl`, sha256: 'ab'.repeat(32) }],
        description: `like ${i}`,
        startTime: '2026-01-01T00:00:00Z',
      }),
      me,
    ),
  );
}

test('imports in overlapped batches, rejects forgeries by position and deduplicates', async () => {
  const store = openSqliteStore(join(mkdtempSync(join(tmpdir(), 'pyvouch-import-')), 'db'));
  try {
    const input: unknown[] = envelopes(25);
    const forged = { ...(input[7] as Envelope), payload: (input[8] as Envelope).payload };
    input[7] = forged;
    input.push(input[3]); // the same statement twice
    const outcome = await importEnvelopes(store, input, { batch: 4 });
    assert.equal(outcome.inserted, 24);
    assert.equal(outcome.duplicates, 1);
    assert.deepEqual(outcome.rejected.map((r) => r.index), [7]);
    assert.equal((outcome.rejected[0]!.error as { code?: string }).code, 'SIG_INVALID');
    assert.equal(await store.count(), 24);
  } finally {
    await store.close();
  }
});
