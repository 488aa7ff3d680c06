// Ports and listening: a free loopback port to give a server, and waiting for a spawned `pyvouch
// serve` to say where it listens. Shared by the server tests (from source) and the serve
// benchmarks (from dist/), which both read its `listening on` line.
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** A TCP port on 127.0.0.1 that was free a moment ago (for servers that must be told their port). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** The origin a starting `pyvouch serve` prints on stdout; rejects when it exits first or takes longer than `timeoutMs`. */
export function listeningOrigin(child: ChildProcess, stderr: () => string, timeoutMs: number): Promise<string> {
  let stdout = '';
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`pyvouch serve did not start within ${timeoutMs} ms:\n${stderr()}`)), timeoutMs);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const m = /listening on (http:\/\/[^/\s]+)\/simple\//.exec(stdout);
      if (m !== null) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`pyvouch serve exited with ${code} before listening:\n${stderr()}`));
    });
  });
}
