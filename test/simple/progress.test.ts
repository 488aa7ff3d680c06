import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { createStderrProgress } from '../../src/simple/progress.js';

function terminal(isTTY: boolean, columns = 80): { writes: string[]; isTTY: boolean; columns: number; write(text: string): boolean } {
  const writes: string[] = [];
  return { writes, isTTY, columns, write: (text: string) => writes.push(text) > 0 };
}

async function run(stream: ReturnType<typeof terminal>, env: Record<string, string | undefined>): Promise<void> {
  const progress = createStderrProgress({ stream, env, delayMs: 0, intervalMs: 5 });
  progress.started('https://index.example/simple/a/');
  progress.received(2048);
  progress.retrying('https://index.example/simple/a/', 'HTTP 503', 10);
  await sleep(30);
  progress.finished('https://index.example/simple/a/');
  progress.stop();
}

describe('createStderrProgress', () => {
  it('draws one rewritten line on a terminal and clears it when stopped', async () => {
    const stream = terminal(true);
    await run(stream, {});
    assert.ok(stream.writes.length >= 2);
    assert.match(stream.writes[0]!, /^\r\x1b\[2Kindex: 0 done, 1 in flight, 2 KiB, 1 retry$/);
    assert.equal(stream.writes.at(-1), '\r\x1b[2K');
  });

  it('cuts the line to the width of the terminal', async () => {
    const stream = terminal(true, 20);
    await run(stream, {});
    assert.equal(stream.writes[0], '\r\x1b[2Kindex: 0 done, 1 in');
  });

  it('draws nothing when stderr is not a terminal, in CI, or on a dumb terminal', async () => {
    for (const [isTTY, env] of [
      [false, {}],
      [true, { CI: 'true' }],
      [true, { TERM: 'dumb' }],
    ] as const) {
      const stream = terminal(isTTY);
      await run(stream, env);
      assert.deepEqual(stream.writes, []);
    }
  });

  it('stays silent during a short run', async () => {
    const stream = terminal(true);
    const progress = createStderrProgress({ stream, env: {}, delayMs: 10_000, intervalMs: 5 });
    progress.started('u');
    await sleep(20);
    progress.finished('u');
    progress.stop();
    assert.deepEqual(stream.writes, []);
  });
});
