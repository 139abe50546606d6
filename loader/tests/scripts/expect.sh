# shellcheck shell=bash
# expect.sh - what the shell tests of loader/tests/scripts share: count checks and
# failures, and run a command expecting its exit status and output.  Source it after
# setting work (a scratch directory); the caller prints the totals and exits.

: "${work:?set work to a scratch directory before sourcing expect.sh}"
failures=0
checks=0

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# expect STATUS PATTERN CMD...: CMD exits with STATUS and its output matches PATTERN.
expect() {
	local status=$1 pattern=$2 got=0
	shift 2
	checks=$((checks + 1))
	"$@" >"$work/out" 2>"$work/err" || got=$?
	[ "$got" -eq "$status" ] || fail "$* exited $got, expected $status: $(head -c 300 "$work/err")"
	grep -qE -- "$pattern" "$work/err" "$work/out" || fail "$*: no '$pattern' in: $(head -c 300 "$work/err" "$work/out")"
}
