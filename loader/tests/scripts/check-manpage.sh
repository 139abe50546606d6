#!/usr/bin/env bash
# check-manpage.sh - doc/hopboot.8 renders without a single warning (groff -ww, and
# man --warnings as a reader's man would run it), and names every hopboot.* key that
# loader/src/cmdline.c accepts and every long option of the programs' getopt tables; the
# README's key table names every key too.
set -euo pipefail

usage() {
    cat <<'USAGE'
Usage: check-manpage.sh [--help]

Checks doc/hopboot.8: `groff -man -ww -z` and `man --warnings -l` (MANWIDTH=80) print no
warning, and the page names every hopboot.KEY of loader/src/cmdline.c and every --option
of the loader's programs.  Exit status 0 all good, 1 a check failed (also when groff
or man is not installed: Debian's groff-base and man-db, which ci/deps installs), 2 usage.
USAGE
}

case "${1:-}" in
    --help | -h) usage; exit 0 ;;
    "") ;;
    *) usage >&2; exit 2 ;;
esac

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
page=$repo/doc/hopboot.8
src=$repo/loader/src
failures=0
checks=0

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# The page cannot be checked without them: that is a failure, never a skip.
for tool in groff:groff-base man:man-db; do
    if ! command -v "${tool%%:*}" >/dev/null; then
        echo "FAIL: check-manpage.sh: no ${tool%%:*} here (install the Debian package ${tool#*:}); hopboot(8) is not checked" >&2
        exit 1
    fi
done

# warnings TAG CMD...: CMD must print nothing on stderr.
warnings() {
    local tag=$1 err
    shift
    checks=$((checks + 1))
    err=$("$@" 2>&1 >/dev/null) || fail "$tag exited with status $?"
    [ -z "$err" ] || fail "$tag warns: $err"
}
# C.UTF-8 is in every Debian; another locale could make man complain about the locale.
export LC_ALL=C.UTF-8
warnings "groff -man -ww -z" groff -man -ww -z "$page"
warnings "man --warnings -l" env MANWIDTH=80 man --warnings -E UTF-8 -l "$page"

# The page source with roff's escaped hyphens made plain, for the name checks.
text=$(sed 's/\\-/-/g' "$page")

# Every key cmdline.c accepts: IS("key") in parse_hopboot_key.
keys=$(grep -o 'IS("[a-z]*")' "$src/cmdline.c" | sed 's/IS("\(.*\)")/\1/' | sort -u)
[ -n "$keys" ] || fail "no IS(\"key\") found in cmdline.c: has its parser changed?"
readme_keys=$(sed -n '/^## Command-line keys/,/^## /p' "$repo/README.md")
for key in $keys; do
    checks=$((checks + 1))
    grep -q "hopboot\.$key\b" <<<"$text" || fail "hopboot(8) does not name hopboot.$key"
    case $key in booted | from) continue ;; esac # set for the OS, not configuration
    checks=$((checks + 1))
    grep -q "hopboot\.$key\b" <<<"$readme_keys" || fail "the README's key table does not name hopboot.$key"
done

# Every long option of the programs: { "name", no_argument|required_argument, ... }.
options=$(grep -ho '{ *"[a-z][a-z-]*", *\(no\|required\|optional\)_argument' "$src"/*.c |
    sed 's/{ *"\([^"]*\)".*/\1/' | sort -u)
[ -n "$options" ] || fail "no getopt_long option tables found in loader/src"
for option in $options; do
    checks=$((checks + 1))
    grep -q -- "--$option\b" <<<"$text" || fail "hopboot(8) does not name --$option"
done

echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
