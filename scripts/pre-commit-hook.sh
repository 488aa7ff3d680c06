#!/usr/bin/env bash
# The pre-commit hook's entry (.pre-commit-hooks.yaml, language: script). pre-commit runs it from
# its own clone of this repository; the first run builds pyvouch there (npm ci + build, messages on
# stderr), later runs reuse that build. Then each changed lock file is checked.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ ! -f "$here/dist/pre-commit.js" ] || [ ! -d "$here/node_modules" ]; then
  echo "pyvouch: building the hook's copy of pyvouch (first run only)" >&2
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >&2 && npm run --silent build >&2)
fi
exec node "$here/dist/pre-commit.js" "$@"
