// Waiting for a spawned `pyvouch serve` to say where it listens: shared by the server tests (from
// source) and the serve benchmark (from dist/), which both read its `listening on` line.
import type { ChildProcess } from 'node:child_process';

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
