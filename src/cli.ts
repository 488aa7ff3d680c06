#!/usr/bin/env node
// The `pyvouch` executable.
import { main } from './cli/main.js';

// `pyvouch graph … | head` closes stdout early: that is the reader's choice, not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`pyvouch: ${String(err)}\n`);
    process.exitCode = 2;
  },
);
