#!/usr/bin/env bash
# The GitHub Action's check step: one evaluation time for both reports, SARIF to a file, the text
# report as Markdown in the job summary, and the exit code as a step output (the job fails in a
# later step, so the SARIF upload still runs).
set -uo pipefail
cli="${GITHUB_ACTION_PATH:?}/dist/cli.js"
lock="${INPUT_LOCK:?the lock input is required}"
sarif="${INPUT_SARIF:-pyvouch.sarif}"
at="$(date -u +%Y-%m-%dT%H:%M:%SZ)"

args=(check "$lock" --at "$at")
[ -n "${INPUT_POLICY:-}" ] && args+=(--policy "$INPUT_POLICY")
for s in ${INPUT_STATEMENTS:-}; do args+=(--statements "$s"); done
# Word splitting of the free-form args is intended: they are options, like a shell command line.
# shellcheck disable=SC2206
extra=(${INPUT_ARGS:-})

export NO_COLOR=1
text="$(node "$cli" "${args[@]}" "${extra[@]}" 2>&1)"
code=$?
node "$cli" "${args[@]}" "${extra[@]}" --format sarif --output "$sarif" >/dev/null 2>&1
sarif_code=$?

printf '%s\n' "$text"
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  {
    case "$code" in
      0) echo "## ✅ pyvouch: every package of \`$lock\` meets the policy" ;;
      1) echo "## ❌ pyvouch: packages of \`$lock\` fail the policy" ;;
      *) echo "## ⚠️ pyvouch could not check \`$lock\` (exit $code)" ;;
    esac
    echo
    echo '```text'
    printf '%s\n' "$text"
    echo '```'
  } >> "$GITHUB_STEP_SUMMARY"
fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  echo "exit-code=$code" >> "$GITHUB_OUTPUT"
  # SARIF is written for a pass or a policy failure; an input error has no results to upload.
  if [ "$sarif_code" -le 1 ] && [ -s "$sarif" ]; then echo "sarif=$sarif" >> "$GITHUB_OUTPUT"; else echo "sarif=" >> "$GITHUB_OUTPUT"; fi
fi
exit 0
