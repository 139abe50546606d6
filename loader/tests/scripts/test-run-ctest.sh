#!/usr/bin/env bash
# test-run-ctest.sh - the README's test command cannot pass with a test that did not run.
# Builds a small CMake project of its own (one passing test, one that exits 77 under
# SKIP_RETURN_CODE as a test does when a daemon is missing, one whose program does not
# exist) and runs ci/run-ctest on it, the very step ci/test runs: the run must be red and
# name both tests that did not run; with the skipped one on an allow-list (with a reason)
# it is green; an allow-list line without a reason, and a registered test with no result,
# are red too.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
work=$(mktemp -d /tmp/test-run-ctest-XXXXXX)
trap 'rm -rf "$work"' EXIT
failures=0

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# run EXPECTED_STATUS ARGS...: ci/run-ctest ARGS succeeds (0) or fails (1: any non-zero
# status); its output is in $work/out.
run() {
    local expected=$1 got=0
    shift
    "$repo/ci/run-ctest" "$@" >"$work/out" 2>&1 || got=$?
    if [ "$expected" -eq 0 ] && [ "$got" -ne 0 ]; then
        fail "ci/run-ctest $* exited $got, expected success: $(tail -n 5 "$work/out")"
    elif [ "$expected" -ne 0 ] && [ "$got" -eq 0 ]; then
        fail "ci/run-ctest $* passed, expected a red run: $(tail -n 5 "$work/out")"
    fi
}
# shows PATTERN: the last run's output matches PATTERN.
shows() { grep -qE -- "$1" "$work/out" || fail "no '$1' in the output of ci/run-ctest: $(tail -n 5 "$work/out")"; }

mkdir -p "$work/project"
cat >"$work/project/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.18)
project(selftest NONE)
enable_testing()
add_test(NAME passes COMMAND true)
add_test(NAME skips COMMAND sh -c "echo 'nginx not installed'; exit 77")
set_tests_properties(skips PROPERTIES SKIP_RETURN_CODE 77 LABELS net)
add_test(NAME cannot-start COMMAND /nonexistent/test-program)
CMAKE
cmake -S "$work/project" -B "$work/build" >/dev/null

# ctest alone exits 0 here: that is the hole ci/run-ctest closes.
(cd "$work/build" && ctest >/dev/null 2>&1) || true

: >"$work/empty-allow"
run 1 "$work/build" --allow "$work/empty-allow"
shows 'error: skips: did not run .*nginx not installed'
shows 'error: cannot-start: did not run'
shows '3 registered, 1 ran'

# A label that selects only the skipped test: still red; green once the allow-list names it
# with a reason (ctest itself fails a program that cannot start, allowed or not).
run 1 "$work/build" --label net --allow "$work/empty-allow"
shows '1 registered, 0 ran'
printf 'skips      no nginx for this architecture\n' >"$work/allow"
run 0 "$work/build" --label net --allow "$work/allow"
shows 'skips did not run \(allowed: no nginx for this architecture\)'
printf 'skips\n' >"$work/no-reason"
run 1 "$work/build" --label net --allow "$work/no-reason"
shows "'skips' has no reason"

# A registered test without a result (a run cut short): red, named.
(cd "$work/build" && ctest --show-only=json-v1) >"$work/registered.json"
python3 - "$work/build/ctest-junit.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
tree = ET.parse(sys.argv[1])
suite = tree.getroot()
for case in list(suite.iter("testcase")):
    suite.remove(case)
tree.write(sys.argv[1])
PY
got=0
"$repo/ci/check-run" --registered "$work/registered.json" --junit "$work/build/ctest-junit.xml" \
    >"$work/out" 2>&1 || got=$?
[ "$got" -eq 1 ] || fail "ci/check-run passed a run with no results (exit $got)"
shows 'error: passes: registered but has no result'

if [ "$failures" -gt 0 ]; then
    echo "test-run-ctest.sh: $failures failures" >&2
    exit 1
fi
echo "test-run-ctest.sh: a skipped, unstartable or missing test turns the run red"
