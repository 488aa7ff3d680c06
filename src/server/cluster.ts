// `pyvouch serve --workers N`: one primary process that serves nothing itself and N worker
// processes (node:cluster) that each run the whole server on one shared listening socket.
//
// The primary relays what one worker learnt to the others: a policy reload (POST /policy/reload
// or SIGHUP to the primary) and "statements changed" (a POST or a feed sync; the store's
// generation tells the others too, this only spares their project pages the lag of a lax read).
// SIGTERM/SIGINT make every worker stop accepting, drain its requests in flight (bounded) and exit;
// the primary exits 0 once all are gone, killing any that outlive the bound. A worker that dies is
// replaced. A worker whose primary is gone exits at once (node:cluster does so on the IPC
// channel's disconnect), so no worker outlives the primary, even one killed with SIGKILL.

import cluster, { type Worker } from 'node:cluster';
import type { Logger } from './log.js';

/** Messages between primary and workers; all carry `pyvouch` so other IPC traffic is ignored. */
export type ClusterMessage =
  | { pyvouch: 'listening'; origin: string }
  | { pyvouch: 'changed'; what: 'policy' | 'statements' }
  | { pyvouch: 'reload' }
  | { pyvouch: 'bump' }
  | { pyvouch: 'stop' };

function isClusterMessage(value: unknown): value is ClusterMessage {
  return typeof value === 'object' && value !== null && typeof (value as { pyvouch?: unknown }).pyvouch === 'string';
}

/** The environment variable that tells a worker its slot (0 … N-1); slot 0 runs the feed schedule. */
export const WORKER_SLOT_ENV = 'PYVOUCH_WORKER_SLOT';

export interface PrimaryOptions {
  workers: number;
  logger: Logger;
  /** Called once, when every worker of the first generation listens. */
  onListening(origin: string): void;
  /** How long workers may take to drain and exit after a stop before they are killed (ms). */
  stopTimeoutMs?: number;
  /** A worker that keeps dying sooner than this after its start is not replaced for ever (ms). */
  minUptimeMs?: number;
}

/**
 * Runs the primary until SIGTERM or SIGINT (exit code 0), or until the first workers cannot start
 * (their exit code, e.g. 2 when the address is taken), or a worker keeps crashing (1).
 */
