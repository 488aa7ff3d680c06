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
  | { pyvouch: 'changed'; what: 'policy' | 'statements'; id: number }
  | { pyvouch: 'reload'; id: number }
  | { pyvouch: 'bump'; id: number }
  | { pyvouch: 'applied'; id: number }
  | { pyvouch: 'relayed'; id: number }
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
  /** How long a relayed change waits for the other workers' acknowledgements (ms). */
  relayTimeoutMs?: number;
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
  const relayTimeoutMs = options.relayTimeoutMs ?? 5000;
  let relays = 0;
  /** Relays under way: who asked (under its own id), and which workers have yet to apply it. */
  const pending = new Map<number, { from: Worker; fromId: number; waiting: Set<Worker>; timer: NodeJS.Timeout }>();
  const settle = (id: number): void => {
    const relay = pending.get(id);
    if (relay === undefined) return;
    pending.delete(id);
    clearTimeout(relay.timer);
    if (relay.from.isConnected()) relay.from.send({ pyvouch: 'relayed', id: relay.fromId } satisfies ClusterMessage);
  };
  const applied = (worker: Worker, id: number): void => {
    const relay = pending.get(id);
    if (relay === undefined) return;
    relay.waiting.delete(worker);
    if (relay.waiting.size === 0) settle(id);
  };

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
          // The asking worker hears back once every other worker applied the change (or the wait
          // ran out), so its answer to the client comes after the whole cluster changed.
          const id = ++relays;
          const waiting = new Set([...slots.keys()].filter((w) => w !== worker && w.isConnected()));
          pending.set(id, { from: worker, fromId: message.id, waiting, timer: setTimeout(() => settle(id), relayTimeoutMs) });
          broadcast(message.what === 'policy' ? { pyvouch: 'reload', id } : { pyvouch: 'bump', id }, worker);
          if (waiting.size === 0) settle(id);
        } else if (message.pyvouch === 'applied') {
          applied(worker, message.id);
        }
      });
      worker.on('exit', (code, signal) => {
        const state = slots.get(worker);
        slots.delete(worker);
        // A dead worker applies nothing: do not wait for it.
        for (const id of [...pending.keys()]) applied(worker, id);
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
      broadcast({ pyvouch: 'reload', id: ++relays });
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
  /** Whether the primary asked this worker to stop (possibly before it listened). */
  readonly stopAsked: boolean;
  listening(origin: string): void;
  /** Tells the other workers; resolves once they applied it (or the primary stopped waiting). */
  changed(what: 'policy' | 'statements'): Promise<void>;
  /** Handlers for what the primary relays; `reload` resolves once the policy is in force. */
  on(handlers: WorkerHandlers): void;
  /** Leaves the cluster once the worker has closed everything, so the process can exit. */
  leave(): void;
}

export interface WorkerHandlers {
  reload(): Promise<void>;
  bump(): void;
  stop(): void;
}

export function workerLink(): WorkerLink | undefined {
  const worker = cluster.worker;
  if (!cluster.isWorker || worker === undefined) return undefined;
  const slot = Number(process.env[WORKER_SLOT_ENV] ?? '0');
  const send = (message: ClusterMessage): void => {
    if (worker.isConnected()) worker.send(message);
  };
  // Listening from the start: a stop that arrives while the worker is still starting is kept and
  // acted on once it can stop, rather than lost (the primary would have to kill the worker).
  let handlers: WorkerHandlers | undefined;
  let stopAsked = false;
  let asked = 0;
  const waiting = new Map<number, () => void>();
  worker.on('message', (message: unknown) => {
    if (!isClusterMessage(message)) return;
    if (message.pyvouch === 'stop') {
      stopAsked = true;
      handlers?.stop();
    } else if (message.pyvouch === 'reload') {
      const { id } = message;
      // A failed reload is logged by the handler; the previous policy stays, and the ack still goes.
      void (handlers?.reload() ?? Promise.resolve()).catch(() => undefined).then(() => send({ pyvouch: 'applied', id }));
    } else if (message.pyvouch === 'bump') {
      handlers?.bump();
      send({ pyvouch: 'applied', id: message.id });
    } else if (message.pyvouch === 'relayed') {
      waiting.get(message.id)?.();
      waiting.delete(message.id);
    }
  });
  return {
    slot: Number.isInteger(slot) ? slot : 0,
    get stopAsked() {
      return stopAsked;
    },
    listening: (origin) => send({ pyvouch: 'listening', origin }),
    changed(what) {
      if (!worker.isConnected()) return Promise.resolve();
      const id = ++asked;
      return new Promise<void>((resolve) => {
        waiting.set(id, resolve);
        send({ pyvouch: 'changed', what, id });
      });
    },
    on(h) {
      handlers = h;
      if (stopAsked) h.stop();
    },
    leave() {
      // exitedAfterDisconnect: the process then ends with its own exit code once idle.
      if (worker.isConnected()) worker.disconnect();
    },
  };
}
