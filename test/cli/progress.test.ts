// The progress line of long commands: drawn only on a terminal (a fake TTY stream here), never in a
// pipe, in CI, on a dumb terminal or with --quiet; dim only where colour is allowed; cleared at the end.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createProgress, progressAllowed, withProgress } from '../../src/cli/progress.js';
import { tempDir } from '../server/support.js';
import { runCli } from './in-process.js';

/** A stream that says it is a terminal and records what is written to it. */
function fakeTty(columns = 200): { isTTY: boolean; columns: number; writes: string[]; write(text: string): boolean } {
  const writes: string[] = [];
  return { isTTY: true, columns, writes, write: (text: string) => writes.push(text) > 0 };
}

/** A clock the test moves by hand. */
function clock(): { now: () => number; advance(ms: number): void } {
  let t = 1_000_000;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

type Drawable = { draw(): void };

describe('progress on stderr', () => {
  test('draws the step, its counts and the elapsed time on a terminal, then clears the line', () => {
    const stream = fakeTty();
    const time = clock();
    const progress = createProgress({ stream, env: {}, quiet: false, delayMs: 1000, now: time.now });
    assert.equal(progress.active, true);
    progress.step('feed sync upstream', 1, 3);
    (progress as unknown as Drawable).draw();
    assert.deepEqual(stream.writes, [], 'nothing before the delay: short commands stay silent');
    time.advance(2500);
    (progress as unknown as Drawable).draw();
    assert.equal(stream.writes.length, 1);
    assert.equal(stream.writes[0], '\r\x1b[2K\x1b[2mfeed sync upstream 1/3 · 2s\x1b[0m');
    (progress as unknown as Drawable).draw();
    assert.equal(stream.writes.length, 1, 'an unchanged line is not written again');
    progress.step('feed sync mirror', 2, 3);
    (progress as unknown as Drawable).draw();
    assert.equal(stream.writes[1], '\r\x1b[2K\x1b[2mfeed sync mirror 2/3 · 2s\x1b[0m');
    progress.stop();
    assert.equal(stream.writes.at(-1), '\r\x1b[2K', 'stop clears the line');
    (progress as unknown as Drawable).draw();
    assert.equal(stream.writes.length, 3, 'nothing after stop');
  });

  test('joins the index client’s requests and bytes to the line', () => {
    const stream = fakeTty();
    const time = clock();
    const progress = createProgress({ stream, env: { NO_COLOR: '1' }, quiet: false, delayMs: 0, now: time.now });
    progress.step('resolve');
    progress.started('https://example.test/simple/a/');
    progress.received(2048);
    progress.finished('https://example.test/simple/a/');
    progress.started('https://example.test/simple/b/');
    progress.retrying('https://example.test/simple/b/', 'timeout', 100);
    (progress as unknown as Drawable).draw();
    progress.stop();
    assert.match(stream.writes[0]!, /^\r\x1b\[2Kresolve · index: 1 done, 1 in flight, 2(\.0)? ?KiB, 1 retry · 0s$/);
  });

  test('NO_COLOR keeps the line plain; a narrow terminal gets it cut to its width', () => {
    const stream = fakeTty(20);
    const progress = createProgress({ stream, env: { NO_COLOR: '1' }, quiet: false, delayMs: 0, now: () => 0 });
    progress.step('import: verifying and storing 100000 statements');
    (progress as unknown as Drawable).draw();
    progress.stop();
    assert.doesNotMatch(stream.writes[0]!, /\x1b\[2m/);
    assert.equal(stream.writes[0]!.replace('\r\x1b[2K', '').length, 19);
  });

  const silentCases: [string, { isTTY?: boolean }, Record<string, string>, boolean][] = [
    ['stderr is a pipe', { isTTY: false }, {}, false],
    ['stderr is a file (no isTTY at all)', {}, {}, false],
    ['--quiet', { isTTY: true }, {}, true],
    ['CI', { isTTY: true }, { CI: 'true' }, false],
    ['a dumb terminal', { isTTY: true }, { TERM: 'dumb' }, false],
  ];
  for (const [label, tty, env, quiet] of silentCases) {
    test(`draws nothing when ${label}`, async () => {
      const writes: string[] = [];
      const stream = { ...tty, write: (t: string) => writes.push(t) };
      assert.equal(progressAllowed(stream, env, quiet), false);
      const progress = createProgress({ stream, env, quiet, delayMs: 0, intervalMs: 1 });
      assert.equal(progress.active, false);
      progress.step('scan x', 1, 2);
      progress.started('u');
      await new Promise((r) => setTimeout(r, 10));
      progress.stop();
      assert.deepEqual(writes, []);
    });
  }

  test('CI=false is not CI', () => {
    assert.equal(progressAllowed({ isTTY: true, write: () => true }, { CI: 'false' }, false), true);
  });

  test('withProgress clears the line when the work throws', async () => {
    const stream = fakeTty();
    const time = clock();
    await assert.rejects(
      withProgress(
        'diff a 1..2',
        (progress) => {
          time.advance(5000);
          (progress as unknown as Drawable).draw();
          throw new Error('boom');
        },
        { stream, env: {}, quiet: false, now: time.now },
      ),
      /boom/,
    );
    assert.equal(stream.writes.length, 2);
    assert.equal(stream.writes[1], '\r\x1b[2K');
  });

  test('--quiet and -q are accepted before or after the command, and a long command off a terminal writes no progress', async () => {
    const dir = tempDir('pyvouch-progress-');
    const names = join(dir, 'names.txt');
    writeFileSync(names, 'requests\nreqeusts\n');
    for (const args of [['--quiet', 'scan', '--names', names], ['scan', '--names', names, '-q'], ['scan', '--names', names]]) {
      const result = await runCli(args);
      assert.equal(result.code, 1, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stdout, /reqeusts/);
      assert.doesNotMatch(result.stderr, /\r|\x1b\[2K/, 'no progress line in a pipe');
    }
  });
});
