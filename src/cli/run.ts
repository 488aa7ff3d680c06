// Glue between commander actions and exit codes: an action returns its code, `run` records it.
export const EXIT_PASS = 0;
export const EXIT_POLICY_FAILURE = 1;
export const EXIT_INPUT_ERROR = 2;

/** Wraps an action so its returned code becomes the process exit code. */
export function run<A extends unknown[]>(fn: (...args: A) => Promise<number> | number) {
  return async (...args: A): Promise<void> => {
    process.exitCode = await fn(...args);
  };
}
