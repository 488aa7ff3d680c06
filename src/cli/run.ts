// Glue between commander actions and exit codes: an action returns its code, `run` hands it to
// main() (which returns it), so a command can run in-process without touching process.exitCode.
export const EXIT_PASS = 0;
export const EXIT_POLICY_FAILURE = 1;
export const EXIT_INPUT_ERROR = 2;

let outcome: number | undefined;

/** Wraps an action so its returned code becomes main()'s return value. */
export function run<A extends unknown[]>(fn: (...args: A) => Promise<number> | number) {
  return async (...args: A): Promise<void> => {
    outcome = await fn(...args);
  };
}

/** The code the last action returned (and forgets it), or undefined when none ran. */
export function takeOutcome(): number | undefined {
  const code = outcome;
  outcome = undefined;
  return code;
}
