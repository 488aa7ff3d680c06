// The generation that stamps cached decisions: strict reads never return a generation older than
// the request (even when they share a store read with other requests), lax reads trust the store's
// change notifications only while that subscription is up, and local changes apply at once.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Freshness } from '../../src/server/freshness.js';
import type { DecisionLog, StatementWatch } from '../../src/store/decisions.js';

/** A store whose generation reads take `delayMs` and see the value at the moment they start. */
class FakeLog implements DecisionLog {
  readonly location = 'fake';
  generation = 1;
  reads = 0;
  listener: ((g: string | undefined) => void) | undefined;
  watch = { healthy: true, close: async () => undefined } as StatementWatch & { healthy: boolean };
  watchStatements?: (listener: (g: string | undefined) => void) => Promise<StatementWatch>;
  constructor(
    private readonly delayMs: number,
    watching: boolean,
  ) {
    if (watching) {
      this.watchStatements = async (listener) => {
        this.listener = listener;
        return this.watch;
      };
    }
  }
  async record(): Promise<void> {}
  async query(): Promise<never[]> {
    return [];
  }
  statementGeneration(): Promise<string> {
    this.reads++;
    const seen = String(this.generation);
    return new Promise((resolve) => setTimeout(() => resolve(seen), this.delayMs));
  }
  async close(): Promise<void> {}
}

describe('freshness of cached decisions', () => {
  test('a strict read that arrives during another read waits for a read of its own', async () => {
    const log = new FakeLog(20, false);
    const f = new Freshness(log);
    await f.start();
    const early = f.current(true); // its store read starts now and will see generation 1
    await new Promise((r) => setTimeout(r, 5));
    log.generation = 2; // a statement is committed while that read is in flight
    const late = f.current(true);
    const also = f.current(true);
    assert.equal(await early, '0.1');
    assert.equal(await late, '0.2', 'the late request must not reuse the read that started before it');
    assert.equal(await also, '0.2');
    assert.equal(log.reads, 3, 'start, the early read, and one shared read for both late requests');
  });

  test('lax reads trust notifications while subscribed, and read the store when the subscription is down', async () => {
    const log = new FakeLog(1, true);
    const f = new Freshness(log);
    await f.start();
    const reads = log.reads;
    log.generation = 5;
    assert.equal(await f.current(false), '0.1', 'not yet announced: a page may lag by one notification');
    assert.equal(log.reads, reads);
    assert.equal(await f.current(true), '0.5', 'a download always reads the store');
    log.listener!('7');
    assert.equal(await f.current(false), '0.7');
    log.listener!('6');
    assert.equal(await f.current(false), '0.7', 'a late notification never takes the generation back');
    log.watch.healthy = false;
    log.generation = 9;
    assert.equal(await f.current(false), '0.9');
  });

  test('without notifications, lax reads reuse a reading for a moment; strict reads always ask', async () => {
    const log = new FakeLog(1, false);
    let now = 1000;
    const f = new Freshness(log, { laxReuseMs: 100, clock: () => now });
    await f.start();
    const reads = log.reads;
    log.generation = 2;
    now += 99;
    assert.equal(await f.current(false), '0.1', 'a page may lag another process by up to laxReuseMs');
    assert.equal(log.reads, reads);
    f.bump();
    assert.equal(await f.current(false), '1.1', "this process's own changes apply at once");
    now += 1;
    assert.equal(await f.current(false), '1.2');
    assert.equal(log.reads, reads + 1);
    log.generation = 3;
    assert.equal(await f.current(true), '1.3', 'a download always reads the store');
  });

  test('a restored subscription forgets what it knew, and local changes apply at once', async () => {
    const log = new FakeLog(1, true);
    const f = new Freshness(log);
    let changes = 0;
    f.onChange(() => changes++);
    await f.start();
    log.generation = 3;
    log.listener!(undefined);
    assert.ok(changes >= 2);
    assert.equal(await f.current(false), '0.3');
    f.bump();
    assert.equal(await f.current(false), '1.3');
    assert.equal(f.local, 1);
  });
});