export function runPrimary(options: PrimaryOptions): Promise<number> {
  const { logger } = options;
  const stopTimeoutMs = options.stopTimeoutMs ?? 15_000;
  const minUptimeMs = options.minUptimeMs ?? 2000;
  const slots = new Map<Worker, { slot: number; startedAt: number; listening: boolean }>();
  let everListened = false;
  let stopping = false;
  let quickDeaths = 0;
  let announced = false;

  return new Promise<number>((resolve) => {
    let exitCode = 0;
    let killTimer: NodeJS.Timeout | undefined;
    let finished = false;
    const finish = (code: number): void => {
      if (finished) return;
      finished = true;
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      process.off('SIGHUP', onHangup);
      resolve(code);
    };

    const broadcast = (message: ClusterMessage, except?: Worker): void => {
      for (const worker of slots.keys()) {
        if (worker !== except && worker.isConnected()) worker.send(message);
      }
    };

    const fork = (slot: number): void => {
      const worker = cluster.fork({ [WORKER_SLOT_ENV]: String(slot) });
      slots.set(worker, { slot, startedAt: Date.now(), listening: false });
      logger.log('info', 'worker started', { worker: slot, pid: worker.process.pid });
      worker.on('message', (message: unknown) => {
        if (!isClusterMessage(message)) return;
        const state = slots.get(worker);
        if (message.pyvouch === 'listening' && state !== undefined) {
          state.listening = true;
          everListened = true;
          if (!announced && [...slots.values()].every((s) => s.listening)) {
            announced = true;
            options.onListening(message.origin);
          }
        } else if (message.pyvouch === 'changed') {
          broadcast(message.what === 'policy' ? { pyvouch: 'reload' } : { pyvouch: 'bump' }, worker);
        }
      });
      worker.on('exit', (code, signal) => {
        const state = slots.get(worker);
        slots.delete(worker);
        if (stopping) {
          if (slots.size === 0) {
            clearTimeout(killTimer);
            logger.log('info', 'all workers stopped');
            finish(exitCode);
          }
          return;
        }
        if (state === undefined) return;
        if (!everListened) {
          // The first workers could not start (a taken address, a bad store): stop, with their code.
          logger.log('error', 'a worker could not start; stopping', { worker: state.slot, code: code ?? undefined, signal: signal ?? undefined });
          exitCode = code ?? 1;
          stopAll();
          if (slots.size === 0) finish(exitCode);
          return;
        }
        const quick = Date.now() - state.startedAt < minUptimeMs;
        quickDeaths = quick ? quickDeaths + 1 : 0;
        if (quickDeaths >= 5) {
          logger.log('error', 'workers keep dying right after they start; stopping', { worker: state.slot, code: code ?? undefined, signal: signal ?? undefined });
          exitCode = 1;
          stopAll();
          if (slots.size === 0) finish(exitCode);
          return;
        }
        logger.log('warn', 'worker died; starting another', { worker: state.slot, pid: worker.process.pid, code: code ?? undefined, signal: signal ?? undefined });
        fork(state.slot);
      });
    };

    const stopAll = (): void => {
      if (stopping) return;
      stopping = true;
      broadcast({ pyvouch: 'stop' });
      killTimer = setTimeout(() => {
        for (const worker of slots.keys()) {
          logger.log('warn', 'worker did not stop in time; killing it', { pid: worker.process.pid });
          worker.process.kill('SIGKILL');
        }
      }, stopTimeoutMs);
      // The exits resolve; the timer must not keep the primary alive on its own.
      killTimer.unref();
    };

    const onSignal = (signal: NodeJS.Signals): void => {
      logger.log('info', 'stopping', { signal, workers: slots.size });
      stopAll();
      // The last worker's exit resolves (see the exit handler).
      if (slots.size === 0) finish(exitCode);
    };
    const onHangup = (): void => {
      logger.log('info', 'SIGHUP: asking every worker to reload the policy');
      broadcast({ pyvouch: 'reload' });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    process.on('SIGHUP', onHangup);

    for (let slot = 0; slot < options.workers; slot++) fork(slot);
  });
}

/** A worker's side of the relay (undefined outside a cluster worker). */
export interface WorkerLink {
  readonly slot: number;
  listening(origin: string): void;
  changed(what: 'policy' | 'statements'): void;
  /** Handlers for what the primary relays. */
  on(handlers: { reload(): void; bump(): void; stop(): void }): void;
  /** Leaves the cluster once the worker has closed everything, so the process can exit. */
  leave(): void;
}

export function workerLink(): WorkerLink | undefined {
  const worker = cluster.worker;
  if (!cluster.isWorker || worker === undefined) return undefined;
  const slot = Number(process.env[WORKER_SLOT_ENV] ?? '0');
  const send = (message: ClusterMessage): void => {
    if (worker.isConnected()) worker.send(message);
  };
  return {
    slot: Number.isInteger(slot) ? slot : 0,
    listening: (origin) => send({ pyvouch: 'listening', origin }),
    changed: (what) => send({ pyvouch: 'changed', what }),
    on(handlers) {
      worker.on('message', (message: unknown) => {
        if (!isClusterMessage(message)) return;
        if (message.pyvouch === 'reload') handlers.reload();
        else if (message.pyvouch === 'bump') handlers.bump();
        else if (message.pyvouch === 'stop') handlers.stop();
      });
    },
    leave() {
      // exitedAfterDisconnect: the process then ends with its own exit code once idle.
      if (worker.isConnected()) worker.disconnect();
    },
  };
}
