// A veto published to a feed reaches a running gated index within one scheduled sync and stops
// the next download (the `pyvouch serve --sync-every` path: startFeedSchedule over the server's store).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeIndex, wheelFile } from '../support/fake-index.js';
import { flag, review, reviewer, startInProcess, tempDir, writePolicy } from '../server/support.js';
import { initRepository, publishToRepository } from '../../src/feed/repository.js';
import { followFeed } from '../../src/feed/follow.js';
import { startFeedSchedule } from '../../src/feed/schedule.js';
import { serveDirectory } from './support.js';

test('a malicious flag published to a feed stops the next download after one sync', async () => {
  const alice = reviewer('Alice');
  const wheel = wheelFile('trusted', '1.0');
  const index = await startFakeIndex({ projects: [{ name: 'trusted', files: [wheel] }] });
  const feedDir = join(tempDir(), 'feed');
  const { rootFile } = await initRepository(feedDir, { name: 'alice' });
  await publishToRepository(feedDir, [review(alice, 'trusted', '1.0', [wheel])]);
  const feedServer = await serveDirectory(join(feedDir, 'repository'));
  const home = tempDir();
  await followFeed(home, { name: 'alice', location: feedServer.url, root: readFileSync(rootFile), rootFile });
  const s = await startInProcess({ upstream: index.url, policyPath: writePolicy(tempDir(), alice), mode: 'deny' });
  const errors: string[] = [];
  const schedule = startFeedSchedule({
    configDir: home,
    store: s.store,
    everyMs: 3_600_000,
    onSynced: (r) => {
      if (r.imported > 0) s.server.freshness.bump();
    },
    onError: (_feed, err) => errors.push(err.code),
  });
  const download = async (): Promise<number> => (await fetch(`${s.origin}/files/trusted/${wheel.filename}`)).status;
  try {
    await schedule.runNow();
    assert.equal(await download(), 200, 'the review from the feed lets the file through');
    await publishToRepository(feedDir, [flag(alice, 'trusted', '1.0', [wheel])]);
    await schedule.runNow();
    assert.equal(await download(), 403, 'the flag from the feed stops the next download');
    assert.deepEqual(errors, []);
  } finally {
    await schedule.stop();
    await s.close();
    await feedServer.close();
    await index.close();
  }
});
