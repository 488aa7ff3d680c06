// Syncing followed feeds on a schedule, for `pyvouch serve --sync-every`: one run at a time (a slow
// feed never stacks runs), each feed in turn; the caller learns which runs stored statements so the
// server can re-decide at once (a veto or retraction must stop the very next download).
import { PyvouchError } from '../errors.js';
import type { StatementStore } from '../store/store.js';
import { listFeeds, syncFeed, type SyncResult } from './follow.js';

export interface FeedScheduleOptions {
  configDir: string;
  store: StatementStore;
  everyMs: number;
  onSynced: (result: SyncResult) => void;
  onError: (feed: string, error: PyvouchError) => void;
}

export interface FeedSchedule {
  /** Runs every feed now (waits for a run already under way first). */
  runNow(): Promise<void>;
  stop(): Promise<void>;
}

export function startFeedSchedule(options: FeedScheduleOptions): FeedSchedule {
  let running: Promise<void> | undefined;
  let stopped = false;
  const runOnce = async (): Promise<void> => {
    for (const feed of await listFeeds(options.configDir)) {
      if (stopped) return;
      try {
        options.onSynced(await syncFeed(options.configDir, feed.name, options.store));
      } catch (err) {
        options.onError(feed.name, err instanceof PyvouchError ? err : new PyvouchError('IO', String(err), { cause: err }));
      }
    }
  };
  const runNow = async (): Promise<void> => {
    while (running !== undefined) await running;
    running = runOnce().finally(() => (running = undefined));
    await running;
  };
  const tick = (): void => {
    if (running === undefined && !stopped) void runNow().catch(() => undefined);
  };
  const timer = setInterval(tick, options.everyMs);
  setImmediate(tick);
  return {
    runNow,
    async stop() {
      stopped = true;
      clearInterval(timer);
      if (running !== undefined) await running;
    },
  };
}
