#!/usr/bin/env node
// The `pyvouch` executable.
import { main } from './cli/main.js';

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`pyvouch: ${String(err)}\n`);
    process.exitCode = 2;
  },
);
