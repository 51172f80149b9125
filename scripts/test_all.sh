#!/usr/bin/env bash
# Runs every test runner the project has and ends with ONE line: "N passed, M failed" (totals).
#   unit         deno test over src/, ffi/ and scripts/ (pure engines, storage on a real WT dir, checks)
#   integration  deno test over tests/integration/ (real server process, real npm:mongodb driver, mongosh)
#   spec         the unified-test-format runner over ../shared/specs (one server per file), with the
#                known-failure baseline tests/spec/known_failures.json: only regressions count as failed
# Each runner's own output is shown; its summary line is parsed for the totals.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p .tmp
passed=0
failed=0

run() { # name, then the command
  local name="$1"; shift
  local log=".tmp/test-${name}.log"
  echo "=== ${name}: $*"
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  # Deno's summary: "ok | 12 passed (3 steps) | 0 failed (2s)" or "FAILED | 10 passed | 2 failed (2s)"
  local line
  line=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^(ok|FAILED) \| [0-9]+ passed' | tail -1)
  if [ -z "$line" ]; then
    echo "=== ${name}: no summary line (exit ${rc}); counted as 1 failed"
    failed=$((failed + 1))
    return
  fi
  local p f
  p=$(echo "$line" | sed -E 's/^[A-Z a-z]+\| ([0-9]+) passed.*/\1/')
  f=$(echo "$line" | sed -E 's/.*\| ([0-9]+) failed.*/\1/')
  passed=$((passed + p))
  failed=$((failed + f))
  if [ "$rc" != "0" ] && [ "$f" = "0" ]; then failed=$((failed + 1)); fi
}

run unit deno test -A --quiet src/ ffi/ scripts/ admin/ packages/ tests/spec/
run integration deno test -A --quiet tests/integration/

if [ -d ../shared/specs ]; then
  echo "=== spec: deno run -A tests/spec/run.ts --baseline tests/spec/known_failures.json"
  deno run -A tests/spec/run.ts --baseline tests/spec/known_failures.json 2>&1 | tee .tmp/test-spec.log
  line=$(sed 's/\x1b\[[0-9;]*m//g' .tmp/test-spec.log | grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' | tail -1)
  if [ -z "$line" ]; then
    echo "=== spec: no summary line; counted as 1 failed"
    failed=$((failed + 1))
  else
    passed=$((passed + $(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')))
    failed=$((failed + $(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')))
  fi
else
  echo "=== spec: ../shared/specs not found; conformance suite not run"
fi

echo "${passed} passed, ${failed} failed"
[ "$failed" = "0" ]
