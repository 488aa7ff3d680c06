#!/usr/bin/env bash
# The GitHub Action's install step: build pyvouch from the action's own checkout (Node 20 is on
# GitHub's runners). Skipped when a build is already there.
set -euo pipefail
cd "${GITHUB_ACTION_PATH:?}"
if [ -f dist/cli.js ] && [ -d node_modules ]; then
  echo "pyvouch is built: $(node dist/cli.js --version)"
  exit 0
fi
npm ci --no-audit --no-fund
npm run build
echo "pyvouch $(node dist/cli.js --version)"
